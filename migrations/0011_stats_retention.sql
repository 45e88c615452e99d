-- Webhook health (spec §12) and retention.
--
-- webhook_delivery_stats: an hourly rollup per webhook, upserted by the statement that records a batch of
-- results (queue.ts recordOutcomes), so the health of a webhook is read from at most 168 small rows (7 days)
-- however large its delivery log grows. `durations` counts results per fixed duration bucket (the bounds are
-- DURATION_BUCKET_BOUNDS_MS in src/ops/stats.ts; the last bucket is open-ended); percentiles are estimated from
-- them. No foreign key: a deleted webhook's rows age out like every other (retention.ts), and the check would
-- cost the result statement a probe per webhook. Only the counts change on an upsert, and no index reads them,
-- so upserts are HOT updates.
CREATE TABLE webhook_delivery_stats (
  webhook_id uuid NOT NULL,
  hour timestamptz NOT NULL,
  success integer NOT NULL DEFAULT 0,
  failed integer NOT NULL DEFAULT 0,
  durations integer[] NOT NULL,
  PRIMARY KEY (webhook_id, hour)
) WITH (fillfactor = 70);
-- Retention drops hours older than the charts show.
CREATE INDEX webhook_delivery_stats_hour_idx ON webhook_delivery_stats (hour);

-- No backfill from the log: it would read the whole history inside the migration (a sequential scan of every
-- delivery ever recorded). Charts fill from the upgrade on; the log itself keeps every older result.
