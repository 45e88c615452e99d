-- Writes with webhooks: the delivery log's foreign key to companies cost every delivery row a referential
-- check at insert (a lookup and a FOR KEY SHARE lock of the same company row, once per row: 1,000 checks and
-- about a third of the fan-out statement's time for a bulk create of 100 contacts with 10 webhooks). The
-- check proves nothing the write has not proven already: a delivery's company_id comes from its webhook
-- (webhooks.company_id references companies) and from the write's own events, whose foreign key locks the
-- company row for the whole transaction, so the company cannot vanish under it. What the key did besides,
-- ON DELETE CASCADE, is kept by a trigger on companies: deleting a company deletes its delivery log.
ALTER TABLE webhook_deliveries DROP CONSTRAINT IF EXISTS webhook_deliveries_company_id_fkey;

CREATE FUNCTION webhook_deliveries_delete_company() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM webhook_deliveries WHERE company_id = OLD.id;
  RETURN NULL;
END
$$;

CREATE TRIGGER companies_delete_webhook_deliveries AFTER DELETE ON companies
  FOR EACH ROW EXECUTE FUNCTION webhook_deliveries_delete_company();

-- A delivery row is inserted small (~200 bytes: ids, event, url) and rewritten twice by the worker: at claim
-- (status, token, lease) and with its result, about 2.5× as wide (request headers, response body, timings).
-- At fillfactor 70 a page's 30 % of room could not hold its rows' result versions, so about half of the
-- result updates left the page: not HOT, a new entry in every index of the log (the url trigram index alone
-- ~30 keys). At 40 the result version fits beside the old one (pruned on the next visit): measured with
-- bench/profile-delivery.ts, HOT updates 53 % → 80 % and WAL per delivery 2,260 → 1,550 bytes. A page still
-- ends nearly full, with its rows in their final size, so the table grows no larger in use. Existing pages
-- keep their layout; new ones follow the setting.
ALTER TABLE webhook_deliveries SET (fillfactor = 40);
