// CSV import hardening: headers that are property names, enforced limits on size, columns and rows (checked
// while reading, before row work), all-or-nothing writes (records, events and deliveries), and the reader's
// grammar (quotes, line ends, BOM, delimiter) by table.
import { describe, expect, it } from 'vitest';
// The app first: it loads @hono/zod-openapi, whose zod extension the webhook schemas need.
import { createTestApp, type Tenant } from '../helpers/app.js';
import { createCustomColumn } from '../../src/crm/index.js';
import { IMPORT_MAX_COLUMNS, IMPORT_MAX_CSV_BYTES, IMPORT_MAX_ROWS, importRecords } from '../../src/crm/import/csv-import.js';
import { readCsv } from '../../src/crm/import/csv-reader.js';
import { MAX_EVENT_BODY_BYTES } from '../../src/events/body-limit.js';
import { AppError } from '../../src/errors.js';
import { expandCompanyFanout } from '../../src/delivery/fanout.js';
import { createWebhook } from '../../src/webhooks/webhooks.js';
import { principalOf } from './helpers.js';

const t = await createTestApp();
const db = t.ctx.db;

const post = (tenant: Tenant, path: string, body: unknown) => t.call('POST', path, { key: tenant.key, body });
const errorOf = async (response: Response) => ((await response.json()) as { error: { code: string; field?: string; message: string } }).error;

async function counts(companyId: string) {
  await expandCompanyFanout(t.ctx.db, companyId); // the log as every surface reads it
  const { rows } = await t.ctx.pool.query<{ records: number; events: number; deliveries: number }>(
    `SELECT (SELECT count(*)::int FROM records WHERE company_id = $1) AS records,
            (SELECT count(*)::int FROM events WHERE company_id = $1) AS events,
            (SELECT count(*)::int FROM webhook_deliveries WHERE company_id = $1) AS deliveries`,
    [companyId],
  );
  return rows[0]!;
}

describe('headers that are property names', () => {
  it('columns named constructor, __proto__ and toString import like any other, guessed or mapped', async () => {
    const tenant = await t.signup();
    const csv = 'constructor,__proto__,toString,First Name\nx,y,z,Ada\n';
    const guessed = await post(tenant, '/import/contacts', { csv });
    expect(guessed.status).toBe(200);
    expect(await guessed.json()).toMatchObject({ total: 1, valid: 1, created: 1, errors: [] });

    // A computed key is an own property: JSON.stringify sends it, as a browser's Object.fromEntries would.
    const mapping = { ['__proto__']: 'lastName', constructor: 'firstName', toString: null, 'First Name': null };
    const mapped = await post(tenant, '/import/contacts', { csv, mapping });
    expect(mapped.status).toBe(200);
    const { items } = (await (await t.call('GET', '/contacts?searchTerm=x', { key: tenant.key })).json()) as { items: Array<{ firstName: string; lastName: string }> };
    expect(items.map((c) => [c.firstName, c.lastName])).toEqual([['x', 'y']]);

    const unknown = await post(tenant, '/import/contacts', { csv, mapping: { ['__proto__']: 'title' } });
    expect(unknown.status).toBe(400);
    expect((await errorOf(unknown)).field).toBe('mapping.__proto__');
  });
});

describe('limits', () => {
  it(`more than ${IMPORT_MAX_COLUMNS} columns, in the header or in a row, is a 400 naming csv and the limit`, async () => {
    const tenant = await t.signup();
    const wide = await post(tenant, '/import/contacts', { csv: `${Array.from({ length: IMPORT_MAX_COLUMNS + 1 }, (_, i) => `c${i}`).join(',')}\nAda\n` });
    expect(wide.status).toBe(400);
    const error = await errorOf(wide);
    expect(error).toMatchObject({ code: 'validation_error', field: 'csv' });
    expect(error.message).toContain(`more than ${IMPORT_MAX_COLUMNS} columns`);

    const wideRow = await post(tenant, '/import/contacts', { csv: `First Name\nAda\n${','.repeat(IMPORT_MAX_COLUMNS)}\n` });
    expect(wideRow.status).toBe(400);
    expect((await errorOf(wideRow)).message).toContain('row 3 has more than');
    expect(await counts(tenant.companyId)).toMatchObject({ records: 0 });
  });

  it('a 1 MB header of a million empty columns is refused by the column limit, before any row is read', async () => {
    const tenant = await t.signup();
    // The header alone breaks the limit; the rows after it would be invalid CSV if the reader ever got there.
    const csv = `${','.repeat(1_000_000)}\n"never closed\n`;
    const error = (await importRecords(db, principalOf(tenant), 'contact', { csv }).catch((e: unknown) => e)) as AppError;
    expect(error).toBeInstanceOf(AppError);
    expect(error.field).toBe('csv');
    expect(error.message).toBe(`csv: the header row has more than ${IMPORT_MAX_COLUMNS} columns; an import takes at most ${IMPORT_MAX_COLUMNS}`);
  });

  it(`more than ${IMPORT_MAX_ROWS} rows is a 400 naming the limit; a larger file than ${IMPORT_MAX_CSV_BYTES} bytes is a 413`, async () => {
    const tenant = await t.signup();
    const rows = `Name\n${'Acme\n'.repeat(IMPORT_MAX_ROWS + 1)}`;
    const tooMany = await post(tenant, '/import/organizations', { csv: rows, dryRun: true });
    expect(tooMany.status).toBe(400);
    expect((await errorOf(tooMany)).message).toContain(`at most ${IMPORT_MAX_ROWS}`);
    const exactly = await post(tenant, '/import/organizations', { csv: `Name\n${'Acme\n'.repeat(IMPORT_MAX_ROWS)}`, dryRun: true });
    expect(await exactly.json()).toMatchObject({ total: IMPORT_MAX_ROWS, valid: IMPORT_MAX_ROWS, created: 0 });

    const big = (await importRecords(db, principalOf(tenant), 'organization', { csv: `Name\n${'x'.repeat(IMPORT_MAX_CSV_BYTES)}\n` }).catch((e: unknown) => e)) as AppError;
    expect(big).toMatchObject({ code: 'payload_too_large', status: 413, field: 'csv' });
    expect(big.message).toContain(String(IMPORT_MAX_CSV_BYTES));
  });
});

describe('all or nothing', () => {
  it('a row that fails in the last batch leaves no record, event or delivery; the corrected file then imports once', async () => {
    const tenant = await t.signup();
    const principal = principalOf(tenant);
    await createWebhook(t.ctx, principal, { url: 'https://hooks.example.com/crm', events: ['contact.created'] }, { resolve: async () => [{ address: '93.184.216.34', family: 4 }] });
    // 105 text columns of 10 000 characters make one contact's created event larger than the event bound.
    const columns: Array<{ id: string; name: string }> = [];
    for (let i = 0; i < 105; i++) columns.push(await createCustomColumn(db, principal, { entityType: 'contact', name: `Long ${i}`, type: 'text' }));
    const header = ['First Name', ...columns.map((c) => c.name)].join(',');
    const good = Array.from({ length: 250 }, (_, i) => `Person ${i}${','.repeat(columns.length)}`);
    const heavy = `Heavy,${columns.map(() => 'x'.repeat(10_000)).join(',')}`;
    const before = await counts(tenant.companyId);

    // Rows 2–251 are fine; row 252 is the last batch's (the third of 100).
    const dry = await importRecords(db, principal, 'contact', { csv: [header, ...good, heavy].join('\n'), dryRun: true });
    expect(dry).toMatchObject({ total: 251, valid: 251, errors: [] });
    const failed = (await importRecords(db, principal, 'contact', { csv: [header, ...good, heavy].join('\n') }).catch((e: unknown) => e)) as AppError;
    expect(failed).toBeInstanceOf(AppError);
    expect(failed).toMatchObject({ code: 'event_too_large', status: 413, field: 'customFieldValues' });
    expect(failed.message).toMatch(/^row 252: /);
    expect(failed.message).toContain(String(MAX_EVENT_BODY_BYTES));
    expect(failed.message).toContain('nothing was imported');
    expect(await counts(tenant.companyId)).toEqual(before);

    const retried = await importRecords(db, principal, 'contact', { csv: [header, ...good].join('\n') });
    expect(retried).toMatchObject({ total: 250, created: 250 });
    expect(await counts(tenant.companyId)).toEqual({ records: 250, events: before.events + 250, deliveries: before.deliveries + 250 });
  }, 120_000);
});

describe('the reader', () => {
  const limits = { maxColumns: 10, maxRows: 10 };
  it.each([
    ['plain, LF', 'a,b\n1,2\n', [['a', 'b'], ['1', '2']]],
    ['CRLF and a missing final line end', 'a,b\r\n1,2', [['a', 'b'], ['1', '2']]],
    ['lone CR', 'a,b\r1,2\r', [['a', 'b'], ['1', '2']]],
    ['BOM, blank lines skipped', '\uFEFFa,b\n\n1,2\n\n', [['a', 'b'], ['1', '2']]],
    ['quotes: delimiter, line end and "" inside', 'a,b\n"x, y","say ""hi""\nthere"\n', [['a', 'b'], ['x, y', 'say "hi"\nthere']]],
    ['trimmed around values and quotes', ' a , "b" \n 1 ,2\n', [['a', 'b'], ['1', '2']]],
    ['empty cells and a trailing delimiter', 'a,b,c\n1,,\n', [['a', 'b', 'c'], ['1', '', '']]],
    ['semicolons, as the header shows', 'a;b\n1,5;2\n', [['a', 'b'], ['1,5', '2']]],
    ['tabs', 'a\tb\n1\t2\n', [['a', 'b'], ['1', '2']]],
  ])('%s', async (_, text, expected) => {
    const { headers, rows } = await readCsv(text, limits);
    expect([headers, ...rows]).toEqual(expected);
  });

  it.each([
    ['an unclosed quote, with its line', 'a\n1\n"open\n', 'the quote opened on line 3 is never closed'],
    ['text after a closing quote', 'a\n"x"y\n', 'unexpected text after a closing quote on line 2'],
    ['no header row', '\n\n', 'needs a header row'],
    ['too many rows', `a\n${'1\n'.repeat(11)}`, 'more than 10 rows'],
  ])('refuses %s', async (_, text, message) => {
    await expect(readCsv(text, limits)).rejects.toMatchObject({ field: 'csv', message: expect.stringContaining(message) });
  });
});
