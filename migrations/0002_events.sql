-- The outbox: one row per event, written in the transaction of the write that caused it.
-- `body` holds the exact envelope bytes (text, never jsonb, which would reorder keys): every delivery of the
-- event, and every resend, sends and signs these bytes.
CREATE TABLE events (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  company_id uuid NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
  name text NOT NULL,
  entity_id uuid NOT NULL,
  user_id uuid,
  body text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX events_company_created_idx ON events (company_id, created_at DESC);
CREATE INDEX events_company_entity_idx ON events (company_id, entity_id);
