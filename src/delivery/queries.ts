// The delivery log as every surface reads it: list (newest first, search, filters, pages with a total),
// one delivery with the request and response, and resend. Scoped by the principal's company throughout.
// Each first expands the company's fan-out rows (fanout.ts): a write's deliveries are in the log for every
// read after its commit.
import { and, desc, eq, gte, isNotNull, lt, sql, type SQL } from 'drizzle-orm';
import type { Principal } from '../auth/principal.js';
import { requireAdmin } from '../auth/principal.js';
import type { DbOrTx } from '../db/pool.js';
import { events, webhookDeliveries, webhooks } from '../db/schema/index.js';
import { AppError, notFound } from '../errors.js';
import { EVENT_NAMES, SNAPSHOT_EVENT_NAMES, TEST_EVENT_NAME, type EventName } from '../events/catalog.js';
import { DELIVERY_CHANNEL } from './enqueue.js';
import { expandCompanyFanout } from './fanout.js';
import {
  ListDeliveriesInput,
  type DeliveryDetailDto,
  type DeliveryDto,
  type DeliveryErrorKind,
  type DeliveryPage,
} from './schemas.js';

/** Exact totals up to this many matches; beyond it `total` is this number and `totalCapped` is true. */
export const TOTAL_COUNT_CAP = 10_000;

export interface DeliveryContext {
  db: DbOrTx;
}

type DeliveryRow = typeof webhookDeliveries.$inferSelect;

const iso = (value: string | null) => (value === null ? null : new Date(value).toISOString());

export function toDeliveryDto(row: DeliveryRow): DeliveryDto {
  return {
    id: row.id,
    webhookId: row.webhookId,
    url: row.url,
    event: row.event as EventName,
    entityId: row.entityId,
    status: row.status,
    statusCode: row.statusCode,
    error: row.errorKind ? { kind: row.errorKind as DeliveryErrorKind, message: row.errorMessage ?? '' } : null,
    durationMs: row.durationMs,
    createdAt: iso(row.createdAt)!,
    completedAt: iso(row.completedAt),
    trigger: row.trigger,
    resendOf: row.resendOf,
    attempt: row.attempt,
    retryOf: row.retryOf,
    nextAttemptAt: iso(row.nextAttemptAt),
  };
}

/** Columns of the list (no bodies: a page of 100 stays small). */
const listColumns = {
  id: webhookDeliveries.id,
  companyId: webhookDeliveries.companyId,
  webhookId: webhookDeliveries.webhookId,
  eventId: webhookDeliveries.eventId,
  event: webhookDeliveries.event,
  entityId: webhookDeliveries.entityId,
  url: webhookDeliveries.url,
  status: webhookDeliveries.status,
  trigger: webhookDeliveries.trigger,
  resendOf: webhookDeliveries.resendOf,
  attempt: webhookDeliveries.attempt,
  retryOf: webhookDeliveries.retryOf,
  nextAttemptAt: webhookDeliveries.nextAttemptAt,
  statusCode: webhookDeliveries.statusCode,
  errorKind: webhookDeliveries.errorKind,
  errorMessage: webhookDeliveries.errorMessage,
  durationMs: webhookDeliveries.durationMs,
  createdAt: webhookDeliveries.createdAt,
  completedAt: webhookDeliveries.completedAt,
};

function escapeLike(term: string): string {
  return term.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Beyond this many matching urls and event names a search is one semi-join instead of a scan per branch. */
const MAX_SEARCH_BRANCHES = 200;

/**
 * How a search selects log rows: `where`, one more condition of the plain query; or `branches`, conditions of
 * which a row matches at most one, each answered newest first by an index (when the url is the narrowest filter).
 *
 * Event names come from a catalog of fifteen, so the term is matched against the catalog here. A url is matched
 * against webhook_urls (migration 0015), every url a webhook of the company has had — a delivery's url is always
 * one of its webhook's — so each matching url is a branch `url = …`, read through the log's (company_id, url,
 * created_at) index. When the term names events too, each event is a branch of the rows whose url does not
 * match (so no row counts twice), read through (company_id, event, created_at): an OR of the two would make
 * PostgreSQL collect and sort every match.
 */
type SearchPlan = { where: SQL } | { branches: SQL[] };

async function searchPlan(db: DbOrTx, companyId: string, term: string, filters: ListDeliveriesInput): Promise<SearchPlan> {
  const webhookId = filters.webhookId;
  const lower = term.toLowerCase();
  const names = [...EVENT_NAMES, TEST_EVENT_NAME, ...SNAPSHOT_EVENT_NAMES].filter((name) => name.includes(lower));
  const pattern = `%${escapeLike(term)}%`;
  const eventMatch = sql`${webhookDeliveries.event} IN (${sql.join(names.map((n) => sql`${n}`), sql`, `)})`;
  const matched = await db.execute<{ url: string; all_match: boolean }>(sql`
    WITH known AS (
      SELECT DISTINCT url FROM webhook_urls
      WHERE company_id = ${companyId} ${webhookId ? sql`AND webhook_id = ${webhookId}` : sql``}
    )
    SELECT url, NOT EXISTS (SELECT 1 FROM known WHERE NOT (url ILIKE ${pattern})) AS all_match
    FROM known WHERE url ILIKE ${pattern} ORDER BY url LIMIT ${MAX_SEARCH_BRANCHES + 1}`);
  const urls = matched.rows.map((row) => row.url);
  if (urls.length === 0) return { where: names.length > 0 ? eventMatch : sql`false` };
  // Every url the company's webhooks (or the one webhook asked for) ever had matches: so does every row.
  if (matched.rows[0]!.all_match) return { where: sql`true` };
  // Another filter with an index of its own (a webhook, an event, an entity, failed or unfinished rows) usually
  // selects fewer rows than a url: the plain query lets PostgreSQL read that index and check the url on its rows.
  const narrowed = Boolean(filters.webhookId || filters.event || filters.entityId || (filters.status && filters.status !== 'success'));
  if (narrowed || urls.length + names.length > MAX_SEARCH_BRANCHES) {
    const urlMatch = urls.length > MAX_SEARCH_BRANCHES
      ? sql`${webhookDeliveries.url} IN (SELECT url FROM webhook_urls WHERE company_id = ${companyId} AND url ILIKE ${pattern})`
      : sql`${webhookDeliveries.url} IN (${sql.join(urls.map((url) => sql`${url}`), sql`, `)})`;
    return { where: names.length > 0 ? sql`(${urlMatch} OR ${eventMatch})` : urlMatch };
  }
  return {
    branches: [
      ...urls.map((url) => eq(webhookDeliveries.url, url)),
      ...names.map((name) => and(eq(webhookDeliveries.event, name), sql`NOT (${webhookDeliveries.url} ILIKE ${pattern})`)!),
    ],
  };
}

type ListRow = { [K in keyof typeof listColumns]: DeliveryRow[K] };

/**
 * A page and its capped count over branches (see SearchPlan). The page: each branch's first offset + limit rows
 * newest first (an ordered index scan that stops there), the union of those sorted and cut to the page. The
 * count: the branches appended, reading only what their indexes hold where they can, stopping after the cap.
 */
async function listBranches(db: DbOrTx, where: SQL, branches: SQL[], order: SQL[], limit: number, offset: number): Promise<[ListRow[], Array<{ total: number }>]> {
  const names = sql.join(Object.values(listColumns).map((column) => sql.identifier(column.name)), sql`, `);
  const orderBy = sql.join(order, sql`, `);
  const page = sql.join(
    branches.map((branch) => sql`(SELECT ${names} FROM ${webhookDeliveries} WHERE ${and(where, branch)} ORDER BY ${orderBy} LIMIT ${offset + limit})`),
    sql` UNION ALL `,
  );
  const counted = sql.join(branches.map((branch) => sql`SELECT 1 FROM ${webhookDeliveries} WHERE ${and(where, branch)}`), sql` UNION ALL `);
  // Named like the table, so the list's columns and order apply to the union.
  const columns = sql.join(Object.entries(listColumns).map(([key, column]) => sql`${column} AS ${sql.identifier(key)}`), sql`, `);
  return Promise.all([
    db.execute<ListRow>(sql`SELECT ${columns} FROM (${page}) AS ${webhookDeliveries} ORDER BY ${orderBy} LIMIT ${limit} OFFSET ${offset}`).then((r) => r.rows),
    db.execute<{ total: number }>(sql`SELECT count(*)::int AS total FROM (${counted} LIMIT ${TOTAL_COUNT_CAP + 1}) capped`).then((r) => r.rows),
  ]);
}

export async function listDeliveries(ctx: DeliveryContext, principal: Principal, filters: ListDeliveriesInput = {}): Promise<DeliveryPage> {
  const input = ListDeliveriesInput.parse(filters);
  await expandCompanyFanout(ctx.db, principal.companyId);
  const conditions: SQL[] = [eq(webhookDeliveries.companyId, principal.companyId)];
  // No index of the log reads status (so the worker's updates stay HOT). A row is failed exactly when it has an
  // error kind (a table constraint), which a partial index answers without reading the table; unfinished rows
  // are found through the queue.
  if (input.status === 'failed') conditions.push(isNotNull(webhookDeliveries.errorKind));
  else if (input.status) conditions.push(eq(webhookDeliveries.status, input.status));
  if (input.status === 'pending' || input.status === 'processing') {
    conditions.push(sql`${webhookDeliveries.id} IN (SELECT q.delivery_id FROM webhook_delivery_queue q WHERE q.company_id = ${principal.companyId})`);
  }
  if (input.event) conditions.push(eq(webhookDeliveries.event, input.event));
  if (input.webhookId) conditions.push(eq(webhookDeliveries.webhookId, input.webhookId));
  if (input.entityId) conditions.push(eq(webhookDeliveries.entityId, input.entityId));
  if (input.from) conditions.push(gte(webhookDeliveries.createdAt, input.from));
  if (input.to) conditions.push(lt(webhookDeliveries.createdAt, input.to));
  const search = input.searchTerm ? await searchPlan(ctx.db, principal.companyId, input.searchTerm, input) : null;
  if (search && 'where' in search) conditions.push(search.where);
  const where = and(...conditions);
  const order = [desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id)];
  const offset = (input.page - 1) * input.pageSize;
  const [rows, [counted]] = search && 'branches' in search
    ? await listBranches(ctx.db, where!, search.branches, order, input.pageSize, offset)
    : await Promise.all([
        ctx.db.select(listColumns).from(webhookDeliveries).where(where).orderBy(...order).limit(input.pageSize).offset(offset),
        // Counting stops past TOTAL_COUNT_CAP: an exact count of a million rows costs a scan of a million index
        // entries on every page view, while the page itself is an index walk of 25 rows.
        ctx.db
          .select({ total: sql<number>`count(*)::int` })
          .from(ctx.db.select({ one: sql`1` }).from(webhookDeliveries).where(where).limit(TOTAL_COUNT_CAP + 1).as('capped')),
      ]);
  const total = counted?.total ?? 0;
  return {
    items: rows.map((row) => toDeliveryDto({ ...row, requestHeaders: null, responseBody: null, claimToken: null, leaseExpiresAt: null, claimCount: 0 })),
    total: Math.min(total, TOTAL_COUNT_CAP),
    totalCapped: total > TOTAL_COUNT_CAP,
    page: input.page,
    pageSize: input.pageSize,
  };
}

export async function getDeliveryOrThrow(ctx: DeliveryContext, principal: Principal, id: string): Promise<DeliveryDetailDto> {
  await expandCompanyFanout(ctx.db, principal.companyId);
  const [found] = await ctx.db
    .select({ delivery: webhookDeliveries, body: events.body })
    .from(webhookDeliveries)
    .innerJoin(events, eq(events.id, webhookDeliveries.eventId))
    .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.companyId, principal.companyId)));
  if (!found) throw notFound('webhook delivery', id);
  const row = found.delivery;
  const retryChain = await loadRetryChain(ctx.db, principal.companyId, row.id);
  return { ...toDeliveryDto(row), requestHeaders: row.requestHeaders ?? null, requestBody: found.body, responseBody: row.responseBody, retryChain };
}

/** Longest chain walked: far beyond any schedule (at most 20 steps), a guard against a cycle written by hand. */
const RETRY_CHAIN_MAX = 50;

/**
 * Every attempt of a delivery's retry chain, attempt 1 first: up the retry_of links to the first attempt, then
 * down through the retries (the retry_of index), both bounded.
 */
async function loadRetryChain(db: DbOrTx, companyId: string, id: string): Promise<DeliveryDetailDto['retryChain']> {
  const result = await db.execute<{
    id: string; attempt: number; status: DeliveryDto['status']; status_code: number | null; error_kind: string | null;
    created_at: string; completed_at: string | null; next_attempt_at: string | null;
  }>(sql`
    WITH RECURSIVE up AS (
      SELECT id, retry_of, 0 AS depth FROM webhook_deliveries WHERE id = ${id} AND company_id = ${companyId}
      UNION ALL
      SELECT d.id, d.retry_of, up.depth + 1 FROM webhook_deliveries d JOIN up ON d.id = up.retry_of
      WHERE d.company_id = ${companyId} AND up.depth < ${RETRY_CHAIN_MAX}
    ),
    down AS (
      (SELECT up.id, 0 AS depth FROM up ORDER BY up.depth DESC LIMIT 1)
      UNION ALL
      SELECT d.id, down.depth + 1 FROM webhook_deliveries d JOIN down ON d.retry_of = down.id
      WHERE d.company_id = ${companyId} AND down.depth < ${RETRY_CHAIN_MAX}
    )
    SELECT d.id, d.attempt, d.status, d.status_code, d.error_kind, d.created_at, d.completed_at, d.next_attempt_at
    FROM down JOIN webhook_deliveries d ON d.id = down.id
    ORDER BY down.depth, d.created_at`);
  return result.rows.map((r) => ({
    id: r.id,
    attempt: r.attempt,
    status: r.status,
    statusCode: r.status_code,
    errorKind: r.error_kind as DeliveryErrorKind | null,
    createdAt: iso(r.created_at)!,
    completedAt: iso(r.completed_at),
    nextAttemptAt: iso(r.next_attempt_at),
  }));
}

/**
 * Resend (admins): a new pending delivery of the same event body to the webhook's current URL, signed with its
 * current secret when sent, `trigger: "resend"`, `resendOf` the original. The original row never changes.
 * A resend starts a chain of its own (attempt 1); with retryPolicy "exponential" its failures are retried too.
 */
export async function resendDelivery(ctx: DeliveryContext, principal: Principal, id: string): Promise<DeliveryDto> {
  requireAdmin(principal, 'resend webhook deliveries');
  await expandCompanyFanout(ctx.db, principal.companyId);
  return ctx.db.transaction(async (tx) => {
    const [original] = await tx
      .select()
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.companyId, principal.companyId)));
    if (!original) throw notFound('webhook delivery', id);
    const [webhook] = await tx
      .select({ id: webhooks.id, url: webhooks.url, enabled: webhooks.enabled })
      .from(webhooks)
      .where(and(eq(webhooks.id, original.webhookId), eq(webhooks.companyId, principal.companyId)));
    if (!webhook) {
      throw new AppError('conflict', `cannot resend delivery ${id}: its webhook ${original.webhookId} was deleted; create a webhook for this URL and events instead`);
    }
    if (!webhook.enabled) {
      throw new AppError('conflict', `cannot resend delivery ${id}: webhook ${webhook.id} is disabled; enable it first (PATCH /webhooks/${webhook.id} {"enabled": true})`);
    }
    const [created] = await tx
      .insert(webhookDeliveries)
      .values({
        companyId: principal.companyId,
        webhookId: webhook.id,
        eventId: original.eventId,
        event: original.event,
        entityId: original.entityId,
        url: webhook.url,
        trigger: 'resend',
        resendOf: original.id,
      })
      .returning();
    await tx.execute(sql`
      INSERT INTO webhook_delivery_queue (delivery_id, webhook_id, company_id, created_at, run_at)
      VALUES (${created!.id}, ${created!.webhookId}, ${created!.companyId}, ${created!.createdAt}, ${created!.createdAt})`);
    await tx.execute(sql`SELECT pg_notify(${DELIVERY_CHANNEL}, '')`);
    return toDeliveryDto(created!);
  });
}
