// Prometheus metrics of one process (spec §12), rendered by GET /metrics. Counters and histograms are fed where
// outcomes happen (the worker calls observeDeliveryResult as it records a result; the retry path calls
// recordRetryScheduled); the queue and pool gauges are read at scrape time. Every process reports its own
// counters, so a Prometheus server scrapes each API and worker process and sums. No label carries a company,
// webhook or URL: label values come from fixed lists, so the number of series stays bounded.
import type pg from 'pg';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
/** Scrapes within this window reuse one queue query: several Prometheus servers cost one query a second. */
const QUEUE_CACHE_MS = 1_000;

const registry = new Registry();
// Process CPU, memory, GC, handles, and event-loop lag (nodejs_eventloop_lag_seconds and its percentiles from
// monitorEventLoopDelay): the lag is what a slow receiver parser or a large JSON body would show up in first.
collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });

const deliveries = new Counter({
  name: 'switchboard_deliveries_total',
  help: 'Deliveries finished by this process, by outcome (success | failed) and error kind (none for a success).',
  labelNames: ['outcome', 'error_kind'] as const,
  registers: [registry],
});

const requestDuration = new Histogram({
  name: 'switchboard_delivery_request_duration_seconds',
  help: 'Duration of one delivery request (connect, TLS, send, read the answer), as recorded on the delivery.',
  labelNames: ['outcome'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});

const commitToResult = new Histogram({
  name: 'switchboard_delivery_commit_to_result_seconds',
  help: "From the event's timestamp (taken as its write commits) to the delivery's result being recorded. A resend or retry counts from its event.",
  labelNames: ['outcome'] as const,
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
  registers: [registry],
});

const retriesScheduled = new Counter({
  name: 'switchboard_delivery_retries_scheduled_total',
  help: 'Automatic retries scheduled by this process (webhooks with retryPolicy exponential).',
  registers: [registry],
});

const queueDepth = new Gauge({
  name: 'switchboard_delivery_queue_depth',
  help: 'Deliveries in the queue (all processes): pending (due now), scheduled (a retry waiting for its time), processing (claimed).',
  labelNames: ['state'] as const,
  registers: [registry],
});

const oldestPendingAge = new Gauge({
  name: 'switchboard_delivery_oldest_pending_age_seconds',
  help: 'How long the oldest due, unclaimed delivery has waited (0 when none waits): the backlog alarm.',
  registers: [registry],
});

const poolConnections = new Gauge({
  name: 'switchboard_db_pool_connections',
  help: "This process's PostgreSQL pools (main; worker, the delivery worker's own): total and idle connections, and queries waiting for a connection.",
  labelNames: ['pool', 'state'] as const,
  registers: [registry],
});

// The delivery worker's pools (one per running worker; src/db/pool.ts createWorkerPool), reported as one.
const workerPools = new Set<pg.Pool>();

/** Reports a delivery worker's pool under pool="worker" until the returned function is called. */
export function watchWorkerPool(pool: pg.Pool): () => void {
  workerPools.add(pool);
  return () => void workerPools.delete(pool);
}

export interface DeliveryResultObservation {
  outcome: 'success' | 'failed';
  errorKind: string | null;
  durationMs: number;
  /** When the delivery's event was committed (Date, ISO string or epoch ms); null when unknown. */
  createdAt: Date | string | number | null;
}

/** Call once per delivery result, where the worker records it. Cheap: a few increments, no I/O. */
export function observeDeliveryResult(result: DeliveryResultObservation, now = Date.now()): void {
  deliveries.inc({ outcome: result.outcome, error_kind: result.errorKind ?? 'none' });
  // webhook_deleted / webhook_disabled: nothing was sent, so there is no request to time.
  if (!result.errorKind?.startsWith('webhook_')) requestDuration.observe({ outcome: result.outcome }, result.durationMs / 1000);
  if (result.createdAt !== null) {
    const created = result.createdAt instanceof Date ? result.createdAt.getTime() : typeof result.createdAt === 'number' ? result.createdAt : Date.parse(result.createdAt);
    if (Number.isFinite(created)) commitToResult.observe({ outcome: result.outcome }, Math.max(0, now - created) / 1000);
  }
}

/** The event time of a stored envelope: its trailing `"timestamp":"…"` (the envelope's last key), without parsing the JSON. */
export function envelopeTimestamp(body: string): string | null {
  const at = body.lastIndexOf('"timestamp":"');
  if (at < 0) return null;
  const start = at + '"timestamp":"'.length;
  const end = body.indexOf('"', start);
  return end > start ? body.slice(start, end) : null;
}

/** Call with the number of automatic retries a result-recording statement scheduled. */
export function recordRetryScheduled(count = 1): void {
  if (count > 0) retriesScheduled.inc(count);
}

interface QueueFigures {
  pending: number;
  scheduled: number;
  processing: number;
  oldestPendingAgeSeconds: number;
}

// Queue gauges are database-wide; cached per pool so a scrape costs at most one query a second.
const queueCache = new WeakMap<pg.Pool, { at: number; figures: Promise<QueueFigures> }>();

async function readQueue(pool: pg.Pool): Promise<QueueFigures> {
  // One pass over the queue, which holds only the current backlog (finished rows are deleted), and one over the
  // writes' deliveries not yet expanded into it (src/delivery/fanout.ts), which are pending too.
  const { rows } = await pool.query<{ pending: number; scheduled: number; processing: number; age: number | null }>(
    `SELECT q.pending + f.pending AS pending, q.scheduled, q.processing,
            extract(epoch FROM now() - least(q.oldest, f.oldest))::float8 AS age
     FROM (SELECT count(*) FILTER (WHERE claim_token IS NULL AND run_at <= now())::int AS pending,
                  count(*) FILTER (WHERE claim_token IS NULL AND run_at > now())::int AS scheduled,
                  count(*) FILTER (WHERE claim_token IS NOT NULL)::int AS processing,
                  min(run_at) FILTER (WHERE claim_token IS NULL AND run_at <= now()) AS oldest
           FROM webhook_delivery_queue) AS q,
          (SELECT coalesce(sum(cardinality(webhook_ids)), 0)::int AS pending, min(created_at) AS oldest FROM webhook_delivery_fanout) AS f`,
  );
  const row = rows[0]!;
  return { pending: row.pending, scheduled: row.scheduled, processing: row.processing, oldestPendingAgeSeconds: Math.max(0, row.age ?? 0) };
}

function queueFigures(pool: pg.Pool): Promise<QueueFigures> {
  const cached = queueCache.get(pool);
  if (cached && Date.now() - cached.at < QUEUE_CACHE_MS) return cached.figures;
  const figures = readQueue(pool);
  queueCache.set(pool, { at: Date.now(), figures });
  figures.catch(() => queueCache.delete(pool));
  return figures;
}

/** The Prometheus text of this process, with the gauges read now from `pool`. */
export async function renderMetrics(pool: pg.Pool): Promise<string> {
  try {
    const queue = await queueFigures(pool);
    queueDepth.set({ state: 'pending' }, queue.pending);
    queueDepth.set({ state: 'scheduled' }, queue.scheduled);
    queueDepth.set({ state: 'processing' }, queue.processing);
    oldestPendingAge.set(queue.oldestPendingAgeSeconds);
  } catch {
    // The database is unreachable: the process's own counters matter most now. The queue series go absent
    // (alert on absent(switchboard_delivery_queue_depth)) rather than repeating stale values.
    queueDepth.reset();
    oldestPendingAge.reset();
  }
  poolConnections.reset(); // a process whose worker stopped no longer reports a worker pool
  const pools: Array<['main' | 'worker', pg.Pool[]]> = [['main', [pool]]];
  if (workerPools.size > 0) pools.push(['worker', [...workerPools]]);
  for (const [name, members] of pools) {
    const sum = (count: (p: pg.Pool) => number) => members.reduce((total, p) => total + count(p), 0);
    poolConnections.set({ pool: name, state: 'total' }, sum((p) => p.totalCount));
    poolConnections.set({ pool: name, state: 'idle' }, sum((p) => p.idleCount));
    poolConnections.set({ pool: name, state: 'waiting' }, sum((p) => p.waitingCount));
  }
  return registry.metrics();
}
