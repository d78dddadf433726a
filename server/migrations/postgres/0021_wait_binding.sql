-- The waiting tab's wake-up without a reload (`crate::sign_up::stream`).
-- A cookie-mode event stream sets a cookie of its own, `__gh_wait` (a
-- random value, only sent to /v1/verify), and keeps its hash. A link
-- confirmed in the browser that signed up replaces the client's token in
-- its own transaction (the 303 sets the new cookie) and records here the
-- hash of the `__gh_wait` cookie that browser sent: the one stream opened
-- there, in that browser, may then show the client with its new session,
-- although its token is the old one. Any other replacement sets it NULL.

ALTER TABLE clients ADD COLUMN replaced_for_wait TEXT;
