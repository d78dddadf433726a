-- Password reset by email link (`reset_password_email_link`): a link is
-- owned by a sign-up (verifies its address) or by a sign-in (lets it set a
-- new password), exactly one of them. `requested_user_agent` and
-- `requested_ip` say where a sign-in's link was asked for: the confirm page
-- shows them when the link is opened in another browser. The sign-in's
-- key is checked at commit: a create stores the link before the new
-- sign-in's row, in the same transaction. SQLite cannot
-- drop a NOT NULL or add a CHECK: the table is rebuilt (nothing references
-- it).
CREATE TABLE email_links_new (
    token_hash           TEXT PRIMARY KEY,
    sign_up_id           TEXT REFERENCES sign_ups (id),
    sign_in_id           TEXT REFERENCES sign_ins (id) DEFERRABLE INITIALLY DEFERRED,
    email_address        TEXT NOT NULL,
    redirect_url         TEXT NOT NULL,
    created_at           BIGINT NOT NULL,
    expire_at            BIGINT NOT NULL,
    spent_at             BIGINT,
    requested_user_agent TEXT,
    requested_ip         TEXT,
    CHECK ((sign_up_id IS NULL) <> (sign_in_id IS NULL))
);
INSERT INTO email_links_new (token_hash, sign_up_id, email_address, redirect_url, created_at, expire_at, spent_at)
    SELECT token_hash, sign_up_id, email_address, redirect_url, created_at, expire_at, spent_at FROM email_links;
DROP TABLE email_links;
ALTER TABLE email_links_new RENAME TO email_links;
CREATE INDEX email_links_by_sign_up ON email_links (sign_up_id);
CREATE INDEX email_links_by_sign_in ON email_links (sign_in_id);
CREATE INDEX email_links_by_expiry ON email_links (expire_at);
