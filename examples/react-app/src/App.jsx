import { useEffect, useState } from "react";
import { SignedIn, SignedOut, useGatehouse } from "gatehouse-react";
import { SignUpFlow } from "./SignUpFlow.jsx";
import { SignInForm } from "./SignInForm.jsx";
import { Account } from "./Account.jsx";
import { BackendCheck } from "./BackendCheck.jsx";

/** The page in the address's hash: #sign-up (the default), #sign-in, #account, or #verified (where an email link lands). */
function usePage() {
  const read = () => location.hash.slice(1) || "sign-up";
  const [page, setPage] = useState(read);
  useEffect(() => {
    const follow = () => setPage(read());
    addEventListener("hashchange", follow);
    return () => removeEventListener("hashchange", follow);
  }, []);
  return page;
}

export function App() {
  const page = usePage();
  const { isLoaded } = useGatehouse();
  if (!isLoaded) return <p>Loading…</p>;
  return (
    <>
      <nav>
        <SignedOut>
          <a href="#sign-up">Sign up</a> <a href="#sign-in">Sign in</a>{" "}
        </SignedOut>
        <a href="#account">Account</a>
      </nav>
      <main>
        {page === "sign-up" && <SignUpFlow />}
        {page === "sign-in" && <SignInForm />}
        {page === "verified" && <p>Your email is verified: the tab where you signed up goes on by itself.</p>}
        {page === "account" && (
          <>
            {/* The protected page: only for a signed-in user. */}
            <SignedIn>
              <Account />
            </SignedIn>
            <SignedOut>
              <p id="signed-out">You are signed out. <a href="#sign-in">Sign in</a> to see your account.</p>
            </SignedOut>
            <BackendCheck />
          </>
        )}
      </main>
    </>
  );
}
