// The two guards behind the fuzz properties, by table: the input guard (src/validation.ts) that every surface
// runs before its schemas, and the last-line mapping of PostgreSQL data errors to 400 (src/errors.ts), fed
// errors from a real PostgreSQL.
import { describe, expect, it } from 'vitest';
import { fromDatabaseError } from '../../src/errors.js';
import { findUnstorableInput, MAX_JSON_DEPTH, storableDateTime } from '../../src/validation.js';
import { createTestDatabase } from '../helpers/db.js';

const database = await createTestDatabase();

function nestedArrays(depth: number): unknown {
  return JSON.parse('['.repeat(depth) + ']'.repeat(depth));
}

describe('findUnstorableInput', () => {
  it.each([
    ['plain text', { firstName: 'Ada', emails: ['ada@example.com'], n: 1, ok: true, none: null }, null],
    ['a surrogate pair (an emoji)', { name: 'Ada 🏳️‍🌈' }, null],
    ['NUL in a field', { firstName: 'Ada\u0000' }, { field: 'firstName', message: 'firstName: must not contain the NUL character (\\u0000)' }],
    ['NUL in an array item', { contacts: [{}, { emails: ['a\u0000'] }] }, { field: 'contacts.1.emails.0' }],
    ['a lone high surrogate', { lastName: 'x\ud800' }, { field: 'lastName', message: 'lastName: must be valid Unicode text; it holds a lone surrogate (\\ud800)' }],
    ['a lone low surrogate', { lastName: '\udc00x' }, { field: 'lastName' }],
    ['reversed surrogates', { lastName: '\udc00\ud800' }, { field: 'lastName' }],
    ['NUL in a property name', { notes: { attrs: { 'k\u0000': 1 } } }, { field: 'notes.attrs.k\\u0000' }],
    ['a top-level string', '\u0000', { message: 'must not contain the NUL character (\\u0000)' }],
  ])('%s', (_name, input, expected) => {
    const found = findUnstorableInput(input);
    if (expected === null) expect(found).toBeNull();
    else expect(found).toMatchObject(expected);
  });

  it(`allows ${MAX_JSON_DEPTH} levels of nesting and refuses one more, naming where`, () => {
    expect(findUnstorableInput({ notes: nestedArrays(MAX_JSON_DEPTH - 1) })).toBeNull();
    expect(findUnstorableInput({ notes: nestedArrays(MAX_JSON_DEPTH) })).toMatchObject({ field: `notes${'.0'.repeat(MAX_JSON_DEPTH - 1)}` });
  });

  it('walks 100 000 levels without overflowing the stack', () => {
    expect(findUnstorableInput(nestedArrays(100_000))?.message).toMatch(/nests deeper than 100 levels/);
  });

  it('prefixes the path with the base (a query parameter name)', () => {
    expect(findUnstorableInput('%\u0000', 'searchTerm')).toMatchObject({ field: 'searchTerm' });
  });
});

describe('storableDateTime', () => {
  it('takes years 0001–9999 as instants in UTC, whatever the offset they are written with', () => {
    const accepts = (value: string) => storableDateTime().safeParse(value).success;
    expect(accepts('0001-01-01T00:00:00Z')).toBe(true);
    expect(accepts('9999-12-31T23:59:59Z')).toBe(true);
    expect(accepts('0001-01-01T00:30:00-01:00')).toBe(true);
    expect(accepts('0000-06-01T00:00:00Z')).toBe(false);
    expect(accepts('0001-01-01T00:30:00+01:00')).toBe(false); // 0000-12-31T23:30Z
    expect(accepts('9999-12-31T23:30:00-01:00')).toBe(false); // 10000-01-01T00:30Z
  });
});

describe('fromDatabaseError: data PostgreSQL cannot hold is a 400', () => {
  it.each([
    ['NUL in JSON text', `SELECT '"\\u0000"'::jsonb`, /cannot be stored, such as NUL/],
    ['year 0000', `SELECT '0000-01-01'::date`, /years 0001–9999/],
    ['a timestamp out of range', `SELECT '0000-01-01T00:00:00Z'::timestamptz`, /years 0001–9999/],
    ['a number out of range', `SELECT 1e400::numeric::float8`, /outside the range/],
    ['malformed input for a type', `SELECT 'x'::int`, /not in a form/],
    ['a lone surrogate in JSON', `SELECT '"\\ud800"'::jsonb`, /lone Unicode surrogate/],
    ['nesting beyond the stack', `SELECT (repeat('[', 1000000) || repeat(']', 1000000))::jsonb`, /nested too deeply/],
  ])('%s', async (_name, sql, message) => {
    const error = await database.pool.query(sql).catch((e: unknown) => e);
    const mapped = fromDatabaseError(error);
    expect(mapped, String(error)).toMatchObject({ code: 'validation_error', status: 400 });
    expect(mapped!.message).toMatch(message);
  });

  it('a bug in our own SQL stays unmapped (a 500 with its details in the log)', async () => {
    const error = await database.pool.query('SELECT no_such_column FROM pg_class').catch((e: unknown) => e);
    expect(fromDatabaseError(error)).toBeNull();
  });
});
