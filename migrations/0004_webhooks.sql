-- Webhook subscriptions and their delivery log, which is also the delivery queue.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
-- btree_gin lets the trigram index lead with company_id, so a search only ever reads its own company's entries.
CREATE EXTENSION IF NOT EXISTS btree_gin;

CREATE TABLE webhooks (
  id uuid PRIMARY KEY,
  company_id uuid NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
  url text NOT NULL CHECK (char_length(url) <= 2048),
  events text[] NOT NULL CHECK (cardinality(events) BETWEEN 1 AND 15),
  description text CHECK (description IS NULL OR char_length(description) <= 500),
  -- AES-256-GCM under SECRET_KEY: version byte | 12-byte IV | 16-byte tag | ciphertext; the webhook id is the
  -- associated data, so a ciphertext copied onto another row does not decrypt.
  secret_ciphertext bytea,
  enabled boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- Fan-out reads "enabled webhooks of this company subscribed to this event" inside every write transaction.
CREATE INDEX webhooks_company_enabled_idx ON webhooks (company_id) WHERE enabled;

-- One row per (event, webhook) and per resend. A row is the queue entry (pending → processing, with a claim
-- token and a lease) and, once finished, the permanent record of what was sent and what came back.
-- webhook_id has no foreign key on purpose: deleting a webhook keeps its delivery history.
-- The request body is not copied: it is events.body (the exact bytes signed and sent), joined on event_id.
CREATE TABLE webhook_deliveries (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  company_id uuid NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
  webhook_id uuid NOT NULL,
  event_id uuid NOT NULL,
  event text NOT NULL,
  entity_id uuid NOT NULL,
  url text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processing', 'success', 'failed')),
  trigger text NOT NULL DEFAULT 'event' CHECK (trigger IN ('event', 'resend')),
  resend_of uuid REFERENCES webhook_deliveries(id) ON DELETE SET NULL,
  request_headers jsonb,
  status_code integer,
  response_body text,
  error_kind text,
  error_message text,
  duration_ms integer,
  created_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  -- Queue state: a worker owns a processing row while its token matches and the lease has not expired.
  claim_token uuid,
  lease_expires_at timestamptz,
  claim_count integer NOT NULL DEFAULT 0
);

-- Listing, newest first, and every filter of the delivery log, each led by the tenant.
CREATE INDEX webhook_deliveries_company_created_idx ON webhook_deliveries (company_id, created_at DESC, id DESC);
CREATE INDEX webhook_deliveries_webhook_created_idx ON webhook_deliveries (webhook_id, created_at DESC, id DESC);
CREATE INDEX webhook_deliveries_company_status_idx ON webhook_deliveries (company_id, status, created_at DESC);
CREATE INDEX webhook_deliveries_company_event_idx ON webhook_deliveries (company_id, event, created_at DESC);
CREATE INDEX webhook_deliveries_company_entity_idx ON webhook_deliveries (company_id, entity_id, created_at DESC);
-- searchTerm is a case-insensitive substring match on url (event names are matched against the catalog).
CREATE INDEX webhook_deliveries_url_trgm_idx ON webhook_deliveries USING gin (company_id, url gin_trgm_ops);
-- The queue: small partial indexes, so claiming stays cheap however large the history grows. Pending rows are
-- found per webhook (a skip scan over webhook_id, then the oldest rows of each), so a webhook with a large
-- backlog never hides the newer rows of the others.
CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (webhook_id, created_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_lease_idx ON webhook_deliveries (lease_expires_at) WHERE status = 'processing';
CREATE INDEX webhook_deliveries_resend_of_idx ON webhook_deliveries (resend_of) WHERE resend_of IS NOT NULL;
