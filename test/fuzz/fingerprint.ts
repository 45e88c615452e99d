// A cheap fingerprint of everything a write can touch: row counts, and the newest updated_at where a table
// has one (every command sets it on the rows it changes). Equal before and after a refused request means
// nothing was half-written. Sessions are left out: a successful sign-in creates one, and nothing else of the
// company's data depends on them.
import type pg from 'pg';

const PARTS = [
  `(SELECT count(*) || '/' || coalesce(extract(epoch FROM max(updated_at))::text, '-') FROM records)`,
  `(SELECT count(*) FROM record_links)`,
  `(SELECT count(*) FROM record_users)`,
  `(SELECT count(*) || '/' || coalesce(extract(epoch FROM max(updated_at))::text, '-') FROM custom_columns)`,
  `(SELECT count(*) FROM custom_field_values)`,
  `(SELECT count(*) FROM events)`,
  `(SELECT count(*) || '/' || coalesce(extract(epoch FROM max(completed_at))::text, '-') FROM webhook_deliveries)`,
  `(SELECT count(*) FROM webhook_delivery_queue)`,
  `(SELECT count(*) || '/' || coalesce(extract(epoch FROM max(updated_at))::text, '-') FROM webhooks)`,
  `(SELECT count(*) || '/' || coalesce(extract(epoch FROM max(updated_at))::text, '-') FROM users)`,
  `(SELECT count(*) FROM api_keys)`,
  `(SELECT count(*) FROM companies)`,
];
const QUERY = `SELECT concat_ws(' ', ${PARTS.join(', ')}) AS fingerprint`;
const NAMES = ['records', 'record_links', 'record_users', 'custom_columns', 'custom_field_values', 'events', 'webhook_deliveries', 'webhook_delivery_queue', 'webhooks', 'users', 'api_keys', 'companies'];

export async function fingerprint(pool: pg.Pool): Promise<string> {
  const { rows } = await pool.query<{ fingerprint: string }>(QUERY);
  return rows[0]!.fingerprint;
}

/** Which tables differ between two fingerprints, for the failure message. */
export function describeChange(before: string, after: string): string {
  const a = before.split(' ');
  const b = after.split(' ');
  return NAMES.filter((_, i) => a[i] !== b[i]).map((name) => `${name} ${a[NAMES.indexOf(name)]} → ${b[NAMES.indexOf(name)]}`).join(', ');
}

/**
 * Fingerprints around a run of requests with one query per refused request: the fingerprint after a refusal
 * is the next request's "before"; after anything else (an accepted request, a failed assertion) the next
 * request reads the database afresh.
 */
export class FingerprintTracker {
  private known: string | null = null;
  constructor(private pool: pg.Pool) {}

  /** The fingerprint before a request; until `changeSince` proves a refusal, the next call reads afresh. */
  async before(): Promise<string> {
    const before = this.known ?? (await fingerprint(this.pool));
    this.known = null;
    return before;
  }

  /** After a refusal: the change since `before`, or null when nothing changed. */
  async changeSince(before: string): Promise<string | null> {
    const after = await fingerprint(this.pool);
    this.known = after;
    return after === before ? null : describeChange(before, after);
  }

}
