-- Receiver toolkit (spec §10): secret rotation and custom request headers. Both live on the webhooks row, which
-- the claim already joins, so a delivery reads everything it signs and sends in the statement that claims it.
--
-- previous_secret_*: the secret a rotation replaced, encrypted like secret_ciphertext (AES-256-GCM under
-- SECRET_KEY, bound to the webhook), with the end of its overlap. Only the newest previous secret is kept: a
-- second rotation overwrites it, which ends the first one's overlap. A row past its expiry is simply ignored
-- by the sender (no sweeper needed); the next rotation or secret change clears it.
--
-- headers_ciphertext: the custom request headers as encrypted JSON ({name: value}); header_names repeats the
-- names in the clear, so lists show them without decrypting anything.
ALTER TABLE webhooks
  ADD COLUMN previous_secret_ciphertext bytea,
  ADD COLUMN previous_secret_expires_at timestamptz,
  ADD COLUMN headers_ciphertext bytea,
  ADD COLUMN header_names text[] NOT NULL DEFAULT '{}';
ALTER TABLE webhooks ADD CONSTRAINT webhooks_previous_secret_expiry
  CHECK ((previous_secret_ciphertext IS NULL) = (previous_secret_expires_at IS NULL));
ALTER TABLE webhooks ADD CONSTRAINT webhooks_headers_names
  CHECK ((headers_ciphertext IS NULL) = (cardinality(header_names) = 0) AND cardinality(header_names) <= 10);
