-- Record versions (spec §10) and the commit-ordered event feed (spec §9, GET /events).
--
-- Record version: records.version counts the events published about a record. A write reads it with the
-- before-image under the row lock (FOR UPDATE) and stores version + 1 on the event, so per record the numbers are
-- gap-free and follow commit order: the next writer of that record waits for the lock, then reads the new value.
-- A new record starts at 1 (its `created` event); its `deleted` event carries the last version + 1.
-- events.record_version stays NULL only for events that are not about a record.
ALTER TABLE records ADD COLUMN version integer NOT NULL DEFAULT 1;
ALTER TABLE events ADD COLUMN record_version integer CHECK (record_version > 0);

-- Feed position: the writing transaction's id (xid8: 64 bits, never wraps) and the insert order within it.
-- A reader returns only events whose xid is below its snapshot's xmin (every transaction below xmin has ended,
-- so that set of events can never grow) in (xid, seq) order; an event committed later than a higher-numbered
-- one therefore sorts after any position a reader has already passed. See src/events/feed.ts.
ALTER TABLE events ADD COLUMN xid xid8;
ALTER TABLE events ADD COLUMN seq bigint;
-- xid order is not commit order: two writers of one record may take their xids in one order and the record's
-- lock in the other. So an event's xid is raised to at least the position of the record's previous event
-- (records.last_event_xid, read under the lock), which keeps a record's events in record-version order in the
-- feed. That is still safe: a writer still running has its own xid at or above every reader's xmin, and the
-- raised position is higher still, so no event can appear below a position a reader already passed.
ALTER TABLE records ADD COLUMN last_event_xid xid8 NOT NULL DEFAULT '2';
ALTER TABLE records ALTER COLUMN last_event_xid SET DEFAULT pg_current_xact_id();

-- Existing events: one shared xid below any real one ('2', frozen), numbered in time order, and record
-- versions 1..n per record in time order (events of one write share a timestamp but never a record).
WITH numbered AS (
  SELECT id,
         row_number() OVER (ORDER BY created_at, id) AS seq,
         row_number() OVER (PARTITION BY entity_id ORDER BY created_at, id) AS version
  FROM events
)
UPDATE events e SET xid = '2'::xid8, seq = n.seq, record_version = n.version FROM numbered n WHERE e.id = n.id;
UPDATE records r SET version = v.n FROM (SELECT entity_id, count(*)::int AS n FROM events GROUP BY entity_id) v WHERE r.id = v.entity_id;

CREATE SEQUENCE events_seq_seq OWNED BY events.seq;
SELECT setval('events_seq_seq', coalesce((SELECT max(seq) FROM events), 0) + 1, false);
ALTER TABLE events
  ALTER COLUMN seq SET DEFAULT nextval('events_seq_seq'),
  ALTER COLUMN seq SET NOT NULL,
  ALTER COLUMN xid SET DEFAULT pg_current_xact_id(),
  ALTER COLUMN xid SET NOT NULL;
-- The feed's one index: a company's events in feed order.
CREATE INDEX events_company_feed_idx ON events (company_id, xid, seq);

-- Where the feed of a company was cut by deleting events (retention): the highest position deleted. A cursor
-- below it may have missed events, so the feed answers 410 for it instead of silently skipping them. Kept by a
-- statement trigger, so whatever deletes events (a retention job, a manual DELETE) keeps it true. No foreign
-- key: the trigger also fires when a company's events go with the company.
CREATE TABLE event_feed_horizons (
  company_id uuid PRIMARY KEY,
  xid xid8 NOT NULL,
  seq bigint NOT NULL
);

CREATE FUNCTION events_note_purged() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO event_feed_horizons AS h (company_id, xid, seq)
  SELECT DISTINCT ON (p.company_id) p.company_id, p.xid, p.seq
  FROM purged p
  WHERE EXISTS (SELECT 1 FROM companies c WHERE c.id = p.company_id)
  ORDER BY p.company_id, p.xid DESC, p.seq DESC
  ON CONFLICT (company_id) DO UPDATE SET xid = excluded.xid, seq = excluded.seq
    WHERE (excluded.xid, excluded.seq) > (h.xid, h.seq);
  RETURN NULL;
END
$$;

CREATE TRIGGER events_purged AFTER DELETE ON events
  REFERENCING OLD TABLE AS purged FOR EACH STATEMENT EXECUTE FUNCTION events_note_purged();
