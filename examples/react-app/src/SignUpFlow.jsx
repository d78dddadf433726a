import { useState } from "react";
import { useSignUp } from "gatehouse-react";
import { ErrorText } from "./ErrorText.jsx";

// The sign-up in three steps: the details; then an emailed code or an
// email link; then done. Each step reads gh.signUp through useSignUp(),
// which re-renders after every change.
export function SignUpFlow() {
  const { signUp } = useSignUp();
  const [step, setStep] = useState("details");
  const [error, setError] = useState(null);
  const [waiting, setWaiting] = useState(null);

  /** Runs one SDK call, showing its error; answers whether it worked. */
  async function attempt(call) {
    setError(null);
    try {
      await call();
      return true;
    } catch (e) {
      setError(e);
      return false;
    }
  }

  async function details(event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const params = { emailAddress: form.get("email"), password: form.get("password") };
    if (await attempt(() => signUp.create(params))) setStep("verify");
  }

  async function sendCode() {
    if (await attempt(() => signUp.prepareEmailAddressVerification({ strategy: "email_code" }))) setStep("code");
  }

  async function checkCode(event) {
    event.preventDefault();
    const code = new FormData(event.currentTarget).get("code");
    if (await attempt(() => signUp.attemptEmailAddressVerification({ code }))) setStep("done");
  }

  async function sendLink() {
    const flow = signUp.createMagicLinkFlow();
    setWaiting(flow);
    setStep("link");
    const ok = await attempt(() => flow.startMagicLinkFlow({ redirectUrl: `${location.origin}/#verified` }));
    setWaiting(null);
    setStep(ok && signUp.status === "complete" ? "done" : "verify");
  }

  if (step === "details") {
    return (
      <form onSubmit={details} aria-label="Sign up">
        <h2>Create your account</h2>
        <label>Email <input name="email" type="email" autoComplete="email" required /></label>
        <label>Password <input name="password" type="password" autoComplete="new-password" required /></label>
        <ErrorText error={error} />
        <button>Continue</button>
      </form>
    );
  }
  if (step === "verify") {
    return (
      <section aria-label="Verify your email">
        <h2>Verify {signUp.emailAddress}</h2>
        <button onClick={sendCode}>Email me a code</button> <button onClick={sendLink}>Email me a link</button>
        <ErrorText error={error} />
      </section>
    );
  }
  if (step === "code") {
    return (
      <form onSubmit={checkCode} aria-label="Enter the code">
        <h2>Enter the code we sent to {signUp.emailAddress}</h2>
        <label>Code <input name="code" inputMode="numeric" autoComplete="one-time-code" required /></label>
        <ErrorText error={error} />
        <button>Verify</button>
      </form>
    );
  }
  if (step === "link") {
    return (
      <section aria-label="Check your email">
        <h2>Open the link we sent to {signUp.emailAddress}</h2>
        <p>This page goes on by itself once you have confirmed.</p>
        <button onClick={() => waiting?.cancelMagicLinkFlow()}>Cancel</button>
      </section>
    );
  }
  return (
    <section aria-label="Done">
      <h2>Welcome!</h2>
      <p>Your account is ready ({signUp.createdUserId}).</p>
      <a href="#account">Go to your account</a>
    </section>
  );
}
