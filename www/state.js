// What the demo page knows while it runs: the SDK, the Gatehouse instance
// and its environment, and where the person is in the sign-up. One shared
// object; the step modules read and write it.

export const state = {
  sdk: null,
  gh: null,
  env: null,
  outbox: null,
  /** Wire names of the fields rendered in the details form. */
  fieldNames: [],
  /** The SignUp (the SDK keeps it current). */
  signUp: null,
  /** The ticket of the invitation link this page was opened with, once it started a sign-up. */
  ticket: null,
  /** The wire name of the field being verified. */
  verifying: null,
  /** address -> epoch ms before which no new code can be sent to it. */
  resendAt: new Map(),
  countdown: null,
};
