-- Delivery-log search by url without a trigram index on the log. The GIN trigram index on webhook_deliveries.url
-- cost every delivery row ~30 index keys at insert (~30 ms of a 95 ms fan-out statement of 1,000 rows in a
-- profile) and was the log's largest index (4.7 MB for 9,000 rows against 0.5 MB for the primary key). It is no longer needed: a delivery's url is always a url its webhook had at some moment (set from
-- webhooks.url when the row is written, refreshed from it at claim). So the urls every webhook of a company has
-- ever had are kept in webhook_urls, a few rows per webhook; a search matches its term there (ILIKE over the
-- company's rows) and then reads the log rows of each matching url in order through a btree, newest first
-- (src/delivery/queries.ts). On an existing log this migration reads the table twice (the index build and the
-- backfill below): 2.6 s for 1 M deliveries here, under the migration lock.
CREATE TABLE webhook_urls (
  company_id uuid NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
  -- No foreign key to webhooks: a deleted webhook's urls stay, so its old deliveries are still found by url.
  webhook_id uuid NOT NULL,
  url text NOT NULL,
  PRIMARY KEY (webhook_id, url)
);
CREATE INDEX webhook_urls_company_idx ON webhook_urls (company_id);

-- Filled by triggers, so every writer of webhooks (the commands, imports, seeders) records its urls.
CREATE FUNCTION webhooks_record_url() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO webhook_urls (company_id, webhook_id, url) VALUES (NEW.company_id, NEW.id, NEW.url) ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;

CREATE TRIGGER webhooks_record_url_insert AFTER INSERT ON webhooks
  FOR EACH ROW EXECUTE FUNCTION webhooks_record_url();
CREATE TRIGGER webhooks_record_url_update AFTER UPDATE OF url ON webhooks
  FOR EACH ROW WHEN (OLD.url IS DISTINCT FROM NEW.url) EXECUTE FUNCTION webhooks_record_url();

-- The log rows with one url, newest first: one ordered index scan per matching url, stopping after a page; a
-- count reads the index alone. Led by the tenant like every index of the log.
CREATE INDEX webhook_deliveries_company_url_created_idx ON webhook_deliveries (company_id, url, created_at DESC, id DESC);

-- Every url already in use or in the log (deleted webhooks included).
INSERT INTO webhook_urls (company_id, webhook_id, url) SELECT company_id, id, url FROM webhooks ON CONFLICT DO NOTHING;
INSERT INTO webhook_urls (company_id, webhook_id, url)
  SELECT DISTINCT d.company_id, d.webhook_id, d.url FROM webhook_deliveries d
  WHERE EXISTS (SELECT 1 FROM companies c WHERE c.id = d.company_id)
  ON CONFLICT DO NOTHING;

DROP INDEX webhook_deliveries_url_trgm_idx;
