// API keys: 64 random characters shown once, stored as SHA-256, listed by name and first 6 characters.
// A key acts as its user with its user's role; everyone manages their own keys, admins everyone's in the company.
import { and, desc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/pool.js';
import { apiKeys, users } from '../db/schema/index.js';
import { notFound } from '../errors.js';
import type { Principal } from './principal.js';
import { randomToken, sha256Hex } from './tokens.js';

export const API_KEY_LENGTH = 64;
export const API_KEY_START_LENGTH = 6;

export interface ApiKeyDto {
  id: string;
  name: string;
  start: string;
  userId: string;
  createdAt: string;
  lastUsedAt: string | null;
}

type ApiKeyRow = typeof apiKeys.$inferSelect;
const iso = (value: string) => new Date(value).toISOString();
const toDto = (row: ApiKeyRow): ApiKeyDto => ({
  id: row.id,
  name: row.name,
  start: row.start,
  userId: row.userId,
  createdAt: iso(row.createdAt),
  lastUsedAt: row.lastUsedAt ? iso(row.lastUsedAt) : null,
});

export async function createApiKey(db: DbOrTx, principal: Principal, name: string): Promise<ApiKeyDto & { key: string }> {
  const key = randomToken(API_KEY_LENGTH);
  const [row] = await db
    .insert(apiKeys)
    .values({ companyId: principal.companyId, userId: principal.userId, name, start: key.slice(0, API_KEY_START_LENGTH), keyHash: sha256Hex(key) })
    .returning();
  return { ...toDto(row!), key };
}

export async function listApiKeys(db: DbOrTx, principal: Principal): Promise<ApiKeyDto[]> {
  const scope =
    principal.role === 'admin'
      ? eq(apiKeys.companyId, principal.companyId)
      : and(eq(apiKeys.companyId, principal.companyId), eq(apiKeys.userId, principal.userId));
  const rows = await db.select().from(apiKeys).where(scope).orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
  return rows.map(toDto);
}

export async function revokeApiKey(db: DbOrTx, principal: Principal, id: string): Promise<void> {
  const scope =
    principal.role === 'admin'
      ? and(eq(apiKeys.id, id), eq(apiKeys.companyId, principal.companyId))
      : and(eq(apiKeys.id, id), eq(apiKeys.companyId, principal.companyId), eq(apiKeys.userId, principal.userId));
  const deleted = await db.delete(apiKeys).where(scope).returning({ id: apiKeys.id });
  if (deleted.length === 0) throw notFound('API key', id);
}

export async function findApiKeyPrincipal(db: DbOrTx, key: string): Promise<Principal | null> {
  if (key.length !== API_KEY_LENGTH) return null;
  const [row] = await db
    .select({ keyId: apiKeys.id, userId: users.id, companyId: users.companyId, role: users.role })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(eq(apiKeys.keyHash, sha256Hex(key)));
  if (!row) return null;
  return { userId: row.userId, companyId: row.companyId, role: row.role, via: 'api_key' };
}
