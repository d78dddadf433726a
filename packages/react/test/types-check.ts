// Type-checked (tsc --strict) by scripts/test-browser.sh: the hooks narrow
// on isLoaded, and the provider takes the Gatehouse.load options.
import { createElement } from "react";
import type { Session, SignUp } from "gatehouse";
import { GatehouseProvider, SignedIn, SignedOut, useGatehouse, useSession, useSignIn, useSignUp } from "gatehouse-react";

export function Probe(): string {
  const { isLoaded, signUp } = useSignUp();
  const up: SignUp | null = signUp;
  const signIn = useSignIn();
  const id: string | null = signIn.isLoaded ? signIn.signIn.id : null;
  const { session } = useSession();
  const now: Session | null = session;
  const state = useGatehouse();
  if (state.isLoaded) {
    const stop: () => void = state.gatehouse.addListener(({ client, session }) => client.sessions.length + (session ? 1 : 0));
    stop();
  }
  return `${isLoaded} ${up?.status} ${id} ${now?.id}`;
}

export const app = createElement(
  GatehouseProvider,
  { frontendApi: "http://127.0.0.1:8080", tokenMode: "bearer" },
  createElement(SignedIn, null, "in"),
  createElement(SignedOut, null, "out"),
);
