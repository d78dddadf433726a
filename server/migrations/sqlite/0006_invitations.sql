-- Invitations to sign up. The ticket in the link is never stored, only
-- its SHA-256; a refresh replaces it. `expired` is not stored: it is a
-- pending invitation past `expires_at`.

CREATE TABLE invitations (
    id               TEXT PRIMARY KEY,
    email_address    TEXT NOT NULL,
    status           TEXT NOT NULL,
    ticket_hash      TEXT NOT NULL UNIQUE,
    redirect_url     TEXT,
    metadata         TEXT NOT NULL,
    expires_at       BIGINT NOT NULL,
    accepted_user_id TEXT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX invitations_by_email ON invitations (email_address);

-- The hash of the ticket a sign-up was started with (strategy "ticket"):
-- completing it accepts that invitation, if the ticket is still its own.
ALTER TABLE sign_ups ADD COLUMN ticket_hash TEXT;
