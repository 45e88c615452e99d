-- Backfill and per-record ordering (spec §13).
--
-- Backfill: a job sends the current state of every matching record to one webhook as X.snapshot events. The
-- job is resumable: `cursor` is the id of the last record processed, advanced in the same transaction that
-- queues a batch's snapshots, so a worker that dies mid-job leaves either the whole batch (and the cursor past
-- it) or none of it; the next worker to take the lease goes on from the cursor. `types` and `filter` are what
-- the job selects (the filter already validated and normalized). `total` is counted when the job starts.
-- `queued` counts the snapshots queued so far; sent and failed come from the deliveries' outcomes while the
-- job runs and are kept in sent/failed when it finishes (the log may be trimmed by retention later).
CREATE TABLE webhook_backfills (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  company_id uuid NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
  webhook_id uuid NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
  user_id uuid,
  types text[] NOT NULL,
  filter jsonb,
  status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed', 'cancelled', 'failed')),
  total integer NOT NULL,
  queued integer NOT NULL DEFAULT 0,
  sent integer,
  failed integer,
  -- Every matching record has been queued (the job waits for the last deliveries before it completes).
  exhausted boolean NOT NULL DEFAULT false,
  cursor uuid,
  error text,
  lease_token uuid,
  lease_expires_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE INDEX webhook_backfills_webhook_idx ON webhook_backfills (webhook_id, created_at DESC);
-- Runners look for running jobs only.
CREATE INDEX webhook_backfills_running_idx ON webhook_backfills (created_at) WHERE status = 'running';

-- A record's keyset walk within its company, in id order.
CREATE INDEX records_company_id_idx ON records (company_id, id);

-- The delivery log: snapshots are deliveries with trigger 'backfill'; backfill_id ties a snapshot's deliveries
-- (retries included) to its job for the progress counts. The column is written at insert only, so claiming and
-- recording stay HOT updates.
ALTER TABLE webhook_deliveries ADD COLUMN backfill_id uuid;
CREATE INDEX webhook_deliveries_backfill_idx ON webhook_deliveries (backfill_id, event_id) WHERE backfill_id IS NOT NULL;
ALTER TABLE webhook_deliveries
  DROP CONSTRAINT webhook_deliveries_trigger_check,
  ADD CONSTRAINT webhook_deliveries_trigger_check CHECK (trigger IN ('event', 'resend', 'retry', 'recover', 'test', 'backfill')) NOT VALID;

-- Per-record ordering: a webhook with ordering 'per-record' gets the deliveries of one record one at a time,
-- in record-version order. Its queue rows carry the record (order_entity_id) and the version (order_version);
-- a row is claimable only when no row of the same webhook and record with a lower (order_version, delivery_id)
-- is still queued (pending, processing or waiting for its retry). Rows of other webhooks leave both NULL and
-- the partial index below never sees them, so they pay nothing for it.
ALTER TABLE webhooks ADD COLUMN ordering text NOT NULL DEFAULT 'none' CHECK (ordering IN ('none', 'per-record'));
ALTER TABLE webhook_delivery_queue ADD COLUMN order_entity_id uuid, ADD COLUMN order_version integer;
CREATE INDEX webhook_delivery_queue_order_idx ON webhook_delivery_queue (webhook_id, order_entity_id, order_version, delivery_id)
  WHERE order_version IS NOT NULL;
