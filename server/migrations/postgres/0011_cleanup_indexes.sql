-- Indexes for the cleanup task (server/src/cleanup.rs, db/cleanup.rs):
-- each purge finds its stale rows by time, then unlinks them from the
-- clients that point at them, batch by batch, without a table scan.

CREATE INDEX sign_ups_by_abandon_at ON sign_ups (abandon_at);
CREATE INDEX sign_ins_by_abandon_at ON sign_ins (abandon_at);
CREATE INDEX sessions_by_expire_at ON sessions (expire_at);
CREATE INDEX clients_by_created_at ON clients (created_at);
CREATE INDEX code_sends_by_sent_at ON code_sends (sent_at);
CREATE INDEX limit_events_by_at ON limit_events (at);

CREATE INDEX clients_by_sign_up ON clients (sign_up_id);
CREATE INDEX clients_by_sign_in ON clients (sign_in_id);
CREATE INDEX clients_by_last_active_session ON clients (last_active_session_id);
