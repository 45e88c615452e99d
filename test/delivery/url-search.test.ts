// Delivery-log search by url after url changes and deletions (migration 0015: urls are matched against every url
// each webhook has had, then the log is read per matching url). Every search is checked against an oracle: the
// company's whole log, listed without a search and filtered here by the spec's rule (case-insensitive substring
// of url or event name), so totals, membership, newest-first order and pages must all agree.
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Tenant } from '../helpers/app.js';
import { ALLOW_RECEIVER, createWebhook, expandWrites, json, publishContacts } from './fixtures.js';

const t = await createTestApp(ALLOW_RECEIVER);
let tenant: Tenant;
let other: Tenant;
let first: any;
let gone: any;
let contactSync: any;
let twin: any;
const FIRST_URL = 'https://127.0.0.1:9/first-endpoint';
const SECOND_URL = 'https://127.0.0.1:9/rate_100%25/Second';

async function list(query: string, key = tenant.key) {
  const response = await t.call('GET', `/webhook-deliveries${query}`, { key });
  expect(response.status, await response.clone().text()).toBe(200);
  return json(response);
}

/** The company's whole log, newest first, read page by page without a search. */
async function wholeLog(key = tenant.key, filters = ''): Promise<any[]> {
  const items: any[] = [];
  for (let page = 1; ; page++) {
    const got = await list(`?pageSize=100&page=${page}${filters}`, key);
    items.push(...got.items);
    if (got.items.length < 100) return items;
  }
}

const matches = (term: string) => (d: any) => d.url.toLowerCase().includes(term.toLowerCase()) || d.event.includes(term.toLowerCase());

beforeAll(async () => {
  tenant = await t.signup();
  other = await t.signup();
  first = await createWebhook(t, tenant, { url: FIRST_URL, events: ['contact.created', 'contact.updated'] });
  // Three writes under the first url, then the url changes and three more writes go to the second.
  for (let i = 0; i < 3; i++) await publishContacts(t, tenant, 4);
  await expandWrites(t); // a worker turns them into deliveries before the url changes (their url is the one of that moment)
  const patched = await t.call('PATCH', `/webhooks/${first.id}`, { key: tenant.key, body: { url: SECOND_URL } });
  expect(patched.status).toBe(200);
  gone = await createWebhook(t, tenant, { url: 'https://127.0.0.1:9/gone-endpoint', events: ['contact.created'] });
  contactSync = await createWebhook(t, tenant, { url: 'https://127.0.0.1:9/contact-sync', events: ['contact.updated', 'deal.created'] });
  for (let i = 0; i < 3; i++) await publishContacts(t, tenant, 5);
  await publishContacts(t, tenant, 3, 'contact.updated');
  await publishContacts(t, tenant, 2, 'deal.created');
  expect((await t.call('DELETE', `/webhooks/${gone.id}`, { key: tenant.key })).status).toBe(204);
  // A new webhook with the deleted one's url: one url, two webhooks.
  twin = await createWebhook(t, tenant, { url: 'https://127.0.0.1:9/gone-endpoint', events: ['contact.created'] });
  await publishContacts(t, tenant, 1);
  // Another company with the same first url and its own deliveries.
  await createWebhook(t, other, { url: FIRST_URL, events: ['contact.created'] });
  await publishContacts(t, other, 6);
});

describe('searching the delivery log by url', () => {
  it('sets up a log with two urls for one webhook, a deleted webhook, a url two webhooks had and a url that names an event', async () => {
    const log = await wholeLog();
    expect(log.filter((d) => d.webhookId === first.id && d.url === FIRST_URL)).toHaveLength(12);
    expect(log.filter((d) => d.webhookId === first.id && d.url === SECOND_URL)).toHaveLength(19);
    expect(log.filter((d) => d.webhookId === gone.id)).toHaveLength(15);
    expect(log.filter((d) => d.webhookId === contactSync.id)).toHaveLength(5);
    expect(log.filter((d) => d.webhookId === twin.id)).toHaveLength(1);
  });

  it.each([
    'first-endpoint', // the webhook's old url only
    'FIRST', // case-insensitive
    'second', // its current url only
    '127.0.0.1', // every url: one webhook's two urls merged with the others, over two pages
    'gone-endpoint', // a deleted webhook's deliveries and those of a new webhook with its url
    'rate_100%', // LIKE metacharacters matched literally
    '%',
    '_',
    'e_d', // as a pattern it would match "end" in every url but the second
    '%2',
    'contact', // a url (contact-sync) and three event names: rows matching both count once
    'contact-sync',
    'deal.created', // an event name only
    'no-such-endpoint',
  ])('"%s" finds exactly the rows whose url or event name contains it, newest first, in pages', async (term) => {
    const expected = (await wholeLog()).filter(matches(term)).map((d) => d.id);
    const q = `?searchTerm=${encodeURIComponent(term)}`;
    const page1 = await list(q);
    expect(page1).toMatchObject({ total: expected.length, totalCapped: false });
    expect(page1.items.map((d: any) => d.id)).toEqual(expected.slice(0, 25));
    const page2 = await list(`${q}&page=2`);
    expect(page2.items.map((d: any) => d.id)).toEqual(expected.slice(25, 50));
    const big = await list(`${q}&pageSize=100`);
    expect(big.items.map((d: any) => d.id)).toEqual(expected);
  });

  it('combines with the other filters', async () => {
    const log = await wholeLog();
    const newest = log[0].createdAt;
    const middle = log[Math.floor(log.length / 2)].createdAt;
    const cases: Array<[string, string, (d: any) => boolean]> = [
      ['127.0.0.1', `&webhookId=${first.id}`, (d) => d.webhookId === first.id],
      ['first-endpoint', `&webhookId=${gone.id}`, () => false],
      ['endpoint', '&event=contact.created', (d) => d.event === 'contact.created'],
      ['contact', `&webhookId=${contactSync.id}`, (d) => d.webhookId === contactSync.id],
      ['contact', '&event=deal.created', (d) => d.event === 'deal.created'],
      ['127.0.0.1', '&status=pending', (d) => d.status === 'pending'],
      ['endpoint', '&status=failed', (d) => d.status === 'failed'], // the deleted webhook's queued rows failed
      ['127.0.0.1', `&from=${encodeURIComponent(middle)}`, (d) => d.createdAt >= middle],
      ['127.0.0.1', `&to=${encodeURIComponent(middle)}&from=${encodeURIComponent(log[log.length - 1].createdAt)}`, (d) => d.createdAt < middle],
      ['second', `&to=${encodeURIComponent(newest)}`, (d) => d.createdAt < newest],
      ['contact', `&entityId=${log[0].entityId}`, (d) => d.entityId === log[0].entityId],
    ];
    for (const [term, filters, keep] of cases) {
      const expected = log.filter(matches(term)).filter(keep).map((d) => d.id);
      const page = await list(`?pageSize=100&searchTerm=${encodeURIComponent(term)}${filters}`);
      expect({ term, filters, total: page.total, ids: page.items.map((d: any) => d.id) }).toEqual({ term, filters, total: expected.length, ids: expected });
    }
  });

  it('finds only the company’s own deliveries, even for a url both companies use', async () => {
    const mine = await list('?pageSize=100&searchTerm=first-endpoint');
    const theirs = await list('?pageSize=100&searchTerm=first-endpoint', other.key);
    expect(mine.total).toBe(12);
    expect(theirs.total).toBe(6);
    expect(theirs.items.every((d: any) => d.url === FIRST_URL && d.webhookId !== first.id)).toBe(true);
    expect(mine.items.map((d: any) => d.id).filter((id: string) => theirs.items.some((d: any) => d.id === id))).toEqual([]);
    expect((await list('?searchTerm=gone', other.key)).total).toBe(0);
  });

  it('deleting a company removes the urls its webhooks had', async () => {
    const doomed = await t.signup();
    await createWebhook(t, doomed, { url: 'https://127.0.0.1:9/doomed', events: ['contact.created'] });
    const count = async () => (await t.ctx.pool.query(`SELECT count(*)::int AS n FROM webhook_urls WHERE company_id = $1`, [doomed.companyId])).rows[0].n;
    expect(await count()).toBe(1);
    await t.ctx.pool.query(`DELETE FROM companies WHERE id = $1`, [doomed.companyId]);
    expect(await count()).toBe(0);
  });
});
