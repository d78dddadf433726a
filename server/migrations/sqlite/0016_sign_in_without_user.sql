-- A password reset asked for an address without an account still makes a
-- sign-in (the same answer as for a known address: no enumeration), with
-- no user. SQLite cannot drop a NOT NULL: the table is rebuilt (nothing
-- references it).
CREATE TABLE sign_ins_new (
    id                 TEXT PRIMARY KEY,
    client_id          TEXT NOT NULL REFERENCES clients (id),
    user_id            TEXT REFERENCES users (id),
    identifier         TEXT NOT NULL,
    status             TEXT NOT NULL,
    supported_factors  TEXT NOT NULL,
    safe_identifier    TEXT,
    factor             TEXT,
    factor_status      TEXT,
    attempts           INTEGER NOT NULL,
    code_hash          TEXT,
    expire_at          BIGINT,
    verified_at_client TEXT,
    created_session_id TEXT,
    created_at         BIGINT NOT NULL,
    abandon_at         BIGINT NOT NULL
);
INSERT INTO sign_ins_new SELECT id, client_id, user_id, identifier, status, supported_factors, safe_identifier,
    factor, factor_status, attempts, code_hash, expire_at, verified_at_client, created_session_id, created_at,
    abandon_at FROM sign_ins;
DROP TABLE sign_ins;
ALTER TABLE sign_ins_new RENAME TO sign_ins;
CREATE INDEX sign_ins_by_client ON sign_ins (client_id);
CREATE INDEX sign_ins_by_user ON sign_ins (user_id);
CREATE INDEX sign_ins_by_abandon_at ON sign_ins (abandon_at);
