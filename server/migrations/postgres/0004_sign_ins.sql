-- Sign-ins: an attempt of a client to prove it is a user, with its first
-- factor's state inline (a code is stored as an HMAC, never in clear).

ALTER TABLE clients ADD COLUMN sign_in_id TEXT;

CREATE TABLE sign_ins (
    id                 TEXT PRIMARY KEY,
    client_id          TEXT NOT NULL REFERENCES clients (id),
    user_id            TEXT NOT NULL REFERENCES users (id),
    identifier         TEXT NOT NULL,
    status             TEXT NOT NULL,
    -- The factors offered, comma-separated, and where a code would go.
    supported_factors  TEXT NOT NULL,
    safe_identifier    TEXT,
    -- The chosen factor and its verification.
    factor             TEXT,
    factor_status      TEXT,
    attempts           BIGINT NOT NULL,
    code_hash          TEXT,
    expire_at          BIGINT,
    verified_at_client TEXT,
    created_session_id TEXT,
    created_at         BIGINT NOT NULL,
    abandon_at         BIGINT NOT NULL
);
CREATE INDEX sign_ins_by_client ON sign_ins (client_id);
CREATE INDEX sign_ins_by_user ON sign_ins (user_id);
CREATE INDEX sessions_by_user ON sessions (user_id);
