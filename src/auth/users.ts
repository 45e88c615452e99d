// Companies and users. Every lookup is scoped by company: another company's user id is "not found".
import { and, asc, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/pool.js';
import { companies, users } from '../db/schema/index.js';
import { AppError, isUniqueViolation, notFound } from '../errors.js';
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from './passwords.js';
import { requireAdmin, type Principal, type UserRole } from './principal.js';
import { deleteOtherSessions } from './sessions.js';

export interface UserDto {
  id: string;
  companyId: string;
  email: string;
  firstName: string;
  lastName: string;
  role: UserRole;
  createdAt: string;
  updatedAt: string;
}

type UserRow = typeof users.$inferSelect;

export function toUserDto(row: UserRow): UserDto {
  return {
    id: row.id,
    companyId: row.companyId,
    email: row.email,
    firstName: row.firstName,
    lastName: row.lastName,
    role: row.role,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

async function assertEmailFree(db: DbOrTx, email: string, exceptUserId?: string): Promise<void> {
  const [existing] = await db.select({ id: users.id }).from(users).where(sql`lower(${users.email}) = lower(${email})`);
  if (existing && existing.id !== exceptUserId) {
    throw new AppError('conflict', `email: "${email}" is already registered`, 'email');
  }
}

export interface SignupInput {
  companyName: string;
  firstName: string;
  lastName: string;
  email: string;
  password: string;
}

export async function signup(db: DbOrTx, input: SignupInput): Promise<{ company: { id: string; name: string }; user: UserDto }> {
  await assertEmailFree(db, input.email);
  const passwordHash = await hashPassword(input.password);
  try {
    return await db.transaction(async (tx) => {
      const [company] = await tx.insert(companies).values({ name: input.companyName }).returning();
      const [user] = await tx
        .insert(users)
        .values({
          companyId: company!.id,
          email: input.email,
          firstName: input.firstName,
          lastName: input.lastName,
          role: 'admin',
          passwordHash,
        })
        .returning();
      return { company: { id: company!.id, name: company!.name }, user: toUserDto(user!) };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError('conflict', `email: "${input.email}" is already registered`, 'email');
    throw error;
  }
}

/** Returns the user for a correct email and password, null otherwise, taking the same time either way. */
export async function authenticate(db: DbOrTx, email: string, password: string): Promise<UserDto | null> {
  const [row] = await db.select().from(users).where(sql`lower(${users.email}) = lower(${email})`);
  const ok = await verifyPassword(password, row?.passwordHash ?? DUMMY_PASSWORD_HASH);
  return row && ok ? toUserDto(row) : null;
}

export async function getUserOrThrow(db: DbOrTx, principal: Principal, id: string): Promise<UserDto> {
  const [row] = await db.select().from(users).where(and(eq(users.id, id), eq(users.companyId, principal.companyId)));
  if (!row) throw notFound('user', id);
  return toUserDto(row);
}

export async function listUsers(db: DbOrTx, principal: Principal): Promise<UserDto[]> {
  const rows = await db.select().from(users).where(eq(users.companyId, principal.companyId)).orderBy(asc(users.createdAt), asc(users.id));
  return rows.map(toUserDto);
}

export interface CreateUserInput {
  email: string;
  firstName: string;
  lastName: string;
  role: UserRole;
  password: string;
}

export async function createUser(db: DbOrTx, principal: Principal, input: CreateUserInput): Promise<UserDto> {
  requireAdmin(principal, 'add users');
  await assertEmailFree(db, input.email);
  try {
    const [row] = await db
      .insert(users)
      .values({ ...input, companyId: principal.companyId, passwordHash: await hashPassword(input.password) })
      .returning();
    return toUserDto(row!);
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError('conflict', `email: "${input.email}" is already registered`, 'email');
    throw error;
  }
}

export type UpdateUserInput = Partial<CreateUserInput>;

/**
 * Serializes every change that could leave a company without an admin. Without it the last-admin check was
 * check-then-act: two admins demoting (or removing) each other at once both saw "another admin remains" and
 * both committed. The lock is the company row, FOR NO KEY UPDATE: two such changes queue on it and the second
 * re-reads the admins after the first committed, while inserts that reference the company (records, users)
 * take only KEY SHARE locks and never wait on it.
 */
async function lockCompanyAdmins(tx: DbOrTx, companyId: string): Promise<void> {
  await tx.execute(sql`SELECT 1 FROM ${companies} WHERE ${companies.id} = ${companyId} FOR NO KEY UPDATE`);
}

async function assertAnotherAdminRemains(db: DbOrTx, principal: Principal, userId: string): Promise<void> {
  const [{ count } = { count: 0 }] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(users)
    .where(and(eq(users.companyId, principal.companyId), eq(users.role, 'admin'), sql`${users.id} <> ${userId}`));
  if (count === 0) throw new AppError('conflict', 'a company needs at least one admin; make another user admin first');
}

/**
 * A new password ends the user's other sessions (a stolen cookie stops working); the session making the change,
 * when it is the user's own, is kept. API keys are separate credentials, revoked on their own, and stay.
 */
export async function updateUser(db: DbOrTx, principal: Principal, id: string, input: UpdateUserInput): Promise<UserDto> {
  requireAdmin(principal, 'change users');
  await getUserOrThrow(db, principal, id);
  const { password, ...fields } = input;
  // Hashed before the transaction: ~50 ms of scrypt must not hold the company lock.
  const passwordHash = password !== undefined ? await hashPassword(password) : undefined;
  try {
    return await db.transaction(async (tx) => {
      if (input.role !== undefined) await lockCompanyAdmins(tx, principal.companyId);
      const current = await getUserOrThrow(tx, principal, id);
      if (input.email !== undefined) await assertEmailFree(tx, input.email, id);
      if (input.role === 'member' && current.role === 'admin') await assertAnotherAdminRemains(tx, principal, id);
      const [row] = await tx
        .update(users)
        .set({ ...fields, ...(passwordHash !== undefined ? { passwordHash } : {}), updatedAt: sql`now()` })
        .where(and(eq(users.id, id), eq(users.companyId, principal.companyId)))
        .returning();
      if (passwordHash !== undefined) await deleteOtherSessions(tx, id, principal.userId === id ? principal.sessionTokenHash : undefined);
      return toUserDto(row!);
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError('conflict', `email: "${input.email}" is already registered`, 'email');
    throw error;
  }
}

export async function deleteUser(db: DbOrTx, principal: Principal, id: string): Promise<void> {
  requireAdmin(principal, 'remove users');
  await db.transaction(async (tx) => {
    await lockCompanyAdmins(tx, principal.companyId);
    const current = await getUserOrThrow(tx, principal, id);
    if (current.role === 'admin') await assertAnotherAdminRemains(tx, principal, id);
    await tx.delete(users).where(and(eq(users.id, id), eq(users.companyId, principal.companyId)));
  });
}
