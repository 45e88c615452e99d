// The delivery table as a queue. Each statement is one autocommit round trip; no transaction is ever held open
// across an HTTP call. Ownership of a `processing` row = its claim_token + an unexpired lease: results are
// written only where the token still matches, so a worker that stalled past its lease cannot overwrite the
// result of the worker that took the row over.
import type pg from 'pg';
import type { DeliveryOutcome } from './sender.js';

export interface ClaimedDelivery {
  id: string;
  companyId: string;
  webhookId: string;
  event: string;
  url: string;
  body: string;
  secretCiphertext: Buffer | null;
  /** The webhook was deleted after this delivery was queued: nothing is sent. */
  webhookMissing: boolean;
  claimToken: string;
}

export interface ClaimRequest {
  token: string;
  limit: number;
  leaseMs: number;
  perWebhookCap: number;
  perCompanyCap: number;
  inFlightByWebhook: ReadonlyMap<string, number>;
  inFlightByCompany: ReadonlyMap<string, number>;
}

/** How many pending rows one claim looks at to fill `limit` slots under the per-webhook and per-company caps. */
const SCAN_FACTOR = 4;

/**
 * Claims up to `limit` pending deliveries, oldest first, skipping rows other workers hold (SKIP LOCKED) and
 * never exceeding a webhook's or a company's free slots — a tarpit webhook's backlog stays pending instead of
 * filling this worker's slots. Returns the rows with their body and the webhook's current URL and secret.
 */
export async function claimDeliveries(pool: pg.Pool, claim: ClaimRequest): Promise<ClaimedDelivery[]> {
  const saturatedWebhooks = [...claim.inFlightByWebhook].filter(([, n]) => n >= claim.perWebhookCap).map(([id]) => id);
  const saturatedCompanies = [...claim.inFlightByCompany].filter(([, n]) => n >= claim.perCompanyCap).map(([id]) => id);
  const { rows } = await pool.query(
    `WITH locked AS (
       SELECT d.id, d.webhook_id, d.company_id, d.event_id, d.created_at
       FROM webhook_deliveries d
       WHERE d.status = 'pending' AND NOT (d.webhook_id = ANY ($1::uuid[])) AND NOT (d.company_id = ANY ($2::uuid[]))
       ORDER BY d.created_at
       LIMIT $3
       FOR UPDATE SKIP LOCKED
     ),
     by_webhook AS (
       SELECT l.*, row_number() OVER (PARTITION BY l.webhook_id ORDER BY l.created_at, l.id) + coalesce(busy.n, 0) AS slot
       FROM locked l LEFT JOIN unnest($4::uuid[], $5::int[]) AS busy(id, n) ON busy.id = l.webhook_id
     ),
     by_company AS (
       SELECT b.*, row_number() OVER (PARTITION BY b.company_id ORDER BY b.created_at, b.id) + coalesce(busy.n, 0) AS company_slot
       FROM by_webhook b LEFT JOIN unnest($6::uuid[], $7::int[]) AS busy(id, n) ON busy.id = b.company_id
       WHERE b.slot <= $8
     ),
     chosen AS (SELECT * FROM by_company WHERE company_slot <= $9 ORDER BY created_at LIMIT $10)
     UPDATE webhook_deliveries d
     SET status = 'processing', claim_token = $11, lease_expires_at = now() + $12 * interval '1 millisecond',
         claim_count = d.claim_count + 1, url = coalesce(w.url, d.url)
     FROM chosen c JOIN events e ON e.id = c.event_id LEFT JOIN webhooks w ON w.id = c.webhook_id
     WHERE d.id = c.id
     RETURNING d.id, d.company_id, d.webhook_id, d.event, d.url, e.body, w.secret_ciphertext, (w.id IS NULL) AS webhook_missing`,
    [
      saturatedWebhooks,
      saturatedCompanies,
      claim.limit * SCAN_FACTOR,
      [...claim.inFlightByWebhook.keys()],
      [...claim.inFlightByWebhook.values()],
      [...claim.inFlightByCompany.keys()],
      [...claim.inFlightByCompany.values()],
      claim.perWebhookCap,
      claim.perCompanyCap,
      claim.limit,
      claim.token,
      claim.leaseMs,
    ],
  );
  return rows.map((row) => ({
    id: row.id,
    companyId: row.company_id,
    webhookId: row.webhook_id,
    event: row.event,
    url: row.url,
    body: row.body,
    secretCiphertext: row.secret_ciphertext,
    webhookMissing: row.webhook_missing,
    claimToken: claim.token,
  }));
}

export interface RecordedOutcome {
  id: string;
  claimToken: string;
  outcome: DeliveryOutcome;
}

/** Writes many results in one statement; returns how many rows this worker still owned (the rest are ignored). */
export async function recordOutcomes(pool: pg.Pool, results: readonly RecordedOutcome[]): Promise<number> {
  if (results.length === 0) return 0;
  const payload = results.map(({ id, claimToken, outcome }) => ({
    id,
    token: claimToken,
    status: outcome.status,
    status_code: outcome.statusCode,
    response_body: outcome.responseBody,
    error_kind: outcome.error?.kind ?? null,
    error_message: outcome.error?.message ?? null,
    duration_ms: outcome.durationMs,
    request_headers: outcome.requestHeaders,
  }));
  const result = await pool.query(
    `UPDATE webhook_deliveries d
     SET status = r.status, status_code = r.status_code, response_body = r.response_body, error_kind = r.error_kind,
         error_message = r.error_message, duration_ms = r.duration_ms, request_headers = r.request_headers,
         completed_at = now(), claim_token = NULL, lease_expires_at = NULL
     FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, token uuid, status text, status_code int, response_body text,
          error_kind text, error_message text, duration_ms int, request_headers jsonb)
     WHERE d.id = r.id AND d.claim_token = r.token AND d.status = 'processing'`,
    [JSON.stringify(payload)],
  );
  return result.rowCount ?? 0;
}

/** Puts claims this worker will not finish back to pending (graceful stop). */
export async function releaseClaims(pool: pg.Pool, claims: ReadonlyArray<{ id: string; claimToken: string }>): Promise<number> {
  if (claims.length === 0) return 0;
  const result = await pool.query(
    `UPDATE webhook_deliveries d SET status = 'pending', claim_token = NULL, lease_expires_at = NULL
     FROM unnest($1::uuid[], $2::uuid[]) AS r(id, token)
     WHERE d.id = r.id AND d.claim_token = r.token AND d.status = 'processing'`,
    [claims.map((c) => c.id), claims.map((c) => c.claimToken)],
  );
  return result.rowCount ?? 0;
}

/** Returns rows whose lease expired (their worker died or stalled) to pending, so any worker claims them again. */
export async function releaseExpiredLeases(pool: pg.Pool): Promise<number> {
  const result = await pool.query(
    `UPDATE webhook_deliveries SET status = 'pending', claim_token = NULL, lease_expires_at = NULL
     WHERE status = 'processing' AND lease_expires_at < now()`,
  );
  return result.rowCount ?? 0;
}
