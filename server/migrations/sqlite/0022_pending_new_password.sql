-- A new password set after a reset, for a user with a second factor on, is
-- held on the sign-in until that factor is proven (`sign_in::complete`):
-- reading the account's mail alone changes neither the password nor the
-- sessions. The hash (argon2id, as in `users.password_hash`), whether the
-- other sessions end (meaningful only beside a hash), and the language of
-- the "password changed" email.
ALTER TABLE sign_ins ADD COLUMN new_password_hash TEXT;
ALTER TABLE sign_ins ADD COLUMN new_password_sign_out BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE sign_ins ADD COLUMN new_password_locale TEXT;
