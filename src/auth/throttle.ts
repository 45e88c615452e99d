// Throttles for sign-in and sign-up. An attempt is *reserved* before the slow password hash: one statement
// locks the attempt's counters (its email, its client address), refuses with a wait if any of them is over its
// budget, and otherwise counts the attempt. Counting after the hash, as before, let 200 parallel guesses all
// pass the check while none had been counted yet; with the reservation a parallel burst gets exactly the
// answers the same attempts get in sequence.
//
// Counters live in PostgreSQL (auth_throttles), not in process memory: API processes scale out behind a load
// balancer (docs/operations.md), and a per-process counter would give a guesser one budget per process. The
// cost is one statement to reserve (three the first time a key is seen) and one to settle a sign-in, next to
// ~50 ms of scrypt.
//
// Policy: within a window, the first `freeAttempts` pass; after that each attempt must wait `baseDelayMs`
// after the previous one, doubling per attempt up to `maxDelayMs`. An attempt refused during the wait restarts
// it (it does not add to the doubling): a client that ignores Retry-After and keeps trying gets nothing
// through, however slowly the server answers a burst — otherwise a burst that took longer than the wait to
// answer (a loaded server) would let its tail through, and parallel would again differ from sequence.
import { sql } from 'drizzle-orm';
import ipaddr from 'ipaddr.js';
import type { DbOrTx } from '../db/pool.js';
import { sha256Hex } from './tokens.js';

export interface ThrottlePolicy {
  scope: string;
  freeAttempts: number;
  windowMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Says why the caller must wait, e.g. "too many failed sign-ins for this email". */
  refusal: string;
}

const MINUTE_MS = 60_000;

/** Failed sign-ins per email, known or not (an unknown email is throttled exactly like a wrong password). */
export const LOGIN_PER_EMAIL: ThrottlePolicy = {
  scope: 'login-email',
  freeAttempts: 5,
  windowMs: 15 * MINUTE_MS,
  baseDelayMs: 1000,
  maxDelayMs: MINUTE_MS,
  refusal: 'too many failed sign-ins for this email',
};

/** Failed sign-ins per client address, whatever the email: slows one address guessing across many accounts. */
export const LOGIN_PER_ADDRESS: ThrottlePolicy = {
  scope: 'login-address',
  freeAttempts: 50,
  windowMs: 15 * MINUTE_MS,
  baseDelayMs: 1000,
  maxDelayMs: MINUTE_MS,
  refusal: 'too many failed sign-ins from your address',
};

/** Sign-ups per client address (each creates a company and costs a hash), successful or not. */
export const SIGNUP_PER_ADDRESS: ThrottlePolicy = {
  scope: 'signup-address',
  freeAttempts: 10,
  windowMs: 60 * MINUTE_MS,
  baseDelayMs: 10_000,
  maxDelayMs: 10 * MINUTE_MS,
  refusal: 'too many sign-ups from your address',
};

/** Rows idle longer than this are over every policy's window and delay; housekeeping deletes them. */
export const THROTTLE_ROW_IDLE_MS = 2 * 60 * MINUTE_MS;

export interface ThrottleKey {
  policy: ThrottlePolicy;
  /** The email (compared lower-cased) or the client address. */
  value: string;
}

export type Reservation = { ok: true } | { ok: false; retryAfterMs: number; refusal: string };

function keyHash(key: ThrottleKey): string {
  return sha256Hex(key.value.toLowerCase());
}

/** Keys in a fixed order, so two attempts locking the same rows lock them in the same order (no deadlock). */
function sortedKeys(keys: readonly ThrottleKey[]) {
  return keys
    .map((key) => ({ key, scope: key.policy.scope, hash: keyHash(key) }))
    .sort((a, b) => (a.scope === b.scope ? (a.hash < b.hash ? -1 : 1) : a.scope < b.scope ? -1 : 1));
}

/**
 * Counts one attempt against every key, or, if any key must still wait, against none (the waiting keys'
 * wait restarts). Call before the expensive work; report the outcome with `settleLoginAttempt` for sign-ins.
 *
 * One statement locks the counters (in key order, so two attempts never deadlock), judges them and counts the
 * attempt only if every key allows it; the row lock lasts that one statement, so a burst of 200 queues for a
 * fraction of a millisecond each rather than for round trips through the event loop. A key seen for the first
 * time has no row yet: the statement then changes nothing, the rows are created, and it runs again.
 */
export async function reserveAttempt(db: DbOrTx, keys: readonly ThrottleKey[]): Promise<Reservation> {
  if (keys.length === 0) return { ok: true };
  const ordered = sortedKeys(keys);
  let verdict = await judgeAndCount(db, ordered);
  if (verdict.found < ordered.length) {
    await db.execute(sql`
      INSERT INTO auth_throttles (scope, key_hash, attempts, window_started_at, last_attempt_at)
      VALUES ${sql.join(
        ordered.map((k) => sql`(${k.scope}, ${k.hash}, 0, clock_timestamp(), clock_timestamp())`),
        sql`, `,
      )}
      ON CONFLICT (scope, key_hash) DO NOTHING`);
    verdict = await judgeAndCount(db, ordered);
  }
  if (verdict.wait_ms <= 0) return { ok: true };
  const policy = ordered.find((k) => k.scope === verdict.scope)!.key.policy;
  return { ok: false, retryAfterMs: Math.ceil(verdict.wait_ms), refusal: policy.refusal };
}

async function judgeAndCount(db: DbOrTx, ordered: ReturnType<typeof sortedKeys>) {
  const input = sql.join(
    ordered.map(
      ({ key, scope, hash }) =>
        sql`(${scope}::text, ${hash}::text, ${key.policy.freeAttempts}::int, ${key.policy.windowMs}::float8, ${key.policy.baseDelayMs}::float8, ${key.policy.maxDelayMs}::float8)`,
    ),
    sql`, `,
  );
  const result = await db.execute<{ wait_ms: number; scope: string | null; found: number }>(sql`
    WITH input (scope, key_hash, free, window_ms, base_ms, max_ms) AS (VALUES ${input}),
    locked AS (
      SELECT t.scope, t.key_hash, t.attempts, t.window_started_at, t.last_attempt_at, i.free, i.window_ms, i.base_ms, i.max_ms
      FROM auth_throttles t JOIN input i ON i.scope = t.scope AND i.key_hash = t.key_hash
      ORDER BY t.scope, t.key_hash
      FOR UPDATE OF t
    ),
    judged AS (
      SELECT l.*, e.expired,
        CASE WHEN e.expired OR l.attempts < l.free THEN 0
             ELSE least(l.max_ms, l.base_ms * power(2, least(30, l.attempts - l.free))) - e.idle_ms END AS wait_ms
      FROM locked l CROSS JOIN LATERAL (SELECT
        extract(epoch FROM clock_timestamp() - l.window_started_at) * 1000 > l.window_ms AS expired,
        extract(epoch FROM clock_timestamp() - l.last_attempt_at) * 1000 AS idle_ms) e
    ),
    verdict AS (
      SELECT coalesce(max(wait_ms), 0)::float8 AS wait_ms, (array_agg(scope ORDER BY wait_ms DESC))[1] AS scope,
             count(*)::int AS found
      FROM judged
    ),
    counted AS (
      UPDATE auth_throttles t
      SET attempts = CASE WHEN v.wait_ms > 0 THEN j.attempts WHEN j.expired THEN 1 ELSE j.attempts + 1 END,
          window_started_at = CASE WHEN v.wait_ms <= 0 AND j.expired THEN clock_timestamp() ELSE j.window_started_at END,
          last_attempt_at = clock_timestamp()
      FROM judged j, verdict v
      WHERE v.found = ${ordered.length} AND (v.wait_ms <= 0 OR j.wait_ms > 0) AND t.scope = j.scope AND t.key_hash = j.key_hash
    )
    SELECT wait_ms, scope, found FROM verdict`);
  return result.rows[0]!;
}

/**
 * The result of a reserved sign-in, in one statement. A failure restarts the back-off from now (the hash may
 * have taken a while). A success clears the email's failures — its owner knows the password — and gives the
 * address back only this attempt, so signing in to one's own account between guesses does not reset the
 * address budget. The email's row stays (at zero) so the next sign-in finds it; housekeeping removes it later.
 */
export async function settleLoginAttempt(db: DbOrTx, email: string, address: string | null, succeeded: boolean): Promise<void> {
  const keys = sortedKeys(loginKeys(email, address));
  const where = sql`(scope, key_hash) IN (${sql.join(
    keys.map((k) => sql`(${k.scope}, ${k.hash})`),
    sql`, `,
  )})`;
  if (!succeeded) {
    await db.execute(sql`UPDATE auth_throttles SET last_attempt_at = greatest(last_attempt_at, clock_timestamp()) WHERE ${where}`);
    return;
  }
  await db.execute(sql`
    UPDATE auth_throttles
    SET attempts = CASE WHEN scope = ${LOGIN_PER_EMAIL.scope} THEN 0 ELSE greatest(attempts - 1, 0) END,
        window_started_at = CASE WHEN scope = ${LOGIN_PER_EMAIL.scope} THEN clock_timestamp() ELSE window_started_at END
    WHERE ${where}`);
}

/** The keys of a sign-in attempt: its email, and its client address when the request came over a socket. */
export function loginKeys(email: string, address: string | null): ThrottleKey[] {
  return [{ policy: LOGIN_PER_EMAIL, value: email }, ...(address ? [{ policy: LOGIN_PER_ADDRESS, value: address }] : [])];
}

/** Deletes up to `limit` counters idle past every window; returns how many. */
export async function purgeIdleThrottles(db: DbOrTx, limit: number): Promise<number> {
  const result = await db.execute(sql`
    DELETE FROM auth_throttles WHERE ctid IN (
      SELECT ctid FROM auth_throttles
      WHERE last_attempt_at < clock_timestamp() - make_interval(secs => ${THROTTLE_ROW_IDLE_MS / 1000})
      LIMIT ${limit})`);
  return result.rowCount ?? 0;
}

/**
 * The throttle key of a client address: IPv4 as is (IPv4-mapped IPv6 unwrapped), IPv6 by its /64, the block
 * one subscriber usually holds, so rotating through it does not buy fresh budgets.
 */
export function addressKey(remoteAddress: string): string {
  if (!ipaddr.isValid(remoteAddress)) return remoteAddress;
  const parsed = ipaddr.process(remoteAddress);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16));
  return `${parts.join(':')}::/64`;
}
