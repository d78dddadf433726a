-- Users synced from other systems (the admin API), and the per-account
-- limit on wrong passwords.

ALTER TABLE users ADD COLUMN email_verified BOOLEAN NOT NULL DEFAULT FALSE;
-- The id another system knows the user by (unique when set).
ALTER TABLE users ADD COLUMN external_id TEXT;
-- Admin-set metadata (JSON object); `unsafe_metadata` is the person's own.
ALTER TABLE users ADD COLUMN metadata TEXT NOT NULL DEFAULT '{}';
ALTER TABLE users ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;

UPDATE users SET updated_at = created_at;
UPDATE users SET email_verified = TRUE
WHERE email_address IS NOT NULL AND EXISTS (
    SELECT 1 FROM sign_ups s JOIN verifications v ON v.sign_up_id = s.id
    WHERE s.created_user_id = users.id AND v.field = 'email_address' AND v.status = 'verified'
);

CREATE UNIQUE INDEX users_by_external_id ON users (external_id);

-- One row per wrong password (a row is written before the check and
-- removed when the password was right, so parallel guesses count too).
CREATE TABLE password_failures (
    id        TEXT PRIMARY KEY,
    user_id   TEXT NOT NULL REFERENCES users (id),
    failed_at BIGINT NOT NULL
);
CREATE INDEX password_failures_by_user ON password_failures (user_id, failed_at);
