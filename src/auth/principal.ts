import { AppError } from '../errors.js';

export type UserRole = 'admin' | 'member';
export const USER_ROLES = ['admin', 'member'] as const;

/** Who is acting: every command receives one and scopes everything it reads or writes by `companyId`. */
export interface Principal {
  userId: string;
  companyId: string;
  role: UserRole;
  via: 'session' | 'api_key' | 'system';
  /** The SHA-256 of the session token when `via` is 'session': the session a password change keeps. */
  sessionTokenHash?: string;
}

export function requireAdmin(principal: Principal, action: string): void {
  if (principal.role !== 'admin') {
    throw new AppError('forbidden', `only admins can ${action}; your role is "${principal.role}"`);
  }
}
