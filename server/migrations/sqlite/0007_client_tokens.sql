-- Client tokens that expire and rotate.
-- `last_seen_at`: the last request that used the token (refreshed at most
-- once a minute); a client idle longer than `[client] idle_timeout_seconds`,
-- or older than `[client] max_lifetime_seconds`, is no longer found.
-- `token_rotate_due`: when a sign-up or sign-in completed, or a sign-out
-- happened, for this client; its token is replaced at its next request
-- (or at the end of the request that did it), then this is NULL again.

ALTER TABLE clients ADD COLUMN last_seen_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE clients ADD COLUMN token_rotate_due BIGINT;
UPDATE clients SET last_seen_at = created_at;
