-- A password reset link asked for in bearer mode (the SDK's client token
-- in `Authorization: Bearer`, no cookie on the server's origin) can never
-- be confirmed on its page: that page checks the client cookie. Its page
-- hands the token to the app instead (a 303 to the sign-in's
-- `redirect_url` with `#gh_reset_token=...`), and the app, with its own
-- bearer token, proves the reset with it (`attempt_first_factor`). A link
-- asked for in cookie mode keeps FALSE: it is confirmed on its page only.
ALTER TABLE email_links ADD COLUMN bearer BOOLEAN NOT NULL DEFAULT FALSE;
