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
