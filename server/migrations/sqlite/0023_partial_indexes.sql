-- Indexes over columns that are NULL in most rows keep only the rows that
-- have a value. A client has no sign-in, no previous token and no session
-- for most of its life, and a user an external id only when synced; yet
-- every insert wrote a NULL entry into each of these indexes, a page per
-- index per commit (issue 10: the WAL frames a sign-up flow writes). Every
-- query that uses them compares the column (`=`, `IN`), which implies
-- `IS NOT NULL`, so SQLite and PostgreSQL both still choose them.
DROP INDEX clients_by_sign_up;
CREATE INDEX clients_by_sign_up ON clients (sign_up_id) WHERE sign_up_id IS NOT NULL;
DROP INDEX clients_by_sign_in;
CREATE INDEX clients_by_sign_in ON clients (sign_in_id) WHERE sign_in_id IS NOT NULL;
DROP INDEX clients_by_last_active_session;
CREATE INDEX clients_by_last_active_session ON clients (last_active_session_id)
    WHERE last_active_session_id IS NOT NULL;
DROP INDEX clients_by_previous_token_hash;
CREATE INDEX clients_by_previous_token_hash ON clients (previous_token_hash) WHERE previous_token_hash IS NOT NULL;
-- NULLs never collide in a unique index, so leaving them out keeps the
-- rule the same: one user per external id.
DROP INDEX users_by_external_id;
CREATE UNIQUE INDEX users_by_external_id ON users (external_id) WHERE external_id IS NOT NULL;

-- SQLite only: three small tables keyed by their primary key, kept
-- WITHOUT ROWID, so a row lives in one B-tree (its key's) instead of two
-- (the rowid table and the key's index): a page less per insert. Each is
-- written by every code sent (`code_sends`, `limit_events`) or every
-- sign-up (`verifications`). PostgreSQL's tables have no rowid.
CREATE TABLE code_sends_new (
    address TEXT PRIMARY KEY,
    sent_at BIGINT NOT NULL
) WITHOUT ROWID;
INSERT INTO code_sends_new (address, sent_at) SELECT address, sent_at FROM code_sends;
DROP TABLE code_sends;
ALTER TABLE code_sends_new RENAME TO code_sends;
CREATE INDEX code_sends_by_sent_at ON code_sends (sent_at);

CREATE TABLE limit_events_new (
    id         TEXT PRIMARY KEY,
    limit_key  TEXT NOT NULL,
    at         BIGINT NOT NULL
) WITHOUT ROWID;
INSERT INTO limit_events_new (id, limit_key, at) SELECT id, limit_key, at FROM limit_events;
DROP TABLE limit_events;
ALTER TABLE limit_events_new RENAME TO limit_events;
CREATE INDEX limit_events_by_key ON limit_events (limit_key, at);
CREATE INDEX limit_events_by_at ON limit_events (at);

CREATE TABLE verifications_new (
    sign_up_id         TEXT NOT NULL REFERENCES sign_ups (id),
    field              TEXT NOT NULL,
    status             TEXT NOT NULL,
    strategy           TEXT,
    attempts           INTEGER NOT NULL,
    code_hash          TEXT,
    expire_at          BIGINT,
    verified_at_client TEXT,
    PRIMARY KEY (sign_up_id, field)
) WITHOUT ROWID;
INSERT INTO verifications_new (sign_up_id, field, status, strategy, attempts, code_hash, expire_at, verified_at_client)
    SELECT sign_up_id, field, status, strategy, attempts, code_hash, expire_at, verified_at_client FROM verifications;
DROP TABLE verifications;
ALTER TABLE verifications_new RENAME TO verifications;
