-- Password reset by email link (`reset_password_email_link`): a link is
-- owned by a sign-up (verifies its address) or by a sign-in (lets it set a
-- new password), exactly one of them. `requested_user_agent` and
-- `requested_ip` say where a sign-in's link was asked for: the confirm page
-- shows them when the link is opened in another browser. The sign-in's
-- key is checked at commit: a create stores the link before the new
-- sign-in's row, in the same transaction.
ALTER TABLE email_links ALTER COLUMN sign_up_id DROP NOT NULL;
ALTER TABLE email_links ADD COLUMN sign_in_id TEXT REFERENCES sign_ins (id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE email_links ADD COLUMN requested_user_agent TEXT;
ALTER TABLE email_links ADD COLUMN requested_ip TEXT;
ALTER TABLE email_links ADD CONSTRAINT email_links_one_owner CHECK ((sign_up_id IS NULL) <> (sign_in_id IS NULL));
CREATE INDEX email_links_by_sign_in ON email_links (sign_in_id);
