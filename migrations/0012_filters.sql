-- Webhook filters (spec §13): a webhook may carry a filter over the event's fields and their transitions.
-- Stored as validated, normalized JSON (src/webhooks/filter/parse.ts); NULL means "every subscribed event".
-- Fan-out keeps its single INSERT … SELECT for webhooks without a filter (filter IS NULL) and evaluates the
-- filtered ones in the write's transaction against the payload the write already holds
-- (src/delivery/enqueue.ts). Only the filter in force now is kept: explain says so when it answers for an
-- older event.
ALTER TABLE webhooks ADD COLUMN filter jsonb;
ALTER TABLE webhooks ADD CONSTRAINT webhooks_filter_is_object CHECK (filter IS NULL OR jsonb_typeof(filter) = 'object');
