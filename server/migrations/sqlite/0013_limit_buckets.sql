-- Instance-wide budgets (`crate::limits::budget`: the instance's message
-- budget, key `outbound`) counted in per-minute buckets instead of one
-- `limit_events` row per event under a `limit_locks` row lock: a check reads
-- at most 61 minutes of the key, whatever the traffic, and takes no lock.
--
-- A bucket counts its key's events from `bucket_start` for a minute, and
-- keeps when the last of them happened (`last_at`): the bucket counts
-- until that one leaves the window.
--
-- `shard` spreads one minute's count over a few rows (16 on PostgreSQL, 1
-- on SQLite), so that concurrent writers rarely wait on one row: a
-- transaction increments one shard's row, and holds that row's lock to
-- its commit.
CREATE TABLE limit_buckets (
    limit_key    TEXT NOT NULL,
    bucket_start BIGINT NOT NULL,
    shard        INTEGER NOT NULL,
    events       BIGINT NOT NULL,
    last_at      BIGINT NOT NULL,
    PRIMARY KEY (limit_key, bucket_start, shard)
);
CREATE INDEX limit_buckets_by_start ON limit_buckets (bucket_start);

-- The messages already counted move into their buckets.
INSERT INTO limit_buckets (limit_key, bucket_start, shard, events, last_at)
    SELECT limit_key, (at / 60000) * 60000, 0, COUNT(*), MAX(at) FROM limit_events
    WHERE limit_key = 'outbound' GROUP BY limit_key, (at / 60000) * 60000;
DELETE FROM limit_events WHERE limit_key = 'outbound';
DELETE FROM limit_locks WHERE limit_key = 'outbound';
