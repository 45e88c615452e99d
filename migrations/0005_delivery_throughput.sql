-- Delivery throughput: the queue state moves out of the delivery log into a small table of its own.
--
-- Before, a delivery row was the queue entry, and claiming it and recording its result changed indexed
-- columns (status, claim token, lease), so each of the two updates wrote a new entry into every index of the
-- log, the url trigram index included. Now:
--   * webhook_delivery_queue holds one row per delivery that is pending or processing, with the claim token and
--     the lease; claims find work through its small partial indexes, and a row is deleted once its result is
--     recorded. It never holds more than the current backlog.
--   * webhook_deliveries keeps status, claim token and lease as plain columns that no index reads, and pages
--     keep room for the updated versions (fillfactor), so claiming and recording are HOT updates: no index of
--     the log is written after the insert.
-- delivery_id has no foreign key on purpose: its per-row check cost a write of 20 contacts with 3 webhooks
-- about 8%. A queue row whose log row is gone (its company was deleted) is claimed once, returns nothing, and
-- is deleted when its lease expires (releaseExpiredLeases).
CREATE TABLE webhook_delivery_queue (
  delivery_id uuid PRIMARY KEY,
  webhook_id uuid NOT NULL,
  company_id uuid NOT NULL,
  created_at timestamptz NOT NULL,
  -- NULL while pending; a worker owns the row while its token matches and the lease has not expired.
  claim_token uuid,
  lease_expires_at timestamptz
) WITH (fillfactor = 70, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000, autovacuum_vacuum_cost_delay = 0);
-- Pending rows per webhook, oldest first (the claim's skip scan), and the leases to watch.
CREATE INDEX webhook_delivery_queue_pending_idx ON webhook_delivery_queue (webhook_id, created_at) WHERE claim_token IS NULL;
CREATE INDEX webhook_delivery_queue_lease_idx ON webhook_delivery_queue (lease_expires_at) WHERE claim_token IS NOT NULL;

INSERT INTO webhook_delivery_queue (delivery_id, webhook_id, company_id, created_at, claim_token, lease_expires_at)
SELECT id, webhook_id, company_id, created_at, CASE WHEN status = 'processing' THEN claim_token END,
       CASE WHEN status = 'processing' THEN lease_expires_at END
FROM webhook_deliveries WHERE status IN ('pending', 'processing');

DROP INDEX webhook_deliveries_pending_idx;
DROP INDEX webhook_deliveries_lease_idx;
-- Room on each page for a row's claimed and completed versions, so both updates stay on the page (HOT).
ALTER TABLE webhook_deliveries SET (fillfactor = 70);
-- No index of the log may read status, or no update could be HOT. Filtering on pending/processing reads the
-- queue instead; success (nearly every row) walks the (company_id, created_at) index, newest first; failed
-- rows — exactly the rows with an error kind (the constraint says so) — have a partial index on error_kind,
-- which answers the filter and its count without reading the table. A column only blocks a HOT update when
-- its value changes, and error_kind changes only when a delivery fails.
DROP INDEX webhook_deliveries_company_status_idx;
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_failed_iff_error_kind
  CHECK ((status = 'failed') = (error_kind IS NOT NULL)) NOT VALID;
CREATE INDEX webhook_deliveries_company_failed_idx ON webhook_deliveries (company_id, created_at DESC, id DESC)
  WHERE error_kind IS NOT NULL;
