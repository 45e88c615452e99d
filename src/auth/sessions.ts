// Browser sessions: a random token in an HTTP-only cookie, stored server-side only as its SHA-256. Expired
// rows are deleted by the API processes' housekeeping timer (housekeeping.ts).
import { and, eq, gt, ne, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/pool.js';
import { sessions, users } from '../db/schema/index.js';
import type { Principal } from './principal.js';
import { randomToken, sha256Hex } from './tokens.js';

export const SESSION_COOKIE = 'switchboard_session';
export const SESSION_TTL_MS = 14 * 24 * 3600 * 1000;

export async function createSession(db: DbOrTx, userId: string): Promise<string> {
  const token = randomToken(48);
  await db.insert(sessions).values({
    tokenHash: sha256Hex(token),
    userId,
    expiresAt: new Date(Date.now() + SESSION_TTL_MS).toISOString(),
  });
  return token;
}

export async function findSessionPrincipal(db: DbOrTx, token: string): Promise<Principal | null> {
  const tokenHash = sha256Hex(token);
  const [row] = await db
    .select({ userId: users.id, companyId: users.companyId, role: users.role })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.tokenHash, tokenHash), gt(sessions.expiresAt, sql`now()`)));
  return row ? { ...row, via: 'session', sessionTokenHash: tokenHash } : null;
}

/** Ends every session of a user except `keepTokenHash` (the caller's own, when a user changes their password). */
export async function deleteOtherSessions(db: DbOrTx, userId: string, keepTokenHash?: string): Promise<number> {
  const deleted = await db
    .delete(sessions)
    .where(and(eq(sessions.userId, userId), keepTokenHash ? ne(sessions.tokenHash, keepTokenHash) : undefined))
    .returning({ tokenHash: sessions.tokenHash });
  return deleted.length;
}

export async function deleteSession(db: DbOrTx, token: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.tokenHash, sha256Hex(token)));
}
