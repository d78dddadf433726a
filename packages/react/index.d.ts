// The types of gatehouse-react (index.js).
import type { ReactNode } from "react";
import type { Client, Gatehouse, GatehouseOptions, Session, SignIn, SignUp } from "gatehouse";

/** `<GatehouseProvider>`'s props: the `Gatehouse.load` options, and the app. */
export interface GatehouseProviderProps extends GatehouseOptions {
  children?: ReactNode;
}

/**
 * Loads Gatehouse (`Gatehouse.load(props)`) and gives it to the hooks below.
 * It loads again when `frontendApi` or `tokenMode` changes; a load that
 * fails is thrown to the nearest error boundary.
 */
export function GatehouseProvider(props: GatehouseProviderProps): ReactNode;

/** The SDK's state as of its last change. */
export type GatehouseState =
  | { isLoaded: false; gatehouse: null; client: null; session: null; signUp: null; signIn: null }
  | { isLoaded: true; gatehouse: Gatehouse; client: Client; session: Session | null; signUp: SignUp; signIn: SignIn };

/** The SDK's state; re-renders on every change of the sign-up, sign-in, session or client. */
export function useGatehouse(): GatehouseState;

/** `gh.signUp` (the same object, updated in place); re-renders on every change. */
export function useSignUp(): { isLoaded: false; signUp: null } | { isLoaded: true; signUp: SignUp };

/** `gh.signIn` (the same object, updated in place); re-renders on every change. */
export function useSignIn(): { isLoaded: false; signIn: null } | { isLoaded: true; signIn: SignIn };

/** `gh.session`: `null` when signed out (and before loading); re-renders on every change. */
export function useSession(): { isLoaded: false; session: null } | { isLoaded: true; session: Session | null };

/** Renders its children once loaded with an active session (not a "pending" one). */
export function SignedIn(props: { children?: ReactNode }): ReactNode;

/** Renders its children once loaded without an active session (none, or "pending"; not while loading). */
export function SignedOut(props: { children?: ReactNode }): ReactNode;
