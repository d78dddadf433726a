import { useState } from "react";
import { useSession } from "gatehouse-react";

// Asks the backend in any state: with the session's token when there is
// one, with none after sign-out or while the session is pending (a task
// such as `setup_mfa` left: `getToken()` answers null then). It shows the
// HTTP status and the answer.
export function BackendCheck() {
  const { session } = useSession();
  const [answer, setAnswer] = useState("");
  async function ask() {
    const token = session ? await session.getToken() : null;
    const headers = token ? { Authorization: `Bearer ${token}` } : {};
    const res = await fetch("/api/me", { headers });
    setAnswer(`${res.status} ${await res.text()}`);
  }
  return (
    <p>
      <button onClick={ask}>Ask the backend</button> <output id="backend-check">{answer}</output>
    </p>
  );
}
