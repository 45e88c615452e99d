// Direct dispatch: a write hands its deliveries to the delivery worker of its own process, already claimed.
//
// Without it every delivery costs a claim statement: the write inserts pending rows and notifies, a worker wakes,
// claims them (an UPDATE of the queue row and of the log row), reads the body back, and only then sends. When the
// writing process runs a worker with free slots, the write's fan-out statement (enqueue.ts) instead inserts up to
// that many rows already claimed by the worker — queue row with the worker's token and a lease, log row
// "processing" — and returns what sending needs (the body is already in memory). The worker keeps them aside
// until the write commits, which it learns from the write's own notification (PostgreSQL delivers NOTIFY only on
// commit, and the payload names the reservation): then it sends them. A rolled-back write never notifies, so its
// rows never existed and nothing is sent.
//
// Nothing here weakens the queue's guarantees: the rows are committed with the write before anything is sent,
// they carry a token and a lease like any claim, the heartbeat renews them once sent, and if the process dies
// (or the notification is lost, or the write commits too late to trust the lease) their lease expires and any
// worker claims them again. Per-webhook and per-company caps are applied in the statement against the worker's
// own counts, as a claim would.
import type pg from 'pg';
import { poolOfTransaction, type Tx } from '../db/pool.js';
import type { ClaimedDelivery } from './queue.js';

/** Free slots of a worker, lent to one write's fan-out statement. */
export interface DispatchReservation {
  /** The claim token of the rows inserted claimed; also the notification payload's key. */
  token: string;
  /** Most rows the statement may insert claimed. */
  limit: number;
  leaseMs: number;
  perWebhookCap: number;
  failingWebhookCap: number;
  perCompanyCap: number;
  busyByWebhook: ReadonlyMap<string, number>;
  busyByCompany: ReadonlyMap<string, number>;
}

export interface LocalDispatcher {
  /** Lends the worker's free slots to one statement; null when the worker takes none now. */
  reserve(): DispatchReservation | null;
  /** Returns the reservation with the rows the statement inserted claimed (none if it failed). Called once per reservation. */
  settle(reservation: DispatchReservation, claims: readonly ClaimedDelivery[]): void;
}

const dispatchers = new WeakMap<pg.Pool, LocalDispatcher>();

/** Makes `dispatcher` the one writes on `pool` hand their deliveries to; returns the undo. */
export function registerLocalDispatcher(pool: pg.Pool, dispatcher: LocalDispatcher): () => void {
  dispatchers.set(pool, dispatcher);
  return () => {
    if (dispatchers.get(pool) === dispatcher) dispatchers.delete(pool);
  };
}

/** The worker of the process that shares the transaction's pool, if one runs. */
export function localDispatcherFor(tx: Tx): LocalDispatcher | null {
  const pool = poolOfTransaction(tx);
  return (pool && dispatchers.get(pool)) ?? null;
}

/**
 * The delivery channel's notification payload. "" (any writer): work may be waiting. "d:<token>:<0|1|2>": a write
 * committed rows claimed for the reservation <token>, and left no other row pending (0), rows the local worker
 * could claim now (1), or only rows of webhooks at the local worker's cap (2: it claims those when one of their
 * requests ends, which wakes it anyway; another process's worker has its own caps and may take them now).
 */
export function parseDispatchNotice(payload: string | undefined): { token: string | null; pendingLeft: boolean; pendingForLocalWorker: boolean } {
  const match = /^d:([0-9a-f-]{36}):([012])$/.exec(payload ?? '');
  if (!match) return { token: null, pendingLeft: true, pendingForLocalWorker: true };
  return { token: match[1]!, pendingLeft: match[2] !== '0', pendingForLocalWorker: match[2] === '1' };
}
