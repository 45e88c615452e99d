-- The claim's per-record check (src/delivery/queue.ts): a row of a per-record webhook waits while an earlier
-- version of its record is still a fan-out row, not yet expanded. Through the primary key (company_id,
-- event_id) that check read every fan-out row of the company for each row claimed: with an import's thousands
-- of events waiting to be expanded, a claim of 48 rows read 240,000. With this index it is one probe per row.
-- The cost is one more index entry per record event a write commits with webhooks (the row is deleted at its
-- expansion, moments later).
CREATE INDEX webhook_delivery_fanout_record_idx ON webhook_delivery_fanout (company_id, entity_id, record_version)
  WHERE record_version IS NOT NULL;
