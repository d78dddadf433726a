-- The webhook outbox: one row per event and endpoint, written in the
-- transaction of the change it tells of, so an event is never lost and
-- never sent for a change that rolled back. The delivery worker claims
-- due rows (`claimed_until`, a lease) and records each try.

CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    endpoint        TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    scheduled_from  BIGINT NOT NULL,
    claimed_until   BIGINT NOT NULL,
    last_status     BIGINT,
    last_error      TEXT,
    delivered_at    BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_by_event ON webhook_deliveries (event_type);
