-- Email links (strategy `email_link`).
--
-- The token itself is never stored, only its SHA-256. A row outlives its
-- use: a reused or replaced link still leads back to its redirect_url,
-- with gh_status=failed, instead of to a dead end.
CREATE TABLE email_links (
    token_hash    TEXT PRIMARY KEY,
    sign_up_id    TEXT NOT NULL REFERENCES sign_ups (id),
    -- The address the link went to: a link confirms only that address.
    email_address TEXT NOT NULL,
    redirect_url  TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    expire_at     BIGINT NOT NULL,
    -- When it was used, or replaced by a newer prepare; NULL while live.
    spent_at      BIGINT
);
CREATE INDEX email_links_by_sign_up ON email_links (sign_up_id);
CREATE INDEX email_links_by_expiry ON email_links (expire_at);
