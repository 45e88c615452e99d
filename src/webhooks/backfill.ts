// Backfill (spec §13): "send current state" — one X.snapshot event per matching record, to one webhook only,
// as a resumable job in PostgreSQL (webhook_backfills, migration 0013).
//
// The job: POST /webhooks/{id}/backfill counts the matching records' candidates (`total`: the records of the
// chosen types at start) and stores the job as `running`. A runner beside every delivery worker
// (startBackfillRunner) takes one running job under a lease (SKIP LOCKED, so two workers never run one job)
// and walks the company's records in id order, in keyset batches of BATCH_RECORDS. Each batch is one
// transaction that checks the lease is still its own, writes the snapshot events, their delivery rows (trigger
// "backfill") and queue rows, and advances the cursor to the last record id it read. A worker killed mid-job
// therefore leaves the whole batch or none of it; when its lease expires another worker resumes from the cursor,
// so no record is skipped or sent twice.
//
// Live deliveries keep their speed: a batch is added only while this webhook has fewer than MAX_BACKLOG
// deliveries queued, so the job never floods the queue or holds a transaction for long, and the claim's
// per-webhook fairness (src/delivery/queue.ts) gives the backfilled webhook its share of slots and no more. Slots
// are not the whole cost, though: every snapshot costs the workers CPU and database time like a live delivery.
// So while other webhooks have BUSY_BACKLOG deliveries due or in flight, the job trickles (BUSY_BATCH_RECORDS a
// second, at most that many queued); when the workers have room it goes at full speed.
//
// Filter: the job's filter (default: the webhook's own) is evaluated on each record as a *.created event would
// be: the current values; `becomes` tests the current value, `was` never matches, `changed` is true.
//
// Counts: `queued` = snapshots queued so far; `sent` = snapshots delivered (2xx, after retries if any);
// `failed` = snapshots whose delivery failed for good (no retry waiting). The job is `completed` once every
// matching record is queued and none of its deliveries is still pending or waiting for a retry; then the
// counts are kept on the job. Cancelling stops queuing at once; snapshots already queued (at most about
// MAX_BACKLOG) are still sent and counted.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import { requireAdmin } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import type { DbOrTx } from '../db/pool.js';
import { AppError, notFound, validationError } from '../errors.js';
import { notOneOf } from '../validation.js';
import { RECORD_TYPES, type EventName, type RecordType } from '../events/catalog.js';
import { loadDtos } from '../crm/store.js';
import { DELIVERY_CHANNEL } from '../delivery/enqueue.js';
import { matchesFilter } from './filter/evaluate.js';
import { validateWebhookFilter, type FilterNode } from './filter/parse.js';
import { FilterInput, FilterOutput } from './filter/schema.js';

export const BACKFILL_STATUSES = ['running', 'completed', 'cancelled', 'failed'] as const;
export type BackfillStatus = (typeof BACKFILL_STATUSES)[number];
export const BACKFILL_TRIGGER = 'backfill';
/** Records read per batch (one transaction). */
export const BATCH_RECORDS = 500;
/** A batch is added only while the webhook has fewer deliveries than this queued. */
export const MAX_BACKLOG = 1_000;
/** The workers are busy with other webhooks when at least this many of their deliveries are due or in flight. */
export const BUSY_BACKLOG = 50;
/** While others are busy: batches this small, with at most this many of the job's deliveries queued, … */
export const BUSY_BATCH_RECORDS = 50;
/** … one every this many ms (about 50 snapshots a second). */
export const BUSY_INTERVAL_MS = 1_000;
/** After the last busy reading the job keeps trickling this long: a live load's queue dips for a moment between bursts. */
export const BUSY_HOLD_MS = 5_000;

const RecordTypeInput = z.enum(RECORD_TYPES, { error: notOneOf('a record type', RECORD_TYPES) });

export const BackfillInput = z.strictObject({
  types: z
    .array(RecordTypeInput, { error: `must be an array of record types (${RECORD_TYPES.join(', ')})` })
    .min(1, { error: `must name at least one record type of ${RECORD_TYPES.join(', ')}` })
    .max(RECORD_TYPES.length)
    .refine((types) => new Set(types).size === types.length, { error: 'must not name a record type twice' })
    .optional()
    .describe(`record types to send (${RECORD_TYPES.join(', ')}); default: the types of the events the webhook subscribes to`),
  filter: FilterInput.nullable()
    .optional()
    .describe("only records that match are sent, each tested as if it had just been created; default: the webhook's own filter; null sends every record of the types"),
});
export type BackfillInput = z.input<typeof BackfillInput>;

export const BackfillSchema = z.object({
  id: z.uuid(),
  webhookId: z.uuid(),
  status: z.enum(BACKFILL_STATUSES).describe('running, completed (every matching record sent or failed for good), cancelled or failed'),
  types: z.array(z.enum(RECORD_TYPES)),
  filter: FilterOutput,
  total: z.number().int().describe('records of the chosen types when the job started (the filter may send fewer)'),
  queued: z.number().int().describe('snapshots queued for delivery so far'),
  sent: z.number().int().describe('snapshots delivered (2xx)'),
  failed: z.number().int().describe('snapshots whose delivery failed for good (no retry waiting)'),
  error: z.string().nullable().describe('why a failed job stopped; null otherwise'),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type BackfillDto = z.infer<typeof BackfillSchema>;

type JobRow = Record<string, unknown> & {
  id: string;
  company_id: string;
  webhook_id: string;
  user_id: string | null;
  types: RecordType[];
  filter: FilterNode | null;
  status: BackfillStatus;
  total: number;
  queued: number;
  sent: number | null;
  failed: number | null;
  exhausted: boolean;
  cursor: string | null;
  error: string | null;
  created_at: string | Date;
  finished_at: string | Date | null;
};

const iso = (value: string | Date | null) => (value === null ? null : new Date(value).toISOString());

interface Progress {
  sent: number;
  failed: number;
  open: number;
}

/** Outcomes of a job's snapshots: per event, delivered if any attempt succeeded; failed if none did and none waits. */
async function progressOf(db: DbOrTx, jobId: string): Promise<Progress> {
  const { rows } = await db.execute<{ sent: number; failed: number; open: number }>(sql`
    SELECT count(*) FILTER (WHERE s.ok)::int AS sent,
           count(*) FILTER (WHERE NOT s.ok AND NOT s.open)::int AS failed,
           count(*) FILTER (WHERE s.open AND NOT s.ok)::int AS open
    FROM (
      SELECT d.event_id, bool_or(d.status = 'success') AS ok,
             bool_or(d.status IN ('pending', 'processing') OR d.next_attempt_at IS NOT NULL) AS open
      FROM webhook_deliveries d WHERE d.backfill_id = ${jobId} GROUP BY d.event_id
    ) s`);
  return rows[0] ?? { sent: 0, failed: 0, open: 0 };
}

async function toDto(db: DbOrTx, row: JobRow): Promise<BackfillDto> {
  const counts = row.sent !== null && row.failed !== null ? { sent: row.sent, failed: row.failed } : await progressOf(db, row.id);
  return {
    id: row.id,
    webhookId: row.webhook_id,
    status: row.status,
    types: row.types,
    filter: (row.filter ?? null) as BackfillDto['filter'],
    total: row.total,
    queued: row.queued,
    sent: counts.sent,
    failed: counts.failed,
    error: row.error,
    createdAt: iso(row.created_at)!,
    finishedAt: iso(row.finished_at),
  };
}

export interface BackfillContext {
  db: AppContext['db'];
}

/** Starts a job (admins). One job per webhook runs at a time; a disabled webhook cannot be backfilled. */
export async function startBackfill(ctx: BackfillContext, principal: Principal, webhookId: string, raw: BackfillInput): Promise<BackfillDto> {
  requireAdmin(principal, 'backfill webhooks');
  const parsed = BackfillInput.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.length ? issue.path.join('.') : 'body';
    throw validationError(field, issue.message);
  }
  const input = parsed.data;
  return ctx.db.transaction(async (tx) => {
    const found = await tx.execute<{ id: string; events: string[]; enabled: boolean; filter: FilterNode | null }>(sql`
      SELECT id, events, enabled, filter FROM webhooks WHERE id = ${webhookId} AND company_id = ${principal.companyId} FOR UPDATE`);
    const webhook = found.rows[0];
    if (!webhook) throw notFound('webhook', webhookId);
    if (!webhook.enabled) {
      throw new AppError('conflict', `cannot backfill webhook ${webhookId}: it is disabled; enable it first (PATCH /webhooks/${webhookId} {"enabled": true})`);
    }
    const types = input.types ?? [...new Set(webhook.events.map((name) => name.split('.')[0] as RecordType))];
    const scopeEvents = types.map((type) => `${type}.created` as EventName);
    const rawFilter = input.filter === undefined ? webhook.filter : input.filter;
    const filter = await validateWebhookFilter(tx, principal.companyId, rawFilter, scopeEvents).catch((error: unknown) => {
      // The webhook's own filter may name a field that a type asked for here lacks: say where it came from.
      if (input.filter === undefined && error instanceof AppError) {
        throw validationError('filter', `the webhook's filter does not fit the types ${types.join(', ')} (${error.message}); pass a filter for them, or null for none`);
      }
      throw error;
    });
    const running = await tx.execute<{ id: string }>(sql`
      SELECT id FROM webhook_backfills WHERE webhook_id = ${webhookId} AND status = 'running' LIMIT 1`);
    if (running.rows[0]) {
      throw new AppError('conflict', `webhook ${webhookId} already has a backfill running (${running.rows[0].id}); cancel it (DELETE /webhooks/${webhookId}/backfills/${running.rows[0].id}) or wait for it`);
    }
    const counted = await tx.execute<{ n: number }>(sql`
      SELECT count(*)::int AS n FROM records WHERE company_id = ${principal.companyId} AND type = ANY(${sql.param(types)}::text[])`);
    const inserted = await tx.execute<JobRow>(sql`
      INSERT INTO webhook_backfills (company_id, webhook_id, user_id, types, filter, total)
      VALUES (${principal.companyId}, ${webhookId}, ${principal.userId}, ${sql.param(types)}::text[], ${filter === null ? null : JSON.stringify(filter)}::jsonb, ${counted.rows[0]!.n})
      RETURNING *`);
    await tx.execute(sql`SELECT pg_notify(${BACKFILL_CHANNEL}, '')`);
    return toDto(tx, inserted.rows[0]!);
  });
}

async function findJob(db: DbOrTx, principal: Principal, webhookId: string, jobId: string): Promise<JobRow> {
  const { rows } = await db.execute<JobRow>(sql`
    SELECT * FROM webhook_backfills WHERE id = ${jobId} AND webhook_id = ${webhookId} AND company_id = ${principal.companyId}`);
  if (!rows[0]) throw notFound('backfill', jobId);
  return rows[0];
}

export async function getBackfill(ctx: BackfillContext, principal: Principal, webhookId: string, jobId: string): Promise<BackfillDto> {
  return toDto(ctx.db, await findJob(ctx.db, principal, webhookId, jobId));
}

/** Cancels a running job (admins): nothing more is queued. A finished job is returned as it is. */
export async function cancelBackfill(ctx: BackfillContext, principal: Principal, webhookId: string, jobId: string): Promise<BackfillDto> {
  requireAdmin(principal, 'cancel backfills');
  await findJob(ctx.db, principal, webhookId, jobId);
  const { rows } = await ctx.db.execute<JobRow>(sql`
    UPDATE webhook_backfills SET status = 'cancelled', finished_at = now(), updated_at = now(), lease_token = NULL, lease_expires_at = NULL
    WHERE id = ${jobId} AND status = 'running' RETURNING *`);
  return toDto(ctx.db, rows[0] ?? (await findJob(ctx.db, principal, webhookId, jobId)));
}

// ---------------------------------------------------------------------------------------------------------------
// The runner

export const BACKFILL_CHANNEL = 'webhook_backfills';

export interface BackfillRunnerOptions {
  /** How long a runner owns a job without renewing (each batch and each wait renews it). */
  leaseMs: number;
  /** How often an idle runner looks for a job (a new job also wakes it through NOTIFY when it shares the pool). */
  pollMs?: number;
  batchRecords?: number;
  maxBacklog?: number;
  /** The wait while the webhook's backlog is full. */
  backlogWaitMs?: number;
  busyBacklog?: number;
  busyBatchRecords?: number;
  /** The wait after a batch queued while other webhooks were busy. */
  busyIntervalMs?: number;
  /** Trickle even if the others are not busy right now (the runner keeps trickling for BUSY_HOLD_MS after busy). */
  trickle?: boolean;
}

interface OwnedJob {
  id: string;
  companyId: string;
  webhookId: string;
  token: string;
}

/** Takes a running job whose lease is free or expired; null when there is none. */
export async function claimBackfill(db: DbOrTx, leaseMs: number): Promise<OwnedJob | null> {
  const token = randomUUID();
  const { rows } = await db.execute<{ id: string; company_id: string; webhook_id: string }>(sql`
    UPDATE webhook_backfills b SET lease_token = ${token}, lease_expires_at = now() + ${leaseMs} * interval '1 millisecond'
    WHERE b.id = (
      SELECT id FROM webhook_backfills
      WHERE status = 'running' AND (lease_expires_at IS NULL OR lease_expires_at < now())
      ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
    RETURNING b.id, b.company_id, b.webhook_id`);
  const row = rows[0];
  return row ? { id: row.id, companyId: row.company_id, webhookId: row.webhook_id, token } : null;
}

/**
 * 'throttled': a small batch was queued because other webhooks are busy now; 'trickled': a small batch because
 * they were busy moments ago (options.trickle). Either way the runner waits busyIntervalMs before the next.
 */
export type StepResult = 'queued' | 'throttled' | 'trickled' | 'waiting' | 'done' | 'lost';

/**
 * One step of an owned job: queue one batch (when the webhook's backlog leaves room), or, once every record
 * is queued, complete the job when none of its deliveries is still open. Returns what happened; 'lost' when
 * the job is no longer this runner's (cancelled, finished, lease taken over, webhook gone).
 */
export async function runBackfillStep(db: AppContext['db'], job: OwnedJob, options: BackfillRunnerOptions): Promise<StepResult> {
  let batchRecords = options.batchRecords ?? BATCH_RECORDS;
  const maxBacklog = options.maxBacklog ?? MAX_BACKLOG;
  const busyBacklog = options.busyBacklog ?? BUSY_BACKLOG;
  const busyBatch = options.busyBatchRecords ?? BUSY_BATCH_RECORDS;
  return db.transaction(async (tx) => {
    // The lease check locks the job row: a cancel waits for this batch and then wins, a second runner cannot interleave.
    const owned = await tx.execute<JobRow & { enabled: boolean | null; url: string | null; ordering: string | null }>(sql`
      UPDATE webhook_backfills b SET lease_expires_at = now() + ${options.leaseMs} * interval '1 millisecond', updated_at = now()
      FROM webhook_backfills j LEFT JOIN webhooks w ON w.id = j.webhook_id
      WHERE b.id = ${job.id} AND j.id = b.id AND b.lease_token = ${job.token} AND b.status = 'running'
      RETURNING b.*, w.enabled, w.url, w.ordering`);
    const row = owned.rows[0];
    if (!row) return 'lost';
    if (!row.enabled || row.url === null) {
      await tx.execute(sql`
        UPDATE webhook_backfills SET status = 'failed', error = ${row.url === null ? 'the webhook was deleted' : 'the webhook was disabled'},
          finished_at = now(), lease_token = NULL, lease_expires_at = NULL WHERE id = ${job.id}`);
      return 'lost';
    }
    if (row.exhausted) {
      const progress = await progressOf(tx, job.id);
      if (progress.open > 0) return 'waiting';
      await tx.execute(sql`
        UPDATE webhook_backfills SET status = 'completed', sent = ${progress.sent}, failed = ${progress.failed},
          finished_at = now(), lease_token = NULL, lease_expires_at = NULL WHERE id = ${job.id}`);
      return 'done';
    }
    // Pacing: this webhook's own backlog, and whether other webhooks' deliveries are waiting for the workers.
    // With others busy the job trickles (small batches, a small backlog, one batch a second), so it takes a
    // small share of the workers; when they are idle it goes at full speed. Both counts stop at their limit.
    const load = await tx.execute<{ own: number; others: number }>(sql`
      SELECT (SELECT count(*)::int FROM (SELECT 1 FROM webhook_delivery_queue WHERE webhook_id = ${job.webhookId} LIMIT ${maxBacklog}) q) AS own,
             (SELECT count(*)::int FROM (SELECT 1 FROM webhook_delivery_queue
                WHERE webhook_id <> ${job.webhookId} AND run_at <= now() LIMIT ${busyBacklog}) o) AS others`);
    const { own, others } = load.rows[0]!;
    const busyNow = others >= busyBacklog;
    const busy = busyNow || options.trickle === true;
    if (own >= (busy ? busyBatch : maxBacklog)) return 'waiting';
    if (busy) batchRecords = Math.min(batchRecords, busyBatch);

    const page = await tx.execute<{ id: string }>(sql`
      SELECT id FROM records
      WHERE company_id = ${job.companyId} AND (${row.cursor}::uuid IS NULL OR id > ${row.cursor}::uuid)
        AND type = ANY(${sql.param(row.types)}::text[])
      ORDER BY id LIMIT ${batchRecords}`);
    const ids = page.rows.map((r) => r.id);
    if (ids.length === 0) {
      await tx.execute(sql`UPDATE webhook_backfills SET exhausted = true WHERE id = ${job.id}`);
      return 'queued';
    }
    const wanted = new Set<string>(row.types);
    const loaded = await loadDtos(tx, job.companyId, ids);
    const timestamp = new Date().toISOString();
    const snapshots: Array<{ entity_id: string; name: string; version: number; body: string }> = [];
    for (const id of ids) {
      const record = loaded.get(id);
      if (!record || !wanted.has(record.type)) continue;
      const dto = record.dto as unknown as Record<string, unknown>;
      if (!matchesFilter(row.filter, { action: 'created', record: dto, changes: undefined })) continue;
      const name = `${record.type}.snapshot`;
      const body = JSON.stringify({
        event: name,
        data: { userId: row.user_id, companyId: job.companyId, entityId: id, payload: { [record.type]: dto }, trigger: BACKFILL_TRIGGER },
        timestamp,
      });
      snapshots.push({ entity_id: id, name, version: record.version, body });
    }
    const perRecord = row.ordering === 'per-record';
    if (snapshots.length > 0) {
      await tx.execute(sql`
        WITH s AS (
          SELECT * FROM jsonb_to_recordset(${JSON.stringify(snapshots)}::jsonb) AS s(entity_id uuid, name text, version int, body text)
        ),
        ev AS (
          INSERT INTO events (company_id, name, entity_id, user_id, body, created_at, record_version)
          SELECT ${job.companyId}, s.name, s.entity_id, ${row.user_id}, s.body, ${timestamp}, s.version FROM s
          RETURNING id, name, entity_id, record_version
        ),
        logged AS (
          INSERT INTO webhook_deliveries (company_id, webhook_id, event_id, event, entity_id, url, trigger, backfill_id)
          SELECT ${job.companyId}, ${job.webhookId}, ev.id, ev.name, ev.entity_id, ${row.url}, 'backfill', ${job.id} FROM ev
          RETURNING id, created_at, entity_id, event_id
        )
        INSERT INTO webhook_delivery_queue (delivery_id, webhook_id, company_id, created_at, order_entity_id, order_version)
        SELECT l.id, ${job.webhookId}, ${job.companyId}, l.created_at,
               CASE WHEN ${perRecord} THEN l.entity_id END, CASE WHEN ${perRecord} THEN ev.record_version END
        FROM logged l JOIN ev ON ev.id = l.event_id`);
      await tx.execute(sql`SELECT pg_notify(${DELIVERY_CHANNEL}, '')`);
    }
    await tx.execute(sql`
      UPDATE webhook_backfills SET cursor = ${ids[ids.length - 1]!}, queued = queued + ${snapshots.length},
        exhausted = ${ids.length < batchRecords} WHERE id = ${job.id}`);
    return busyNow ? 'throttled' : busy ? 'trickled' : 'queued';
  });
}

export interface BackfillRunner {
  stop(): Promise<void>;
}

const sleep = (ms: number, signal: { stopped: boolean; wake?: () => void }) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.wake = () => {
      clearTimeout(timer);
      resolve();
    };
  });

/** Runs jobs one at a time in this process until stopped (started with the worker role, src/main.ts). */
export function startBackfillRunner(ctx: AppContext, overrides: Partial<BackfillRunnerOptions> = {}): BackfillRunner {
  // Every step renews the lease; a batch takes well under a second, so twice the delivery lease (at least 5 s)
  // is what a killed runner's job waits before another runner resumes it.
  const options: BackfillRunnerOptions = { leaseMs: Math.max(2 * ctx.config.webhookLeaseMs, 5_000), pollMs: 1_000, backlogWaitMs: 100, ...overrides };
  const state: { stopped: boolean; wake?: () => void } = { stopped: false };
  const loop = (async () => {
    while (!state.stopped) {
      try {
        const job = await claimBackfill(ctx.db, options.leaseMs);
        if (!job) {
          await sleep(options.pollMs ?? 1_000, state);
          continue;
        }
        ctx.log.info({ backfillId: job.id, webhookId: job.webhookId }, 'backfill job taken');
        let trickleUntil = 0;
        while (!state.stopped) {
          const step = await runBackfillStep(ctx.db, job, { ...options, trickle: Date.now() < trickleUntil });
          if (step === 'throttled') trickleUntil = Date.now() + BUSY_HOLD_MS;
          if (step === 'done' || step === 'lost') break;
          if (step === 'waiting') await sleep(options.backlogWaitMs ?? 100, state);
          if (step === 'throttled' || step === 'trickled') await sleep(options.busyIntervalMs ?? BUSY_INTERVAL_MS, state);
        }
        // Stopping mid-job: hand the job over at once instead of after the lease.
        if (state.stopped) {
          await ctx.db.execute(sql`UPDATE webhook_backfills SET lease_token = NULL, lease_expires_at = NULL WHERE id = ${job.id} AND lease_token = ${job.token}`);
        }
      } catch (error) {
        ctx.log.error({ err: error }, 'backfill step failed; retrying');
        await sleep(options.pollMs ?? 1_000, state);
      }
    }
  })();
  return {
    async stop() {
      state.stopped = true;
      state.wake?.();
      await loop;
    },
  };
}
