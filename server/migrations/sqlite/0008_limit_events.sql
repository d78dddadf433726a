-- Rolling-window limits kept in the database (`crate::limits`), so that they
-- hold across restarts and nodes: wrong codes per address and purpose,
-- messages per address and for the whole instance, wrong passwords per
-- account and IP, per account, and per IP.

-- One row per counted event, under the key of the limit it counts against
-- (`code_failure:sign_in:a@b.co`, `send:a@b.co`, `outbound`, ...).
CREATE TABLE limit_events (
    id         TEXT PRIMARY KEY,
    limit_key  TEXT NOT NULL,
    at         BIGINT NOT NULL
);
CREATE INDEX limit_events_by_key ON limit_events (limit_key, at);

-- One row per key. A transaction writes its key's row before it counts the
-- key's events, so two transactions counting one key take turns: on
-- PostgreSQL (READ COMMITTED) the row lock waits for the other's commit,
-- and SQLite's BEGIN IMMEDIATE serializes writers anyway.
CREATE TABLE limit_locks (
    limit_key  TEXT PRIMARY KEY,
    touched_at BIGINT NOT NULL
);
CREATE INDEX limit_locks_by_time ON limit_locks (touched_at);

-- Wrong passwords are limit events now (keys `password:...`).
DROP TABLE password_failures;
