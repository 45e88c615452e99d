-- CRM records: contacts, organizations, deals, services and tasks in one table keyed by `type`.
-- The five types share id, tenancy, notes, assignments, custom values, links and timestamps; their own fields
-- are a handful of typed columns, so one table keeps every write path, link and search index generic. The CHECK
-- below keeps each type's columns filled (and the others empty) so a row can always be read back as its DTO.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE records (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  company_id uuid NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
  type text NOT NULL CHECK (type IN ('contact', 'organization', 'deal', 'service', 'task')),
  name text,
  first_name text,
  last_name text,
  emails text[],
  amount numeric,
  status text CHECK (status IN ('open', 'done')),
  due_date date,
  notes jsonb,
  -- Lower-cased names and emails, written with the record: the one column searchTerm matches.
  search_text text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CONSTRAINT records_fields_by_type CHECK (CASE type
    WHEN 'contact' THEN first_name IS NOT NULL AND last_name IS NOT NULL AND emails IS NOT NULL AND name IS NULL
    WHEN 'service' THEN name IS NOT NULL AND amount > 0
    WHEN 'task' THEN name IS NOT NULL AND status IS NOT NULL
    ELSE name IS NOT NULL
  END)
);
-- Company-scoped listing, newest first, with a stable tie-break for pagination.
CREATE INDEX records_company_type_created_idx ON records (company_id, type, created_at DESC, id DESC);
-- Case-insensitive substring search (LIKE '%term%') on names and emails.
CREATE INDEX records_search_trgm_idx ON records USING gin (search_text gin_trgm_ops);

-- Symmetric links: one row per pair, stored once with the type that comes first in
-- contact < organization < deal < service < task as `from`; both records' DTOs read the same row.
-- `quantity` is set only on deal → service links (the deal's `services`).
CREATE TABLE record_links (
  company_id uuid NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
  from_id uuid NOT NULL REFERENCES records(id) ON DELETE CASCADE,
  from_type text NOT NULL,
  to_id uuid NOT NULL REFERENCES records(id) ON DELETE CASCADE,
  to_type text NOT NULL,
  quantity numeric CHECK (quantity > 0),
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (from_id, to_id),
  CHECK (from_id <> to_id),
  CHECK ((quantity IS NOT NULL) = (from_type = 'deal' AND to_type = 'service'))
);
CREATE INDEX record_links_to_idx ON record_links (to_id);

-- Users assigned to a record (`userIds`).
CREATE TABLE record_users (
  record_id uuid NOT NULL REFERENCES records(id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  PRIMARY KEY (record_id, user_id)
);
CREATE INDEX record_users_user_idx ON record_users (user_id);

-- Custom fields: columns defined per company and record type; values are strings validated by column type.
CREATE TABLE custom_columns (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  company_id uuid NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
  entity_type text NOT NULL CHECK (entity_type IN ('contact', 'organization', 'deal', 'service', 'task')),
  name text NOT NULL,
  type text NOT NULL CHECK (type IN ('text', 'number', 'currency', 'date', 'singleSelect', 'email', 'phone', 'link')),
  -- singleSelect only: [{value, label}], `value` stable across relabelling.
  options jsonb NOT NULL DEFAULT '[]',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX custom_columns_name_key ON custom_columns (company_id, entity_type, lower(name));

CREATE TABLE custom_field_values (
  record_id uuid NOT NULL REFERENCES records(id) ON DELETE CASCADE,
  column_id uuid NOT NULL REFERENCES custom_columns(id) ON DELETE CASCADE,
  value text NOT NULL,
  PRIMARY KEY (record_id, column_id)
);
CREATE INDEX custom_field_values_column_idx ON custom_field_values (column_id);
