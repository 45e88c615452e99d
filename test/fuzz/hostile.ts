// Hostile values, beyond any schema: strings PostgreSQL cannot store (NUL, lone surrogates), dates outside
// what PostgreSQL and JS hold, numbers beyond range or not representable, deep nesting, prototype-named keys,
// wrong types. `Raw` carries JSON text that a JS value cannot (1e999, -0, nesting 100 000 deep, duplicate
// keys); `toJsonText` writes a generated value as the exact body bytes, `toJsValue` as what a JSON client sends.
import { fc } from '@fast-check/vitest';

/** JSON text placed verbatim in a generated body. `value` is what a JS client would send instead. */
export class Raw {
  constructor(
    readonly text: string,
    readonly value: unknown,
  ) {}
}

/** An object whose own keys may be `__proto__` or `constructor` (a plain `{}` would turn `__proto__` into its prototype). */
export function objectOf(entries: Array<[string, unknown]>): Record<string, unknown> {
  const object: Record<string, unknown> = Object.create(null);
  for (const [key, value] of entries) Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  return object;
}

export function toJsonText(value: unknown): string {
  if (value instanceof Raw) return value.text;
  if (value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).map((key) => `${JSON.stringify(key)}:${toJsonText((value as Record<string, unknown>)[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The value a JS client (the MCP SDK) sends: Raw replaced by its JS form. */
export function toJsValue(value: unknown): unknown {
  if (value instanceof Raw) return value.value;
  if (Array.isArray(value)) return value.map(toJsValue);
  if (value !== null && typeof value === 'object') return objectOf(Object.keys(value).map((key) => [key, toJsValue((value as Record<string, unknown>)[key])]));
  return value;
}

/** A short, readable rendering of a generated value for failure messages. */
export function preview(value: unknown, max = 600): string {
  const text = typeof value === 'string' ? value : toJsonText(value);
  const shown = text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
  return shown.replace(/[\u0000-\u001f\ud800-\udfff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const BAD_CHARACTERS = ['\u0000', '\ud800', '\udfff', '\udc00\ud800', '\ud83d', '\uffff', '\ufffe', '\u202e', '\u2028', '\u200b', '\u001b[31m'];

/** Strings that PostgreSQL cannot store or that stress comparison and LIKE: NUL, lone surrogates, escapes. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'Ada\u0000Lovelace',
    '\ud800',
    'x\udfffy',
    '%00',
    '%',
    '_',
    '\\',
    "'; DROP TABLE records; --",
    '${constructor}',
    '__proto__',
    'constructor',
    'NaN',
    'Infinity',
    '-0',
    '1e999',
    'null',
    'true',
    '[]',
    '{}',
    '🏳️‍🌈'.repeat(50),
    'a'.repeat(201),
    'b'.repeat(10_001),
    'é'.repeat(70_000),
    'https://example.com/\u0000',
    'ada\u0000@example.com',
    'custom:\u0000',
  ),
  fc.tuple(fc.string({ maxLength: 8 }), fc.constantFrom(...BAD_CHARACTERS), fc.string({ maxLength: 8 })).map(([a, bad, b]) => a + bad + b),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)), maxLength: 40 }),
);

/** Dates and times outside what PostgreSQL (4713 BC–5874897 AD, no year 0) and JS Date hold, and odd forms. */
export const hostileDate: fc.Arbitrary<string> = fc.constantFrom(
  '0000-01-01',
  '0000-01-01T00:00:00Z',
  '0000-12-31T23:59:59Z',
  '0001-01-01',
  '0001-01-01T00:00:00Z',
  '0001-01-01T00:00:00+01:00',
  '9999-12-31',
  '9999-12-31T24:00',
  '9999-12-31T24:00:00Z',
  '9999-12-31T23:59:59Z',
  '9999-12-31T23:59:59-23:59',
  '10000-01-01',
  '+010000-01-01T00:00:00Z',
  '-000001-01-01T00:00:00Z',
  '-4714-11-24',
  '2026-02-30',
  '2026-13-01',
  '2026-00-10',
  '2026-04-22T25:00:00Z',
  '2026-04-22T10:00:00+25:00',
  '2026-04-22T10:00:00.1234567890123Z',
  '2026-04-22 10:00:00',
  '2026-04-22T10:00:00\u0000Z',
  '1970-01-01T00:00:00Z',
  'infinity',
  '-infinity',
  'epoch',
  'now',
  'today',
);

/** Numbers JSON can carry but JS or PostgreSQL cannot: overflow, -0, beyond safe integers, denormals. */
export const hostileNumber: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    0,
    -1,
    0.5,
    -0.000001,
    1e308,
    -1e308,
    Number.MAX_SAFE_INTEGER + 2,
    -Number.MAX_SAFE_INTEGER - 2,
    2 ** 31,
    2 ** 63,
    5e-324,
    1e12 + 0.5,
    new Raw('1e999', Infinity),
    new Raw('-1e999', -Infinity),
    new Raw('-0', -0),
    new Raw('123456789012345678901234567890123456789', 1.2345678901234568e38),
    new Raw('1.0e+400', Infinity),
    new Raw('0.00000000000000000000000000000000000000000000000000000000000000001e-400', 0),
  ),
  fc.double(),
  fc.integer(),
);

function nested(depth: number, kind: 'array' | 'object' | 'attrs', leaf: string): Raw {
  const open = kind === 'array' ? '[' : kind === 'object' ? '{"a":' : '{"type":"x","attrs":';
  const close = kind === 'array' ? ']' : '}';
  const text = open.repeat(depth) + leaf + close.repeat(depth);
  // What a JS client can send: the same shape, capped at 200 levels (still twice the limit) so that the
  // client's JSON.stringify and fast-check's printing of a counterexample stay within the stack.
  let value: unknown = null;
  for (let i = 0; i < Math.min(depth, 200); i++) value = kind === 'array' ? [value] : kind === 'object' ? { a: value } : { type: 'x', attrs: value };
  return new Raw(text, value);
}

/** Deep nesting: arrays, objects and Tiptap-style `attrs`, from 65 to 100 000 levels (the body limit is 1 MiB). */
export const hostileNesting: fc.Arbitrary<Raw> = fc
  .tuple(fc.constantFrom(65, 200, 1_000, 5_000, 100_000), fc.constantFrom<'array' | 'object' | 'attrs'>('array', 'object', 'attrs'), fc.constantFrom('null', '"\\u0000"', '1e999', '{}'))
  .map(([depth, kind, leaf]) => nested(kind === 'array' ? depth : Math.min(depth, 50_000), kind, leaf));

/** Objects with keys that pollute prototypes when merged carelessly, or that PostgreSQL cannot store. */
export const hostileKeys: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', '\u0000', '\ud800', 'a'.repeat(10_000)), fc.constantFrom<unknown>(1, { polluted: true }, { prototype: { polluted: true } }, null, 'x'))
  .map(([key, value]) => objectOf([[key, value]]));

/** Any hostile JSON value: used in place of a field, an array item or a whole body. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 2, arbitrary: hostileDate },
  { weight: 2, arbitrary: hostileNumber },
  { weight: 1, arbitrary: hostileNesting },
  { weight: 1, arbitrary: hostileKeys },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, true, false, [], {}, [null], new Raw('{"a":1,"a":2}', { a: 2 }), Array.from({ length: 5_000 }, () => 'x')) },
);

/** A string made percent-safe for a URL, keeping bytes that are not valid UTF-8 (lone surrogates as CESU-8). */
export function percentEncode(value: string): string {
  let out = '';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff) {
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    } else {
      out += encodeURIComponent(char);
    }
  }
  return out;
}

/** Query-string and path-segment text, already encoded: bad escapes, overlong NUL, invalid UTF-8. */
export const hostileEncoded: fc.Arbitrary<string> = fc.oneof(
  hostileString.map(percentEncode),
  hostileDate.map(percentEncode),
  fc.constantFrom('%00', '%', '%zz', '%C0%80', '%FF%FE', '%E0%A4%A', '%25%30%30', '..%2F..%2F', '%2e%2e', '1e999', '-1', '0', '99999999999999999999999', 'NaN', '+1', '0x10', '1.5', ' 1', 'a'.repeat(9_000)),
);
