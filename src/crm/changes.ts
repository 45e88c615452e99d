// The `changes` record of `*.updated` events (spec §4): a pure diff of two DTOs of the same record.
// Rules: id arrays (`…Ids`) compare as sets; `services` and `customFieldValues` as sets keyed by serviceId /
// columnId; everything else (notes, emails, scalars) by deep equality. A missing array counts as empty, a
// missing scalar as null. `id`, `createdAt` and `updatedAt` never appear.
export interface Change {
  previous: unknown;
  current: unknown;
}
export type Changes = Record<string, Change>;

const IGNORED = new Set(['id', 'createdAt', 'updatedAt']);
const KEYED_SETS: Record<string, string> = { services: 'serviceId', customFieldValues: 'columnId' };

export function computeChanges(before: Record<string, unknown>, after: Record<string, unknown>): Changes {
  const changes: Changes = {};
  const keys = [...Object.keys(after), ...Object.keys(before).filter((key) => !(key in after))];
  for (const key of keys) {
    if (IGNORED.has(key)) continue;
    const previous = before[key];
    const current = after[key];
    if (!isSameValue(key, previous, current)) {
      changes[key] = { previous: previous ?? defaultFor(key), current: current ?? defaultFor(key) };
    }
  }
  return changes;
}

export function hasChanges(changes: Changes): boolean {
  return Object.keys(changes).length > 0;
}

function isSetField(key: string): boolean {
  return key.endsWith('Ids') || key in KEYED_SETS;
}

/** What a missing value stands for: an empty set for set-like fields, null otherwise. */
function defaultFor(key: string): unknown {
  return isSetField(key) ? [] : null;
}

function isSameValue(key: string, a: unknown, b: unknown): boolean {
  if (key.endsWith('Ids')) return sameIdSet(asArray(a) as string[], asArray(b) as string[]);
  const keyField = KEYED_SETS[key];
  if (keyField) return sameKeyedSet(asArray(a), asArray(b), keyField);
  return deepEqual(a ?? null, b ?? null);
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function sameIdSet(a: string[], b: string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  if (left.size !== right.size) return false;
  for (const id of left) if (!right.has(id)) return false;
  return true;
}

function sameKeyedSet(a: unknown[], b: unknown[], keyField: string): boolean {
  if (a.length !== b.length) return false;
  const byKey = new Map(a.map((item) => [(item as Record<string, unknown>)[keyField], item]));
  if (byKey.size !== a.length || new Set(b.map((item) => (item as Record<string, unknown>)[keyField])).size !== b.length) return false;
  for (const item of b) {
    const other = byKey.get((item as Record<string, unknown>)[keyField]);
    if (other === undefined || !deepEqual(other, item)) return false;
  }
  return true;
}

/** Structural equality of JSON values; object key order does not count, array order does. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((item, index) => deepEqual(item, other[index]));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const leftKeys = Object.keys(left).filter((key) => left[key] !== undefined);
  const rightKeys = Object.keys(right).filter((key) => right[key] !== undefined);
  return leftKeys.length === rightKeys.length && leftKeys.every((key) => deepEqual(left[key], right[key]));
}
