import { useState } from "react";
import { useSignIn } from "gatehouse-react";
import { ErrorText } from "./ErrorText.jsx";

// Sign-in with a password; once it completes, the session is there and the
// account page opens.
export function SignInForm() {
  const { signIn } = useSignIn();
  const [error, setError] = useState(null);
  async function submit(event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setError(null);
    try {
      await signIn.create({ identifier: form.get("email"), password: form.get("password") });
      location.hash = "account";
    } catch (e) {
      setError(e);
    }
  }
  return (
    <form onSubmit={submit} aria-label="Sign in">
      <h2>Sign in</h2>
      <label>Email <input name="email" type="email" autoComplete="username" required /></label>
      <label>Password <input name="password" type="password" autoComplete="current-password" required /></label>
      <ErrorText error={error} />
      <button>Sign in</button>
    </form>
  );
}
