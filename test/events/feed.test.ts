// The event feed (spec §9): GET /events and MCP list_events. Every event of the company exactly once, in one
// stable order, while writers commit concurrently and out of order; cursors, filters and errors; REST and MCP
// agree.
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createRecord, createRecords, updateRecord } from '../../src/crm/index.js';
import { decodeCursor, encodeCursor } from '../../src/events/feed.js';
import { createTestApp, type Tenant } from '../helpers/app.js';
import { listen } from '../helpers/http-server.js';
import { connectMcp } from '../helpers/mcp.js';
import { principalOf } from '../crm/helpers.js';

const t = await createTestApp({ WEBHOOK_ALLOW_PRIVATE: '127.0.0.1/32' });
const baseUrl = await listen(t);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const db = t.ctx.db;

interface FeedItem {
  id: string;
  event: string;
  entityId: string;
  recordVersion: number | null;
  timestamp: string;
  envelope: any;
}
interface FeedPage {
  items: FeedItem[];
  nextCursor: string;
}

async function page(tenant: Tenant, query: Record<string, string | number> = {}): Promise<FeedPage> {
  const response = await t.call('GET', `/events?${new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]))}`, { key: tenant.key });
  if (response.status !== 200) throw new Error(`feed answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as FeedPage;
}

/**
 * Pages until `ready` holds. A committed event shows only once every transaction that was open when it was
 * written has ended — on the whole PostgreSQL server, so other test files' transactions can delay it a little.
 */
async function pageWhen(tenant: Tenant, query: Record<string, string | number>, ready: (p: FeedPage) => boolean, timeoutMs = 20_000): Promise<FeedPage> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const result = await page(tenant, query);
    if (ready(result)) return result;
    if (Date.now() > until) throw new Error(`the feed did not show the expected events: ${JSON.stringify(result.items.map((i) => i.event))}`);
    await sleep(20);
  }
}

async function eventIdsOf(companyId: string): Promise<string[]> {
  const { rows } = await t.ctx.pool.query<{ id: string }>('SELECT id FROM events WHERE company_id = $1', [companyId]);
  return rows.map((r) => r.id);
}


describe('exactly once under concurrent writers', () => {
  it('8 writers commit out of order while a reader pages with small limits: every event once, per record in version order', async () => {
    const tenant = await t.signup();
    const other = await t.signup();
    const principal = principalOf(tenant);
    const hub = await createRecord(db, principal, 'organization', { name: 'Hub' });
    const WRITERS = 8;
    const ROUNDS = 12;
    let running = WRITERS + 1;
    const failures: unknown[] = [];

    // Each round is one transaction that writes and then stays open for a random while, so transactions that
    // took their ids first often commit last: exactly the case a sequence-ordered cursor would skip.
    const writer = async (w: number, who: Tenant) => {
      const p = principalOf(who);
      const mine: string[] = [];
      try {
        for (let round = 0; round < ROUNDS; round++) {
          await db.transaction(async (tx) => {
            if (round % 3 === 0 || mine.length === 0) {
              const created = await createRecords(tx, p, 'contact', [{ firstName: `w${w}`, lastName: `r${round}`, ...(who === tenant ? { organizationIds: [hub.id] } : {}) }, { firstName: `w${w}b` }]);
              mine.push(...created.map((c) => c.id));
            } else {
              await updateRecord(tx, p, 'contact', mine[round % mine.length]!, { lastName: `r${round}` });
            }
            await tx.execute(sql`SELECT pg_sleep(${Math.random() * 0.03})`);
          });
        }
      } catch (error) {
        failures.push(error);
      } finally {
        running--;
      }
    };

    const seen: FeedItem[] = [];
    let cursor: string | undefined;
    let lateArrivals = 0; // events the feed lists after one with a higher sequence number
    let highestSeq = 0n;
    const reader = async () => {
      const until = Date.now() + 60_000;
      for (;;) {
        // Done when the writers have finished and the feed has shown as many events as the table holds (events
        // of transactions elsewhere on the server may still be held back for a moment after the writers end).
        const done = running === 0 && seen.length >= (await eventIdsOf(tenant.companyId)).length;
        if (done || Date.now() > until) return;
        const result = await page(tenant, { limit: 7, ...(cursor ? { after: cursor } : {}) });
        expect(result.nextCursor).toEqual(expect.any(String));
        if (result.items.length === 0 && cursor) expect(result.nextCursor).toBe(cursor);
        for (const item of result.items) {
          const { rows } = await t.ctx.pool.query<{ seq: string }>('SELECT seq::text AS seq FROM events WHERE id = $1', [item.id]);
          const seq = BigInt(rows[0]!.seq);
          if (seq < highestSeq) lateArrivals++;
          if (seq > highestSeq) highestSeq = seq;
        }
        seen.push(...result.items);
        cursor = result.nextCursor;
        if (result.items.length === 0) await sleep(5);
      }
    };

    await Promise.all([reader(), ...Array.from({ length: WRITERS }, (_, w) => writer(w, tenant)), writer(99, other)]);
    expect(failures).toEqual([]);

    expect((await page(tenant, { after: cursor! })).items).toEqual([]); // nothing beyond what the table holds
    const ids = seen.map((item) => item.id);
    expect(new Set(ids).size).toBe(ids.length); // nothing twice
    const stored = await eventIdsOf(tenant.companyId);
    expect(stored.length).toBeGreaterThan(WRITERS * ROUNDS);
    expect([...ids].sort()).toEqual([...stored].sort()); // nothing missed, nothing of the other company
    // Writers took their transaction ids and their sequence numbers in different orders, so a reader paging by
    // sequence number would have had to go back for these events (removing the xmin bound makes this test miss
    // about half of them).
    expect(lateArrivals).toBeGreaterThan(0);

    // Per record, the feed's order is record-version order, 1..n without gaps (the hub took a link from each writer).
    const byRecord = new Map<string, number[]>();
    for (const item of seen) byRecord.set(item.entityId, [...(byRecord.get(item.entityId) ?? []), item.recordVersion!]);
    for (const [, list] of byRecord) expect(list).toEqual(list.map((_, i) => i + 1));
    expect(byRecord.get(hub.id)!.length).toBeGreaterThan(WRITERS);

    // Read again from the start: the same events in the same order.
    const again: string[] = [];
    let after: string | undefined;
    for (;;) {
      const result = await page(tenant, { limit: 1000, ...(after ? { after } : {}) });
      if (result.items.length === 0) break;
      again.push(...result.items.map((i) => i.id));
      after = result.nextCursor;
    }
    expect(again).toEqual(ids);
  }, 90_000);

  it('holds back events behind a transaction still open, then shows both in position order', async () => {
    const tenant = await t.signup();
    const principal = principalOf(tenant);
    const { nextCursor: start } = await page(tenant, { after: 'latest' });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let wrote!: () => void;
    const written = new Promise<void>((resolve) => (wrote = resolve));
    let slowId = '';
    const slow = db.transaction(async (tx) => {
      slowId = (await createRecord(tx, principal, 'task', { name: 'slow' })).id;
      wrote();
      await gate;
    });
    await written;
    const fast = await createRecord(db, principal, 'task', { name: 'fast' }); // commits first, numbered later
    const held = await page(tenant, { after: start });
    expect(held).toEqual({ items: [], nextCursor: start });
    release();
    await slow;
    const both = await pageWhen(tenant, { after: start }, (p) => p.items.length >= 2);
    expect(both.items.map((i) => i.entityId)).toEqual([slowId, fast.id]);
  });
});

describe('GET /events', () => {
  it('pages from the beginning with the envelope webhooks receive; filters by types; latest; tenant-scoped; members may read', async () => {
    const tenant = await t.signup();
    const other = await t.signup();
    const principal = principalOf(tenant);
    const org = await createRecord(db, principal, 'organization', { name: 'Acme' });
    const contact = await createRecord(db, principal, 'contact', { firstName: 'Max', organizationIds: [org.id] });
    await updateRecord(db, principal, 'contact', contact.id, { lastName: 'M' });

    const all = await pageWhen(tenant, {}, (p) => p.items.length >= 4);
    expect(all.items.map((i) => `${i.event} ${i.recordVersion}`)).toEqual([
      'organization.created 1',
      'contact.created 1',
      'organization.updated 2',
      'contact.updated 2',
    ]);
    const { rows } = await t.ctx.pool.query<{ id: string; body: string; created_at: Date }>('SELECT id, body, created_at FROM events WHERE company_id = $1', [tenant.companyId]);
    for (const item of all.items) {
      const row = rows.find((r) => r.id === item.id)!;
      expect(Object.keys(item)).toEqual(['id', 'event', 'entityId', 'recordVersion', 'timestamp', 'envelope']);
      expect(JSON.stringify(item.envelope)).toBe(row.body); // the exact JSON, key order included
      expect(item.timestamp).toBe(item.envelope.timestamp);
      expect(item.entityId).toBe(item.envelope.data.entityId);
    }

    const two = await page(tenant, { limit: 2 });
    expect(two.items.map((i) => i.id)).toEqual(all.items.slice(0, 2).map((i) => i.id));
    const rest = await page(tenant, { limit: 2, after: two.nextCursor });
    expect(rest.items.map((i) => i.id)).toEqual(all.items.slice(2).map((i) => i.id));
    const empty = await page(tenant, { after: rest.nextCursor });
    expect(empty).toEqual({ items: [], nextCursor: rest.nextCursor });

    const contactsOnly = await page(tenant, { types: 'contact.created, contact.updated' });
    expect(contactsOnly.items.map((i) => i.event)).toEqual(['contact.created', 'contact.updated']);

    const latest = await page(tenant, { after: 'latest' });
    expect(latest.items).toEqual([]);
    const task = await createRecord(db, principal, 'task', { name: 'next' });
    expect((await pageWhen(tenant, { after: latest.nextCursor }, (p) => p.items.length > 0)).items.map((i) => i.entityId)).toEqual([task.id]);

    expect((await page(other)).items).toEqual([]);
    const noKey = await t.call('GET', '/events');
    expect(noKey.status).toBe(401);

    const email = `member-${tenant.userId}@example.com`;
    await t.call('POST', '/users', { key: tenant.key, body: { email, firstName: 'Mem', lastName: 'Ber', role: 'member', password: 'member-password-1' } });
    const login = await t.call('POST', '/auth/login', { body: { email, password: 'member-password-1' } });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const asMember = await t.call('GET', '/events?limit=1', { cookie });
    expect(asMember.status).toBe(200);
    expect(((await asMember.json()) as FeedPage).items.map((i) => i.id)).toEqual([all.items[0]!.id]);
  });

  it('lists record events only: a webhook.test event sent to one webhook is not in the feed', async () => {
    const tenant = await t.signup();
    const hook = await t.call('POST', '/webhooks', { key: tenant.key, body: { url: 'https://127.0.0.1:9/feed', events: ['task.created'] } });
    expect(hook.status).toBe(201);
    const { id } = (await hook.json()) as { id: string };
    expect((await t.call('POST', `/webhooks/${id}/test`, { key: tenant.key })).status).toBe(201);
    const task = await createRecord(db, principalOf(tenant), 'task', { name: 'after the test event' });
    expect((await pageWhen(tenant, {}, (p) => p.items.length > 0)).items.map((i) => i.entityId)).toEqual([task.id]);
  });

  it('bad input is a 400 naming the field', async () => {
    const tenant = await t.signup();
    const cases: Array<[string, string]> = [
      ['after=not-a-cursor', 'after'],
      [`after=${Buffer.from('12.x').toString('base64url')}`, 'after'],
      [`after=${Buffer.from('99999999999999999999999.1').toString('base64url')}`, 'after'],
      ['types=contact.created,contact.exploded', 'types'],
      ['types=', 'types'],
      ['limit=0', 'limit'],
      ['limit=1001', 'limit'],
      ['limit=ten', 'limit'],
    ];
    for (const [query, field] of cases) {
      const response = await t.call('GET', `/events?${query}`, { key: tenant.key });
      expect(response.status, query).toBe(400);
      const body = (await response.json()) as { error: { field: string; message: string } };
      expect(body.error.field, query).toBe(field);
    }
    const unknown = (await (await t.call('GET', '/events?types=contact.exploded', { key: tenant.key })).json()) as { error: { message: string } };
    expect(unknown.error.message).toContain('contact.created');
  });

  it('a cursor from before deleted events answers 410; later cursors and the beginning still work', async () => {
    const tenant = await t.signup();
    const principal = principalOf(tenant);
    for (let i = 0; i < 4; i++) await createRecord(db, principal, 'service', { name: `S${i}`, amount: 10 + i });
    await pageWhen(tenant, {}, (p) => p.items.length >= 4);
    const first = await page(tenant, { limit: 1 });
    const three = await page(tenant, { limit: 3 });
    // Retention deletes the two oldest events.
    await t.ctx.pool.query('DELETE FROM events WHERE id = ANY($1::uuid[])', [three.items.slice(0, 2).map((i) => i.id)]);

    for (const after of [first.nextCursor, encodeCursor({ xid: '0', seq: '0' })]) {
      const gone = await t.call('GET', `/events?after=${after}`, { key: tenant.key });
      expect(gone.status).toBe(410);
      const body = (await gone.json()) as { error: { code: string; field: string; message: string } };
      expect(body.error).toMatchObject({ code: 'gone', field: 'after' });
      expect(body.error.message).toMatch(/deleted/);
    }
    expect((await page(tenant, { after: three.nextCursor })).items.map((i) => i.id)).toHaveLength(1);
    expect((await page(tenant)).items.map((i) => i.id)).toEqual([three.items[2]!.id, ...(await page(tenant, { after: three.nextCursor })).items.map((i) => i.id)]);
    // Another company's deletions do not touch this company's cursors.
    const other = await t.signup();
    await createRecord(db, principalOf(other), 'task', { name: 'x' });
    expect((await t.call('GET', `/events?after=${encodeCursor({ xid: '0', seq: '0' })}`, { key: other.key })).status).toBe(200);
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await (await t.call('GET', '/openapi.json')).json()) as { paths: Record<string, any> };
    const get = doc.paths['/events']!.get;
    expect(Object.keys(get.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '410']));
    expect(get.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['after', 'limit', 'types']);
  });
});

describe('cursors', () => {
  it('round-trip and refuse anything else', () => {
    const position = { xid: '18446744073709551615', seq: '9223372036854775807' };
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
    expect(decodeCursor(encodeCursor({ xid: '0', seq: '0' }))).toEqual({ xid: '0', seq: '0' });
    for (const bad of ['', 'latest', '%%%', Buffer.from('1.2.3').toString('base64url'), Buffer.from('01.2').toString('base64url'), Buffer.from('18446744073709551616.1').toString('base64url'), Buffer.from('-1.2').toString('base64url')]) {
      expect(decodeCursor(bad), bad).toBeNull();
    }
  });
});

describe('MCP list_events', () => {
  it('answers what REST answers, page by page, and refuses bad input naming the field', async () => {
    const tenant = await t.signup();
    const principal = principalOf(tenant);
    const mcp = await connectMcp(baseUrl, tenant.key);
    await createRecords(db, principal, 'deal', [{ name: 'A' }, { name: 'B' }, { name: 'C' }]);
    await createRecord(db, principal, 'task', { name: 'T' });

    await pageWhen(tenant, {}, (p) => p.items.length >= 4);
    let restCursor: string | undefined;
    let mcpCursor: string | undefined;
    for (let i = 0; i < 3; i++) {
      const rest = await page(tenant, { limit: 2, types: 'deal.created,task.created', ...(restCursor ? { after: restCursor } : {}) });
      const tool = await mcp.call('list_events', { limit: 2, types: ['deal.created', 'task.created'], ...(mcpCursor ? { after: mcpCursor } : {}) });
      expect(tool.isError).toBeFalsy();
      expect(tool.structuredContent).toEqual(rest);
      restCursor = rest.nextCursor;
      mcpCursor = tool.structuredContent.nextCursor;
    }
    expect((await mcp.call('list_events', { types: ['task.created'] })).structuredContent.items).toHaveLength(1);

    const badCursor = await mcp.call('list_events', { after: 'nope' });
    expect(badCursor.isError).toBe(true);
    expect(badCursor.text).toContain('after');
    const badType = await mcp.call('list_events', { types: ['deal.won'] });
    expect(badType.isError).toBe(true);
    expect(badType.text).toMatch(/types.*deal\.won/);
    const badLimit = await mcp.call('list_events', { limit: 5000 });
    expect(badLimit.isError).toBe(true);
    expect(badLimit.text).toContain('limit');
  });
});
