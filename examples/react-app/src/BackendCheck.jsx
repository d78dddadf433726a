import { useState } from "react";
import { useSession } from "gatehouse-react";

// Asks the backend in any state: with the session's token when there is
// one, with none after sign-out. It shows the HTTP status and the answer.
export function BackendCheck() {
  const { session } = useSession();
  const [answer, setAnswer] = useState("");
  async function ask() {
    const headers = session ? { Authorization: `Bearer ${await session.getToken()}` } : {};
    const res = await fetch("/api/me", { headers });
    setAnswer(`${res.status} ${await res.text()}`);
  }
  return (
    <p>
      <button onClick={ask}>Ask the backend</button> <output id="backend-check">{answer}</output>
    </p>
  );
}
