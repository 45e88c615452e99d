-- Delivery guarantees (spec §9): opt-in retries as queue rows with a not-before time, the reason a webhook was
-- disabled, and the attempt chain on the delivery log. Every statement here is metadata-only or touches only
-- the small tables (webhooks, the queue): constraints on the log are added NOT VALID, which is true of every
-- existing row (no row has a retry yet) and is checked for every new one, without scanning the history.

-- Webhooks: the retry policy, why and when a webhook was disabled, and since when its deliveries have failed
-- without a success in between (auto-disable reads it, one row per webhook, instead of walking its history).
ALTER TABLE webhooks
  ADD COLUMN retry_policy text NOT NULL DEFAULT 'none' CHECK (retry_policy IN ('none', 'exponential')),
  ADD COLUMN disabled_reason text CHECK (disabled_reason IN ('manual', 'gone', 'failing')),
  ADD COLUMN disabled_at timestamptz,
  ADD COLUMN failing_since timestamptz;
UPDATE webhooks SET disabled_reason = 'manual', disabled_at = updated_at WHERE NOT enabled;
ALTER TABLE webhooks ADD CONSTRAINT webhooks_disabled_reason_iff_disabled
  CHECK (enabled = (disabled_reason IS NULL) AND (disabled_reason IS NULL) = (disabled_at IS NULL));
-- The once-a-minute auto-disable sweep reads only webhooks that are failing right now.
CREATE INDEX webhooks_failing_idx ON webhooks (failing_since) WHERE enabled AND failing_since IS NOT NULL;

-- The delivery log: each attempt is its own row. attempt is 1 for the first delivery of an event (and for a
-- resend, recover or test, which start a chain of their own); retry_of links a retry to the attempt before it;
-- next_attempt_at is set on a failed attempt while its retry waits in the queue and cleared when the retry is
-- claimed. None of these is ever indexed except retry_of, which never changes after the insert, so claiming
-- and recording stay HOT updates.
ALTER TABLE webhook_deliveries
  ADD COLUMN attempt integer NOT NULL DEFAULT 1,
  ADD COLUMN retry_of uuid,
  ADD COLUMN next_attempt_at timestamptz;
ALTER TABLE webhook_deliveries
  ADD CONSTRAINT webhook_deliveries_attempt_check CHECK (attempt >= 1) NOT VALID,
  ADD CONSTRAINT webhook_deliveries_retry_of_fkey FOREIGN KEY (retry_of) REFERENCES webhook_deliveries(id) ON DELETE SET NULL NOT VALID,
  DROP CONSTRAINT webhook_deliveries_trigger_check,
  ADD CONSTRAINT webhook_deliveries_trigger_check CHECK (trigger IN ('event', 'resend', 'retry', 'recover', 'test')) NOT VALID;
-- The chain of a delivery (the detail view walks it both ways) and the foreign key's ON DELETE.
CREATE INDEX webhook_deliveries_retry_of_idx ON webhook_deliveries (retry_of) WHERE retry_of IS NOT NULL;

-- The queue: run_at is the not-before time (now() for a new delivery, the failure plus the wait for a
-- retry). retry_of repeats the log's column so a claim clears the previous attempt's next_attempt_at without
-- reading the log first. The pending index leads with webhook_id (the claim's skip scan) and orders by run_at,
-- so a claim reads a webhook's ready rows and stops at the first row still waiting: 10,000 waiting retries
-- cost it nothing.
ALTER TABLE webhook_delivery_queue ADD COLUMN run_at timestamptz, ADD COLUMN retry_of uuid;
UPDATE webhook_delivery_queue SET run_at = created_at;
ALTER TABLE webhook_delivery_queue ALTER COLUMN run_at SET NOT NULL, ALTER COLUMN run_at SET DEFAULT now();
DROP INDEX webhook_delivery_queue_pending_idx;
CREATE INDEX webhook_delivery_queue_pending_idx ON webhook_delivery_queue (webhook_id, run_at) WHERE claim_token IS NULL;
