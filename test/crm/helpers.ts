// Shared by the CRM tests: a principal for a signed-up tenant and the events it published, parsed from the
// exact envelope text in the outbox.
import { asc, eq, sql } from 'drizzle-orm';
import type { Principal } from '../../src/auth/principal.js';
import type { Db } from '../../src/db/pool.js';
import { events } from '../../src/db/schema/index.js';
import type { Tenant } from '../helpers/app.js';

export function principalOf(tenant: Tenant): Principal {
  return { userId: tenant.userId, companyId: tenant.companyId, role: 'admin', via: 'api_key' };
}

export interface ParsedEvent {
  event: string;
  data: { userId: string | null; companyId: string; entityId: string; payload: Record<string, any> };
  timestamp: string;
}

/** Returns the events published since the last call for this company, in publication order. */
export function eventReader(db: Db, companyId: string) {
  let seen = 0;
  return async function newEvents(): Promise<ParsedEvent[]> {
    // Events of one write share created_at; ctid keeps their insertion order in a fresh test database.
    const rows = await db.select({ body: events.body }).from(events).where(eq(events.companyId, companyId)).orderBy(asc(events.createdAt), sql`ctid`);
    const fresh = rows.slice(seen);
    seen = rows.length;
    return fresh.map((row) => JSON.parse(row.body) as ParsedEvent);
  };
}

export const summary = (list: ParsedEvent[]) => list.map((e) => `${e.event} ${e.data.entityId}`);
