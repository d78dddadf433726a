// gatehouse-react: the Gatehouse SDK in React.
//
// <GatehouseProvider> loads the SDK once (`Gatehouse.load`, one await) and
// keeps one external store: the SDK's state as of its last change,
// `{ isLoaded, gatehouse, client, session, signUp, signIn }`, a new object
// per change (`gh.addListener`). Every hook reads that store through
// `useSyncExternalStore`, so a component that uses one re-renders after
// every change of the sign-up, the sign-in, the session or the client.
//
// ESM, no side effects at import (`sideEffects: false`), one named export
// per piece, so a bundler keeps only what the app imports.

import { createContext, createElement, useContext, useEffect, useState, useSyncExternalStore } from "react";
import { Gatehouse } from "gatehouse";

/** What the hooks see before the SDK is loaded. */
const NOT_LOADED = { isLoaded: false, gatehouse: null, client: null, session: null, signUp: null, signIn: null };

const StoreContext = /* @__PURE__ */ createContext(null);

/** One provider's store: the last snapshot and React's subscribers. */
function newStore() {
  const subscribers = new Set();
  const store = {
    snapshot: NOT_LOADED,
    subscribe(notify) {
      subscribers.add(notify);
      return () => subscribers.delete(notify);
    },
    get: () => store.snapshot,
    /** Takes in the SDK's state (`gh`, or a listener's snapshot, which has the same keys). */
    take(gatehouse, { client, session, signUp, signIn }) {
      store.snapshot = { isLoaded: true, gatehouse, client, session, signUp, signIn };
      subscribers.forEach((notify) => notify());
    },
  };
  return store;
}

/**
 * Loads Gatehouse with its props (the `Gatehouse.load` options:
 * `frontendApi`, `tokenMode`, ...) and gives it to the hooks below it.
 * It loads again when `frontendApi` or `tokenMode` changes. A load that
 * fails is thrown to the nearest error boundary.
 */
export function GatehouseProvider({ children, ...options }) {
  const [store] = useState(newStore);
  const [, fail] = useState();
  useEffect(() => {
    let stopped = false;
    let unsubscribe;
    Gatehouse.load(options).then(
      (gh) => {
        if (stopped) return;
        store.take(gh, gh);
        unsubscribe = gh.addListener((snapshot) => store.take(gh, snapshot));
      },
      (error) =>
        stopped ||
        fail(() => {
          throw error;
        }),
    );
    return () => {
      stopped = true;
      unsubscribe?.();
    };
  }, [options.frontendApi, options.tokenMode]);
  return createElement(StoreContext.Provider, { value: store }, children);
}

/**
 * The SDK's state: `{ isLoaded, gatehouse, client, session, signUp, signIn }`
 * (all `null` but `isLoaded: false` until loaded). Re-renders on every change.
 */
export function useGatehouse() {
  const store = useContext(StoreContext);
  if (!store) throw new Error("gatehouse-react: use the hooks inside <GatehouseProvider>");
  return useSyncExternalStore(store.subscribe, store.get, store.get);
}

/** `{ isLoaded, signUp }`: `gh.signUp`, re-rendered on every change. */
export function useSignUp() {
  const { isLoaded, signUp } = useGatehouse();
  return { isLoaded, signUp };
}

/** `{ isLoaded, signIn }`: `gh.signIn`, re-rendered on every change. */
export function useSignIn() {
  const { isLoaded, signIn } = useGatehouse();
  return { isLoaded, signIn };
}

/** `{ isLoaded, session }`: `gh.session` (`null` when signed out), re-rendered on every change. */
export function useSession() {
  const { isLoaded, session } = useGatehouse();
  return { isLoaded, session };
}

/**
 * Its children once loaded with an active session; nothing otherwise (nor
 * for a "pending" one, whose user must enrol a second factor first).
 */
export function SignedIn({ children }) {
  return useGatehouse().session?.status == "active" ? children : null;
}

/**
 * Its children once loaded without an active session (none, or a "pending"
 * one); nothing otherwise (nor while loading).
 */
export function SignedOut({ children }) {
  const { isLoaded, session } = useGatehouse();
  return isLoaded && session?.status != "active" ? children : null;
}
