// Webhook subscriptions: the commands and queries every surface calls (REST, MCP, UI). Admins change them,
// members read them; everything is scoped by the principal's company (foreign ids are "not found").
// Secrets are encrypted at rest and leave only through getWebhookOrThrow(…, {includeSecret: true}) (admins).
import { randomUUID } from 'node:crypto';
import { and, asc, eq, sql } from 'drizzle-orm';
import { arrayLiteral, type DbOrTx } from '../db/pool.js';
import { expandCompanyFanout } from '../delivery/fanout.js';
import type { Principal } from '../auth/principal.js';
import { requireAdmin } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import { webhooks } from '../db/schema/index.js';
import { AppError, notFound } from '../errors.js';
import type { EventName } from '../events/catalog.js';
import {
  CreateWebhookInput,
  ListWebhooksInput,
  UpdateWebhookInput,
  type WebhookDto,
  type WebhookWithSecretDto,
} from './schemas.js';
import { loadSuccessRates24h } from '../ops/stats.js';
import { failQueuedDeliveries, failUnsentDeliveries, unsentMessage } from './disable.js';
import { validateWebhookFilter } from './filter/parse.js';
import { sealCustomHeaders } from './custom-headers.js';
import { activePreviousSecretExpiry } from './rotation.js';
import { decryptSecret, encryptSecret } from './secret-box.js';
import { checkWebhookUrl, type Resolver } from './url-rules.js';

export const MAX_WEBHOOKS_PER_COMPANY = 100;

/** What the webhook commands need from the application context (AppContext satisfies it). */
export type WebhookContext = Pick<AppContext, 'db' | 'secretKey' | 'config'>;
export interface WebhookCommandOptions {
  /** DNS for the save-time check; the system resolver by default. */
  resolve?: Resolver;
}

type WebhookRow = typeof webhooks.$inferSelect;

type LastDelivery = WebhookDto['lastDelivery'];

function toWebhookDto(row: WebhookRow, lastDelivery: LastDelivery = null, successRate24h: number | null = null): WebhookDto {
  return {
    id: row.id,
    url: row.url,
    events: row.events as EventName[],
    description: row.description,
    enabled: row.enabled,
    hasSecret: row.secretCiphertext !== null,
    retryPolicy: row.retryPolicy,
    ordering: row.ordering,
    disabledReason: row.disabledReason,
    disabledAt: row.disabledAt === null ? null : new Date(row.disabledAt).toISOString(),
    filter: (row.filter ?? null) as WebhookDto['filter'],
    headerNames: row.headerNames,
    previousSecretExpiresAt: activePreviousSecretExpiry(row),
    lastDelivery,
    successRate24h,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

/**
 * The newest delivery of each webhook: one index probe per webhook (webhook_id, created_at DESC), never a
 * scan of its history, so a list stays fast for webhooks with millions of deliveries.
 */
async function loadLastDeliveries(db: DbOrTx, webhookIds: string[]): Promise<Map<string, NonNullable<LastDelivery>>> {
  if (webhookIds.length === 0) return new Map();
  const result = await db.execute<{ webhook_id: string; id: string; status: string; status_code: number | null; created_at: string }>(sql`
    SELECT w.id AS webhook_id, d.id, d.status, d.status_code, d.created_at
    FROM unnest(${arrayLiteral(webhookIds)}::uuid[]) AS w(id)
    CROSS JOIN LATERAL (
      SELECT id, status, status_code, created_at FROM webhook_deliveries
      WHERE webhook_id = w.id ORDER BY created_at DESC, id DESC LIMIT 1
    ) d`);
  return new Map(
    result.rows.map((r) => [
      r.webhook_id,
      { id: r.id, status: r.status as NonNullable<LastDelivery>['status'], statusCode: r.status_code, createdAt: new Date(r.created_at).toISOString() },
    ]),
  );
}

async function toWebhookDtos(db: DbOrTx, rows: WebhookRow[]): Promise<WebhookDto[]> {
  if (rows.length === 0) return [];
  // Each one's last delivery may be of a write just committed, still a fan-out row (one company per call).
  await expandCompanyFanout(db, rows[0]!.companyId);
  const ids = rows.map((row) => row.id);
  const last = await loadLastDeliveries(db, ids);
  const rates = await loadSuccessRates24h(db, ids); // one query for the whole list
  return rows.map((row) => toWebhookDto(row, last.get(row.id) ?? null, rates.get(row.id) ?? null));
}

async function findRow(ctx: WebhookContext, principal: Principal, id: string): Promise<WebhookRow> {
  const [row] = await ctx.db.select().from(webhooks).where(and(eq(webhooks.id, id), eq(webhooks.companyId, principal.companyId)));
  if (!row) throw notFound('webhook', id);
  return row;
}

export async function createWebhook(ctx: WebhookContext, principal: Principal, input: CreateWebhookInput, options: WebhookCommandOptions = {}): Promise<WebhookDto> {
  requireAdmin(principal, 'create webhooks');
  const parsed = CreateWebhookInput.parse(input);
  const url = await checkWebhookUrl(parsed.url, ctx.config.webhookAllowPrivate, options.resolve);
  const [{ count } = { count: 0 }] = await ctx.db
    .select({ count: sql<number>`count(*)::int` })
    .from(webhooks)
    .where(eq(webhooks.companyId, principal.companyId));
  if (count >= MAX_WEBHOOKS_PER_COMPANY) {
    throw new AppError('conflict', `a company can have at most ${MAX_WEBHOOKS_PER_COMPANY} webhooks; delete one first`);
  }
  const id = randomUUID();
  const [row] = await ctx.db
    .insert(webhooks)
    .values({
      id,
      companyId: principal.companyId,
      url,
      events: parsed.events,
      description: parsed.description || null,
      secretCiphertext: parsed.secret ? encryptSecret(ctx.secretKey, id, parsed.secret) : null,
      enabled: parsed.enabled ?? true,
      retryPolicy: parsed.retryPolicy ?? 'none',
      ordering: parsed.ordering ?? 'none',
      filter: await validateWebhookFilter(ctx.db, principal.companyId, parsed.filter, parsed.events),
      ...sealCustomHeaders(ctx.secretKey, id, parsed.headers ?? null),
      ...(parsed.enabled === false ? { disabledReason: 'manual' as const, disabledAt: sql`now()` } : {}),
    })
    .returning();
  return toWebhookDto(row!);
}

export async function updateWebhook(
  ctx: WebhookContext,
  principal: Principal,
  id: string,
  input: UpdateWebhookInput,
  options: WebhookCommandOptions = {},
): Promise<WebhookDto> {
  requireAdmin(principal, 'change webhooks');
  const parsed = UpdateWebhookInput.parse(input);
  const current = await findRow(ctx, principal, id);
  const changes: Partial<typeof webhooks.$inferInsert> = {};
  if (parsed.url !== undefined) changes.url = await checkWebhookUrl(parsed.url, ctx.config.webhookAllowPrivate, options.resolve);
  if (parsed.events !== undefined) changes.events = parsed.events;
  if (parsed.description !== undefined) changes.description = parsed.description || null;
  // Setting the secret directly (not through a rotation) ends any rotation's overlap: the old secret stops signing.
  if (parsed.secret !== undefined) {
    Object.assign(changes, { secretCiphertext: parsed.secret === null ? null : encryptSecret(ctx.secretKey, id, parsed.secret), previousSecretCiphertext: null, previousSecretExpiresAt: null });
  }
  if (parsed.headers !== undefined) Object.assign(changes, sealCustomHeaders(ctx.secretKey, id, parsed.headers));
  if (parsed.retryPolicy !== undefined) changes.retryPolicy = parsed.retryPolicy;
  // Applies to deliveries queued from now on; those already queued keep the order they were queued with.
  if (parsed.ordering !== undefined) changes.ordering = parsed.ordering;
  // A filter is checked against the events it will apply to: a new filter, or the kept one when the events change.
  if (parsed.filter !== undefined || (parsed.events !== undefined && current.filter !== null)) {
    const filter = parsed.filter === undefined ? current.filter : parsed.filter;
    changes.filter = await validateWebhookFilter(ctx.db, principal.companyId, filter, parsed.events ?? (current.events as EventName[]));
  }
  // Re-enabling clears the reason and starts a fresh auto-disable window; disabling an enabled webhook by hand
  // records "manual" (a webhook already disabled keeps the reason it was disabled for).
  if (parsed.enabled === true) Object.assign(changes, { enabled: true, disabledReason: null, disabledAt: null, failingSince: null });
  const disabling = parsed.enabled === false && current.enabled;
  if (disabling) Object.assign(changes, { enabled: false, disabledReason: 'manual', disabledAt: sql`now()` });
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .update(webhooks)
      .set({ ...changes, updatedAt: sql`now()` })
      .where(and(eq(webhooks.id, id), eq(webhooks.companyId, principal.companyId)))
      .returning();
    if (!row) throw notFound('webhook', id);
    if (disabling && !row.enabled) {
      // Deliveries of writes committed before this one are in the queue first, so they fail now too.
      await expandCompanyFanout(tx, principal.companyId);
      await failQueuedDeliveries(tx, [id], 'manual');
    }
    return (await toWebhookDtos(tx, [row]))[0]!;
  });
}

export function getWebhookOrThrow(ctx: WebhookContext, principal: Principal, id: string): Promise<WebhookDto>;
export function getWebhookOrThrow(ctx: WebhookContext, principal: Principal, id: string, options: { includeSecret: true }): Promise<WebhookWithSecretDto>;
export function getWebhookOrThrow(ctx: WebhookContext, principal: Principal, id: string, options?: { includeSecret?: boolean }): Promise<WebhookDto | WebhookWithSecretDto>;
export async function getWebhookOrThrow(
  ctx: WebhookContext,
  principal: Principal,
  id: string,
  options: { includeSecret?: boolean } = {},
): Promise<WebhookDto | WebhookWithSecretDto> {
  if (options.includeSecret) requireAdmin(principal, 'reveal webhook secrets');
  const row = await findRow(ctx, principal, id);
  const [dto] = await toWebhookDtos(ctx.db, [row]);
  if (!options.includeSecret) return dto!;
  return { ...dto!, secret: row.secretCiphertext ? decryptSecret(ctx.secretKey, row.id, row.secretCiphertext) : null };
}

/** The admin-only reveal (POST /webhooks/{id}/secret/reveal). */
export function revealWebhookSecret(ctx: WebhookContext, principal: Principal, id: string): Promise<WebhookWithSecretDto> {
  return getWebhookOrThrow(ctx, principal, id, { includeSecret: true });
}

export async function listWebhooks(ctx: WebhookContext, principal: Principal, input: ListWebhooksInput = {}): Promise<WebhookDto[]> {
  const { searchTerm } = ListWebhooksInput.parse(input);
  const conditions = [eq(webhooks.companyId, principal.companyId)];
  if (searchTerm) {
    const pattern = `%${searchTerm.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conditions.push(sql`(${webhooks.url} ILIKE ${pattern} OR coalesce(${webhooks.description}, '') ILIKE ${pattern})`);
  }
  const rows = await ctx.db.select().from(webhooks).where(and(...conditions)).orderBy(asc(webhooks.createdAt), asc(webhooks.id));
  return toWebhookDtos(ctx.db, rows);
}

/**
 * Deletes the subscription; its delivery history stays listable. Deliveries still pending are failed in the
 * same transaction (kind "webhook_deleted"), so nothing is sent to a URL the admin just removed.
 */
export async function deleteWebhook(ctx: WebhookContext, principal: Principal, id: string): Promise<void> {
  requireAdmin(principal, 'delete webhooks');
  await ctx.db.transaction(async (tx) => {
    // Deliveries of writes committed before this one are in the queue first, so they are failed below too.
    await expandCompanyFanout(tx, principal.companyId);
    const deleted = await tx
      .delete(webhooks)
      .where(and(eq(webhooks.id, id), eq(webhooks.companyId, principal.companyId)))
      .returning({ id: webhooks.id });
    if (deleted.length === 0) throw notFound('webhook', id);
    await failUnsentDeliveries(tx, [id], 'webhook_deleted', unsentMessage('deleted'));
  });
}
