import { useEffect, useState } from "react";
import { useGatehouse, useSession } from "gatehouse-react";

// The protected page's content (inside <SignedIn>): data from the app's own
// backend, which answers only to a valid session token (server/index.js).
export function Account() {
  const { session } = useSession();
  const { gatehouse } = useGatehouse();
  const [me, setMe] = useState(null);
  useEffect(() => {
    session
      .getToken()
      .then((jwt) => fetch("/api/me", { headers: { Authorization: `Bearer ${jwt}` } }))
      .then((res) => res.json())
      .then(setMe, (error) => setMe({ error: error.message }));
  }, [session]);
  return (
    <section>
      <h2>Your account</h2>
      <p id="me">{me ? JSON.stringify(me) : "Asking the backend…"}</p>
      <button onClick={() => gatehouse.signOut()}>Sign out</button>
    </section>
  );
}
