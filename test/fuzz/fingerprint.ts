// A cheap fingerprint of everything a write can touch: row counts, and the newest updated_at where a table
// has one (every command sets it on the rows it changes). Equal before and after a refused request means
// nothing was half-written. Sessions are left out: a successful sign-in creates one, and nothing else of the
// company's data depends on them.
// Deliveries are counted as decided, not as materialized: a write commits its deliveries as fan-out rows (one per
// event, naming its webhooks), and any read of the delivery log first turns its company's into log and queue
// rows (src/delivery/fanout.ts), even a read that is then refused (an explanation of an unknown event). That
// moves deliveries from one table to the other and changes nothing a user can tell, so each fan-out row counts
// as its webhooks' deliveries, in the log and in the queue alike.
import type pg from 'pg';

/** The deliveries a write decided that no read or worker has expanded yet. */
const FANNED_OUT = `(SELECT coalesce(sum(cardinality(webhook_ids)), 0) FROM webhook_delivery_fanout)`;

const PARTS = [
  `(SELECT count(*) || '/' || coalesce(extract(epoch FROM max(updated_at))::text, '-') FROM records)`,
  `(SELECT count(*) FROM record_links)`,
  `(SELECT count(*) FROM record_users)`,
  `(SELECT count(*) || '/' || coalesce(extract(epoch FROM max(updated_at))::text, '-') FROM custom_columns)`,
  `(SELECT count(*) FROM custom_field_values)`,
  `(SELECT count(*) FROM events)`,
  `((SELECT count(*) FROM webhook_deliveries) + ${FANNED_OUT} || '/' || coalesce((SELECT extract(epoch FROM max(completed_at))::text FROM webhook_deliveries), '-'))`,
  `((SELECT count(*) FROM webhook_delivery_queue) + ${FANNED_OUT})`,
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
