-- "Was this you?": where each session was signed in from and when it was
-- last used, for the user's list of sessions. `user_agent` is the raw
-- header (shown parsed: "Chrome on Linux"); `ip_address` the peer IP as
-- `crate::peer_ip` decides it; `last_active_at` moves at token refresh, at
-- most once a minute. Sessions from before this migration have none.
ALTER TABLE sessions ADD COLUMN user_agent TEXT;
ALTER TABLE sessions ADD COLUMN ip_address TEXT;
ALTER TABLE sessions ADD COLUMN last_active_at BIGINT;
