// Webhook health (spec §12): success, failure and duration per webhook over the last 24 hours or 7 days.
//
// Read from webhook_delivery_stats, an hourly rollup the worker upserts in the same statement that records a
// batch of results (queue.ts recordOutcomes: one row per webhook of the batch, so ~1 row per 64 deliveries under
// load). A window reads at most 168 rows of one webhook through the primary key, so the answer costs the same
// at 10 M delivery records as at 10; the delivery log is never scanned.
//
// A result counts in the hour it was recorded (completion time), whatever the delivery's creation time; every
// result the worker records counts, including failures where nothing was sent (webhook_disabled,
// secret_unavailable). Deliveries failed without a worker (queued ones failed when a webhook is disabled or
// deleted) are not attempts and do not count.
//
// Durations are kept as counts per fixed bucket (DURATION_BUCKET_BOUNDS_MS), so p50/p95 are estimates: linear
// within the bucket that holds the rank, i.e. exact to within that bucket's width (e.g. a p95 between 100 and
// 250 ms may be off by up to 150 ms); the open-ended last bucket reports its lower bound, 30,000 ms.
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import { arrayLiteral, type DbOrTx } from '../db/pool.js';
import { notFound } from '../errors.js';

/** Upper bounds (exclusive) of the duration buckets; one more bucket holds everything from the last bound up. */
export const DURATION_BUCKET_BOUNDS_MS = [10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000] as const;

const HOUR_MS = 3_600_000;
export const STATS_WINDOWS = ['24h', '7d'] as const;
export type StatsWindow = (typeof STATS_WINDOWS)[number];
/** 24 hourly buckets, or 28 six-hour buckets (aligned to 00, 06, 12 and 18 UTC); the last one holds now. */
const WINDOW_LAYOUT: Record<StatsWindow, { bucketMs: number; buckets: number }> = {
  '24h': { bucketMs: HOUR_MS, buckets: 24 },
  '7d': { bucketMs: 6 * HOUR_MS, buckets: 28 },
};
/** How long rollup rows are kept (retention.ts): the longest window plus a day. */
export const STATS_KEEP_MS = 8 * 24 * HOUR_MS;

/**
 * SQL for the histogram of a duration column, as an integer[] aggregate over the grouped rows (one element per
 * bucket of DURATION_BUCKET_BOUNDS_MS, the open-ended one last). `column` is trusted SQL, never user input.
 */
export function durationHistogramSql(column: string): string {
  const edges = [0, ...DURATION_BUCKET_BOUNDS_MS];
  const parts = edges.map((lower, i) => {
    const upper = DURATION_BUCKET_BOUNDS_MS[i];
    const low = i === 0 ? `coalesce(${column}, 0) >= 0` : `${column} >= ${lower}`;
    return `count(*) FILTER (WHERE ${low}${upper === undefined ? '' : ` AND coalesce(${column}, 0) < ${upper}`})`;
  });
  return `ARRAY[${parts.join(', ')}]::integer[]`;
}

/** The estimated q-quantile (0 < q ≤ 1) of a histogram over DURATION_BUCKET_BOUNDS_MS; null when it is empty. */
export function percentileFromHistogram(counts: readonly number[], q: number): number | null {
  const total = counts.reduce((sum, n) => sum + n, 0);
  if (total === 0) return null;
  const rank = q * total;
  let before = 0;
  for (const [i, n] of counts.entries()) {
    if (n > 0 && before + n >= rank) {
      const lower = i === 0 ? 0 : DURATION_BUCKET_BOUNDS_MS[i - 1]!;
      const upper = DURATION_BUCKET_BOUNDS_MS[i];
      if (upper === undefined) return lower;
      return Math.round(lower + ((rank - before) / n) * (upper - lower));
    }
    before += n;
  }
  return DURATION_BUCKET_BOUNDS_MS[DURATION_BUCKET_BOUNDS_MS.length - 1]!;
}

/** The first bucket's start for a window ending in the bucket that holds `nowMs`. */
export function windowStartMs(window: StatsWindow, nowMs: number): number {
  const { bucketMs, buckets } = WINDOW_LAYOUT[window];
  return (Math.floor(nowMs / bucketMs) - (buckets - 1)) * bucketMs;
}

export const WebhookStatsInput = z.strictObject({
  window: z
    .enum(STATS_WINDOWS, { error: `must be one of ${STATS_WINDOWS.join(', ')}` })
    .optional()
    .describe('"24h" (default: 24 hourly buckets) or "7d" (28 six-hour buckets, aligned to 00, 06, 12, 18 UTC)'),
});
export type WebhookStatsInput = z.input<typeof WebhookStatsInput>;

const Rate = z.number().min(0).max(1).nullable();
export const WebhookStatsSchema = z.object({
  window: z.enum(STATS_WINDOWS),
  total: z.number().int().describe('results recorded in the window (success + failed)'),
  success: z.number().int(),
  failed: z.number().int(),
  successRate: Rate.describe('success / total, from 0 to 1; null when the window has no deliveries'),
  p50DurationMs: z.number().int().nullable().describe('median request duration, estimated from fixed buckets; null without deliveries'),
  p95DurationMs: z.number().int().nullable().describe('95th percentile request duration, estimated from fixed buckets; null without deliveries'),
  buckets: z
    .array(
      z.object({
        start: z.string().describe('ISO-8601 start of the bucket (1 hour for 24h, 6 hours for 7d)'),
        success: z.number().int(),
        failed: z.number().int(),
        p95DurationMs: z.number().int().nullable(),
      }),
    )
    .describe('oldest first; the last bucket holds now and is still filling'),
});
export type WebhookStatsDto = z.infer<typeof WebhookStatsSchema>;

type StatsRow = {
  found: boolean;
  hour: string | Date | null;
  success: number;
  failed: number;
  durations: number[];
};

const addInto = (into: number[], from: readonly number[]) => from.forEach((n, i) => (into[i] = (into[i] ?? 0) + n));

/** The health of one webhook of the principal's company (members may read it). */
export async function getWebhookStats(
  ctx: { db: DbOrTx },
  principal: Principal,
  id: string,
  input: WebhookStatsInput = {},
  nowMs = Date.now(),
): Promise<WebhookStatsDto> {
  const window = WebhookStatsInput.parse(input).window ?? '24h';
  const { bucketMs, buckets: count } = WINDOW_LAYOUT[window];
  const startMs = windowStartMs(window, nowMs);
  // One round trip: the webhook's ownership check and its rollup rows of the window (≤ 168, primary key range).
  const result = await ctx.db.execute<StatsRow>(sql`
    SELECT true AS found, s.hour, s.success, s.failed, s.durations
    FROM webhooks w LEFT JOIN webhook_delivery_stats s ON s.webhook_id = w.id AND s.hour >= ${new Date(startMs).toISOString()}::timestamptz
    WHERE w.id = ${id} AND w.company_id = ${principal.companyId}`);
  if (result.rows.length === 0) throw notFound('webhook', id);
  const buckets = Array.from({ length: count }, (_, i) => ({ start: startMs + i * bucketMs, success: 0, failed: 0, durations: [] as number[] }));
  const all: number[] = [];
  for (const row of result.rows) {
    if (row.hour === null) continue;
    const index = Math.floor((new Date(row.hour).getTime() - startMs) / bucketMs);
    const bucket = buckets[index];
    if (!bucket) continue; // an hour recorded after nowMs (clock skew between this process and PostgreSQL)
    bucket.success += row.success;
    bucket.failed += row.failed;
    addInto(bucket.durations, row.durations);
    addInto(all, row.durations);
  }
  const success = buckets.reduce((sum, b) => sum + b.success, 0);
  const failed = buckets.reduce((sum, b) => sum + b.failed, 0);
  const total = success + failed;
  return {
    window,
    total,
    success,
    failed,
    successRate: total === 0 ? null : success / total,
    p50DurationMs: percentileFromHistogram(all, 0.5),
    p95DurationMs: percentileFromHistogram(all, 0.95),
    buckets: buckets.map((b) => ({
      start: new Date(b.start).toISOString(),
      success: b.success,
      failed: b.failed,
      p95DurationMs: percentileFromHistogram(b.durations, 0.95),
    })),
  };
}

/**
 * successRate24h of many webhooks in one query (the same 24 hourly buckets as window "24h"); a webhook without
 * results in the window is absent from the map (its rate is null).
 */
export async function loadSuccessRates24h(db: DbOrTx, webhookIds: readonly string[], nowMs = Date.now()): Promise<Map<string, number>> {
  if (webhookIds.length === 0) return new Map();
  const result = await db.execute<{ webhook_id: string; success: string; failed: string }>(sql`
    SELECT webhook_id, sum(success) AS success, sum(failed) AS failed
    FROM webhook_delivery_stats
    WHERE webhook_id = ANY(${arrayLiteral(webhookIds)}::uuid[]) AND hour >= ${new Date(windowStartMs('24h', nowMs)).toISOString()}::timestamptz
    GROUP BY webhook_id`);
  const rates = new Map<string, number>();
  for (const row of result.rows) {
    const success = Number(row.success);
    const total = success + Number(row.failed);
    if (total > 0) rates.set(row.webhook_id, success / total);
  }
  return rates;
}
