-- The instance message budget's check, before and after per-minute buckets
-- (migration 0013), over 1,000,000 messages in the last hour: run with
--   createdb gh_budget && psql -q -d gh_budget -f bench/limit-budget.sql && dropdb gh_budget
\timing on
-- Before: one row per message, counted under the key's lock.
CREATE TABLE limit_events (id TEXT PRIMARY KEY, limit_key TEXT NOT NULL, at BIGINT NOT NULL);
CREATE INDEX limit_events_by_key ON limit_events (limit_key, at);
INSERT INTO limit_events SELECT 'lev_' || i, 'outbound', 1000000000000 + i * 3 FROM generate_series(1, 1000000) AS i;
-- After: 60 minutes x 16 shards, the same 1,000,000 messages.
CREATE TABLE limit_buckets (limit_key TEXT NOT NULL, bucket_start BIGINT NOT NULL, shard INTEGER NOT NULL,
    events BIGINT NOT NULL, last_at BIGINT NOT NULL, PRIMARY KEY (limit_key, bucket_start, shard));
INSERT INTO limit_buckets SELECT 'outbound', 1000000000000 + m * 60000, s, 1042, 1000000000000 + m * 60000 + 59000
    FROM generate_series(0, 59) AS m, generate_series(0, 15) AS s;
VACUUM ANALYZE;
\echo before: COUNT(*) over the last hour (3 runs)
SELECT COUNT(*) FROM limit_events WHERE limit_key = 'outbound' AND at > 1000000000000;
SELECT COUNT(*) FROM limit_events WHERE limit_key = 'outbound' AND at > 1000000000000;
SELECT COUNT(*) FROM limit_events WHERE limit_key = 'outbound' AND at > 1000000000000;
\echo after: the buckets of the hour (3 runs)
SELECT bucket_start, CAST(SUM(events) AS BIGINT), MAX(last_at) FROM limit_buckets WHERE limit_key = 'outbound'
    AND bucket_start > 999999940000 AND last_at > 1000000000000 GROUP BY bucket_start ORDER BY bucket_start \g /dev/null
SELECT bucket_start, CAST(SUM(events) AS BIGINT), MAX(last_at) FROM limit_buckets WHERE limit_key = 'outbound'
    AND bucket_start > 999999940000 AND last_at > 1000000000000 GROUP BY bucket_start ORDER BY bucket_start \g /dev/null
SELECT bucket_start, CAST(SUM(events) AS BIGINT), MAX(last_at) FROM limit_buckets WHERE limit_key = 'outbound'
    AND bucket_start > 999999940000 AND last_at > 1000000000000 GROUP BY bucket_start ORDER BY bucket_start \g /dev/null
