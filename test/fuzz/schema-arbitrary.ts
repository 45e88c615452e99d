// Values for a JSON Schema (the OpenAPI document's and the MCP tool list's), mostly valid so a request gets
// past the first check and reaches the command and the database, with hostile values mixed in at every
// level: a field, an array item or an extra key replaced by something from ./hostile.ts. Routes and tools
// added later are covered because nothing here names one.
import { fc } from '@fast-check/vitest';
import { hostileDate, hostileKeys, hostileNesting, hostileString, hostileValue, objectOf, Raw } from './hostile.js';

export type JsonSchema = Record<string, any>;

export interface SchemaContext {
  /** The document `$ref`s point into (`#/components/schemas/X`, `#/$defs/X`). */
  root: JsonSchema;
  /** Existing ids to use for uuid fields sometimes, so links and updates reach real rows. */
  ids: string[];
  /** Existing ids of the kind a field names (`organizationIds`, `columnId` → organization, column), if known. */
  idsOf?: (field: string) => string[] | undefined;
  /** The property name the value is for (array items inherit their array's). */
  field?: string;
  /** Weight of a hostile replacement at each node, against 10 for a valid value. 0: valid values only. */
  hostility: number;
}

const MAX_DEPTH = 6;

function resolve(schema: JsonSchema, context: SchemaContext): JsonSchema {
  let current = schema;
  for (let hops = 0; current && typeof current.$ref === 'string' && hops < 20; hops++) {
    const pointer = current.$ref.replace(/^#\//, '').split('/').map((part: string) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
    const target = pointer.reduce((node: any, part: string) => node?.[part], context.root);
    const rest = Object.fromEntries(Object.entries(current).filter(([key]) => key !== '$ref'));
    current = { ...(target ?? {}), ...rest };
  }
  return current ?? {};
}

function hostileFor(schema: JsonSchema): fc.Arbitrary<unknown> {
  const types = [schema.type].flat();
  if (schema.format === 'date' || schema.format === 'date-time') return fc.oneof(hostileDate, hostileValue);
  if (types.includes('string')) return fc.oneof(hostileString, hostileValue);
  if (types.includes('object')) return fc.oneof(hostileKeys, hostileNesting, hostileValue);
  return hostileValue;
}

function validString(schema: JsonSchema, context: SchemaContext): fc.Arbitrary<unknown> {
  const uuid = fc.uuid({ version: 4 });
  switch (schema.format) {
    case 'uuid': {
      const kind = context.field ? /^([a-z]\w*?)Ids?$/.exec(context.field)?.[1] : undefined;
      const named = kind ? context.idsOf?.(kind) : undefined;
      // A field named for a kind gets that kind's rows (a random id would only ever be "not found").
      if (named?.length) return fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...named) }, { weight: 1, arbitrary: uuid });
      return context.ids.length ? fc.oneof(uuid, fc.constantFrom(...context.ids)) : uuid;
    }
    case 'email':
      return fc.tuple(fc.stringMatching(/^[a-z][a-z0-9]{0,11}$/), fc.constantFrom('example.com', 'example.org')).map(([local, domain]) => `${local}@${domain}`);
    case 'date':
      return fc.date({ min: new Date('1900-01-01'), max: new Date('2100-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
    case 'date-time':
      return fc.date({ min: new Date('2000-01-01'), max: new Date('2100-12-31'), noInvalidDate: true }).map((d) => d.toISOString());
    case 'uri':
    case 'url':
      return fc.constantFrom('https://example.com/hook', 'https://127.0.0.1:9/hook', 'http://example.com/');
  }
  // A field named for a URL gets URLs the webhook rules accept (WEBHOOK_ALLOW_PRIVATE lets 127.0.0.1 in).
  if (context.field && /url$/i.test(context.field)) return fc.constantFrom('https://127.0.0.1:9/fuzz', 'https://127.0.0.1:9/a?b=c', 'http://127.0.0.1:9/');
  const minLength = Math.max(0, schema.minLength ?? 0);
  const maxLength = Math.max(minLength, Math.min(schema.maxLength ?? 24, minLength + 24));
  return fc.string({ minLength, maxLength });
}

function validNumber(schema: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const min = schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + (integer ? 1 : 1e-6) : schema.minimum ?? -1000;
  const max = schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - (integer ? 1 : 1e-6) : schema.maximum ?? 1000;
  const low = Math.max(min, -1e6);
  const high = Math.max(low, Math.min(max, low + 1e6));
  return integer ? fc.integer({ min: Math.ceil(low), max: Math.floor(high) }) : fc.double({ min: low, max: high, noNaN: true, noDefaultInfinity: true });
}

function validObject(schema: JsonSchema, context: SchemaContext, depth: number): fc.Arbitrary<unknown> {
  const properties: Record<string, JsonSchema> = schema.properties ?? {};
  const required = new Set<string>(schema.required ?? []);
  const fields = Object.entries(properties).map(([key, child]) => {
    const value = arbitraryFor(child, { ...context, field: key }, depth + 1);
    return fc.tuple(fc.constant(key), required.has(key) ? value.map((v) => ({ present: true, v })) : fc.option(value, { freq: 2 }).map((v) => ({ present: v !== null, v })));
  });
  // A loose object (Tiptap nodes, notes `attrs`) also gets extra keys, nested content included.
  const loose = schema.additionalProperties !== false && schema.additionalProperties !== undefined;
  const extra = loose
    ? fc.array(
        context.hostility
          ? fc.tuple(fc.constantFrom('attrs', 'marks', 'text', 'content', '__proto__', 'constructor', 'x'), depth < MAX_DEPTH ? fc.oneof(fc.jsonValue({ maxDepth: 3 }), hostileNesting, hostileKeys) : fc.constant(null))
          : fc.tuple(fc.constantFrom('attrs', 'text', 'x'), fc.jsonValue({ maxDepth: 2 })),
        { maxLength: 2 },
      )
    : fc.constant([] as Array<[string, unknown]>);
  return fc.tuple(fc.tuple(...fields), extra).map(([chosen, more]) => {
    const entries: Array<[string, unknown]> = [];
    for (const [key, { present, v }] of chosen as Array<[string, { present: boolean; v: unknown }]>) if (present) entries.push([key, v]);
    for (const [key, value] of more) if (!entries.some(([k]) => k === key)) entries.push([key, value]);
    return objectOf(entries);
  });
}

function validFor(schema: JsonSchema, context: SchemaContext, depth: number): fc.Arbitrary<unknown> {
  if ('const' in schema) return fc.constant(schema.const);
  // A documented default or example is a value the operation surely takes (pageSize 25 where only 25 or 100 pass).
  const known = [...('default' in schema ? [schema.default] : []), ...(Array.isArray(schema.examples) ? schema.examples : [])];
  if (known.length) return fc.oneof(fc.constantFrom(...known), validFor(Object.fromEntries(Object.entries(schema).filter(([k]) => k !== 'default' && k !== 'examples')), context, depth));
  if (Array.isArray(schema.enum) && schema.enum.length) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(alternatives) && alternatives.length) return fc.oneof(...alternatives.map((alt: JsonSchema) => arbitraryFor(alt, context, depth)));
  if (Array.isArray(schema.allOf) && schema.allOf.length) return arbitraryFor(Object.assign({}, ...schema.allOf.map((s: JsonSchema) => resolve(s, context))), context, depth);
  const types: string[] = schema.type === undefined ? (schema.properties ? ['object'] : []) : [schema.type].flat();
  if (!types.length) return fc.jsonValue({ maxDepth: 2 });
  return fc.oneof(
    ...types.map((type): fc.Arbitrary<unknown> => {
      switch (type) {
        case 'string':
          return validString(schema, context);
        case 'integer':
          return validNumber(schema, true);
        case 'number':
          return validNumber(schema, false);
        case 'boolean':
          return fc.boolean();
        case 'null':
          return fc.constant(null);
        case 'array': {
          const minLength = Math.max(0, schema.minItems ?? 0);
          const items = schema.items ? arbitraryFor(schema.items, context, depth + 1) : fc.jsonValue({ maxDepth: 1 });
          return fc.array(items, { minLength, maxLength: Math.max(minLength, Math.min(schema.maxItems ?? 2, minLength + 2)) });
        }
        case 'object':
          return validObject(schema, context, depth);
        default:
          return fc.jsonValue({ maxDepth: 1 });
      }
    }),
  );
}

/** Mostly valid values for `schema`, with a hostile value in place of any node at weight `hostility`/10. */
export function arbitraryFor(schema: JsonSchema, context: SchemaContext, depth = 0): fc.Arbitrary<unknown> {
  const resolved = resolve(schema, context);
  const valid = depth > MAX_DEPTH ? fc.constant(null) : validFor(resolved, context, depth);
  if (!context.hostility) return valid;
  return fc.oneof({ weight: 10, arbitrary: valid }, { weight: context.hostility, arbitrary: hostileFor(resolved) });
}

function copyOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyOf);
  if (value !== null && typeof value === 'object' && !(value instanceof Raw)) return objectOf(Object.keys(value).map((key) => [key, copyOf((value as Record<string, unknown>)[key])]));
  return value;
}

type Mutation = { kind: 'char'; char: string; at: number } | { kind: 'replace'; value: unknown } | { kind: 'key'; entry: Record<string, unknown> };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('char' as const), char: fc.constantFrom('\u0000', '\ud800', '\udc00', '\ud83d'), at: fc.nat() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('replace' as const), value: hostileValue }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('key' as const), entry: hostileKeys }) },
);

function nodesOf(value: unknown, out: Array<{ parent: any; key: string | number | null; node: unknown }> = [], parent: any = null, key: string | number | null = null) {
  out.push({ parent, key, node: value });
  if (Array.isArray(value)) value.forEach((item, i) => nodesOf(item, out, value, i));
  else if (value !== null && typeof value === 'object' && !(value instanceof Raw)) {
    for (const k of Object.keys(value)) nodesOf((value as Record<string, unknown>)[k], out, value, k);
  }
  return out;
}

/**
 * A valid value for `schema` with exactly one thing changed (one valid fixture, one change per case): a NUL
 * or lone surrogate spliced into one string, one node replaced by a hostile value (a date-looking string by
 * a hostile date), or one hostile key added to one object. Everything else stays valid, so the change
 * reaches the command and the database instead of stopping at the first schema check.
 */
export function mutatedOnce(schema: JsonSchema, context: SchemaContext): fc.Arbitrary<unknown> {
  return fc.tuple(arbitraryFor(schema, { ...context, hostility: 0 }), fc.nat(), mutation, hostileDate).map(([source, pick, change, date]) => {
    // A fresh copy: fast-check keeps and re-maps generated values while shrinking, and constants are shared.
    const valid = copyOf(source);
    const nodes = nodesOf(valid);
    const target = nodes[pick % nodes.length]!;
    let replacement: unknown = target.node;
    if (change.kind === 'char' && typeof target.node === 'string') {
      const at = change.at % (target.node.length + 1);
      replacement = target.node.slice(0, at) + change.char + target.node.slice(at);
    } else if (change.kind === 'key' && target.node !== null && typeof target.node === 'object' && !Array.isArray(target.node)) {
      const [key] = Object.keys(change.entry);
      Object.defineProperty(target.node, key!, { value: change.entry[key!], enumerable: true, writable: true, configurable: true });
      return valid;
    } else if (typeof target.node === 'string' && /^\d{4}-\d\d-\d\d/.test(target.node)) {
      replacement = date;
    } else {
      replacement = change.kind === 'replace' ? change.value : typeof target.node === 'string' ? `${target.node}\u0000` : change.kind === 'key' ? change.entry : '\u0000';
    }
    if (target.parent === null) return replacement;
    Object.defineProperty(target.parent, target.key!, { value: replacement, enumerable: true, writable: true, configurable: true });
    return valid;
  });
}
