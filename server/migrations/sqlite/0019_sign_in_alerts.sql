-- "Was this you?" (issue 13 §3): the links of the email sent after a
-- sign-in from a browser the user had not used before. Only the SHA-256
-- of each token is kept (256 CSPRNG bits, base64url in the link).
-- `purpose` 'not_me' is the email's link (it ends `session_id`);
-- 'new_password' is the form shown after it (it sets a new password and
-- ends every session of the user). Each is spent once (`used_at`) and
-- works until `expire_at`. No foreign key to `sessions`: the cleanup
-- deletes expired sessions on its own schedule; these rows go when they
-- expire, or with their user.
CREATE TABLE sign_in_alerts (
    token_hash TEXT PRIMARY KEY,
    purpose    TEXT NOT NULL,
    session_id TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    expire_at  BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX sign_in_alerts_by_user ON sign_in_alerts (user_id);
CREATE INDEX sign_in_alerts_by_expiry ON sign_in_alerts (expire_at);
