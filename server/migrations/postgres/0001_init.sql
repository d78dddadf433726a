-- The first schema of Gatehouse, PostgreSQL's copy (server/migrations/sqlite
-- holds SQLite's: same numbers, same tables, columns and indexes).
--
-- TEXT ids, BIGINT epoch-millisecond times (counters too: the queries bind
-- 64-bit integers), BOOLEAN flags; the queries (db/) are shared by both
-- backends.

-- Server-wide secrets, generated on first start (the key that hashes codes).
CREATE TABLE server_secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One browser or device. The token itself is never stored, only its SHA-256.
CREATE TABLE clients (
    id                     TEXT PRIMARY KEY,
    token_hash             TEXT NOT NULL UNIQUE,
    sign_up_id             TEXT,
    last_active_session_id TEXT,
    created_at             BIGINT NOT NULL
);

CREATE TABLE users (
    id                TEXT PRIMARY KEY,
    email_address     TEXT UNIQUE,
    phone_number      TEXT UNIQUE,
    username          TEXT UNIQUE,
    web3_wallet       TEXT,
    first_name        TEXT,
    last_name         TEXT,
    password_hash     TEXT,
    legal_accepted_at BIGINT,
    unsafe_metadata   TEXT NOT NULL,
    created_at        BIGINT NOT NULL
);

CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    client_id  TEXT NOT NULL REFERENCES clients (id),
    status     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expire_at  BIGINT NOT NULL
);
CREATE INDEX sessions_by_client ON sessions (client_id);

CREATE TABLE sign_ups (
    id                 TEXT PRIMARY KEY,
    client_id          TEXT NOT NULL REFERENCES clients (id),
    status             TEXT NOT NULL,
    email_address      TEXT,
    phone_number       TEXT,
    username           TEXT,
    web3_wallet        TEXT,
    first_name         TEXT,
    last_name          TEXT,
    password_hash      TEXT,
    legal_accepted     BOOLEAN NOT NULL,
    unsafe_metadata    TEXT NOT NULL,
    created_user_id    TEXT,
    created_session_id TEXT,
    created_at         BIGINT NOT NULL,
    abandon_at         BIGINT NOT NULL
);
CREATE INDEX sign_ups_by_client ON sign_ups (client_id);

-- One row per verifiable field of a sign-up. The code is stored as an
-- HMAC-SHA-256, never in clear.
CREATE TABLE verifications (
    sign_up_id         TEXT NOT NULL REFERENCES sign_ups (id),
    field              TEXT NOT NULL,
    status             TEXT NOT NULL,
    strategy           TEXT,
    attempts           BIGINT NOT NULL,
    code_hash          TEXT,
    expire_at          BIGINT,
    verified_at_client TEXT,
    PRIMARY KEY (sign_up_id, field)
);

-- When a code was last sent to an address ("email:..." or "sms:..."), for
-- the resend limit, which holds across sign-ups and clients.
CREATE TABLE code_sends (
    address TEXT PRIMARY KEY,
    sent_at BIGINT NOT NULL
);
