-- The deliveries of a write, committed with it as one row per event: the event and the webhooks it goes to.
--
-- A bulk create of 100 contacts for a company with 10 webhooks used to insert 1,000 delivery log rows (six
-- indexes each) and 1,000 queue rows inside the write's transaction, which made the write 2.8× as slow as the
-- same write with no webhook. Now the write inserts one row here per event that has at least one webhook, naming
-- those webhooks (decided in the write's transaction, filters included), and a worker turns each row into its
-- log and queue rows right after the commit, in one statement that deletes the row (expandFanout in
-- src/delivery/fanout.ts). The row is the durable promise of those deliveries: a crash between the commit and
-- the expansion leaves the row for the next worker, and every read of the delivery log expands its company's
-- rows first, so no reader ever sees a write without its deliveries.
CREATE TABLE webhook_delivery_fanout (
  company_id uuid NOT NULL,
  event_id uuid NOT NULL,
  event text NOT NULL,
  entity_id uuid NOT NULL,
  record_version integer,
  webhook_ids uuid[] NOT NULL,
  -- The write's time: the expanded deliveries' createdAt, so the log orders them as if written with the event.
  created_at timestamptz NOT NULL,
  PRIMARY KEY (company_id, event_id)
) WITH (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000, autovacuum_vacuum_cost_delay = 0);
