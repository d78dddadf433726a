// `Gatehouse.handleMagicLinkVerification()`, for the page at an email
// link's `redirect_url` (core.js puts it on `Gatehouse`): how the link's
// confirmation ended, read from the query the server redirected with
// (`gh_status`, and `gh_created_session` when the sign-up completed), as
// `{ status, createdSessionId }`, or `null` when the page was not reached
// through a link (no `gh_status`, or not one of the four).
//
// - The browser's own query parser (`URLSearchParams`, which never throws
//   on a string): the first value of each name, percent-decoded.
// - `createdSessionId` is an id (letters, digits, `_` and `-`), or `null`
//   for anything else: the page may hand it to the server, and a crafted
//   link must not make it send whatever the query says.
// - No wasm needed: it works before `Gatehouse.load` too.
// - The statuses are the protocol's `EmailLinkStatus`; the browser tests
//   (tests/browser/landing.rs) read each one back, and every other value
//   as none, through the page's own `location` and, for generated queries
//   (Chromium lets a page replace its URL only so often), through
//   `landing` itself.
const STATUSES = ["verified", "expired", "failed", "client_mismatch"];

/** What a query (`location.search`, the leading `?` optional) says. */
export function landing(search) {
  const query = new URLSearchParams(search);
  const status = query.get("gh_status"), id = query.get("gh_created_session");
  return STATUSES.includes(status) ? { status, createdSessionId: id && /^[\w-]+$/.test(id) ? id : null } : null;
}

export const handleMagicLinkVerification = () => landing(globalThis.location?.search);
