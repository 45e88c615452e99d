// Companies and users. Every lookup is scoped by company: another company's user id is "not found".
import { and, asc, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/pool.js';
import { companies, users } from '../db/schema/index.js';
import { AppError, isUniqueViolation, notFound } from '../errors.js';
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from './passwords.js';
import { requireAdmin, type Principal, type UserRole } from './principal.js';

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

async function assertAnotherAdminRemains(db: DbOrTx, principal: Principal, userId: string): Promise<void> {
  const [{ count } = { count: 0 }] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(users)
    .where(and(eq(users.companyId, principal.companyId), eq(users.role, 'admin'), sql`${users.id} <> ${userId}`));
  if (count === 0) throw new AppError('conflict', 'a company needs at least one admin; make another user admin first');
}

export async function updateUser(db: DbOrTx, principal: Principal, id: string, input: UpdateUserInput): Promise<UserDto> {
  requireAdmin(principal, 'change users');
  const current = await getUserOrThrow(db, principal, id);
  if (input.email !== undefined) await assertEmailFree(db, input.email, id);
  if (input.role === 'member' && current.role === 'admin') await assertAnotherAdminRemains(db, principal, id);
  const { password, ...fields } = input;
  const [row] = await db
    .update(users)
    .set({ ...fields, ...(password !== undefined ? { passwordHash: await hashPassword(password) } : {}), updatedAt: sql`now()` })
    .where(and(eq(users.id, id), eq(users.companyId, principal.companyId)))
    .returning();
  return toUserDto(row!);
}

export async function deleteUser(db: DbOrTx, principal: Principal, id: string): Promise<void> {
  requireAdmin(principal, 'remove users');
  const current = await getUserOrThrow(db, principal, id);
  if (current.role === 'admin') await assertAnotherAdminRemains(db, principal, id);
  await db.delete(users).where(and(eq(users.id, id), eq(users.companyId, principal.companyId)));
}
