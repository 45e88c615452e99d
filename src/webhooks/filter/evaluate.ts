// Filter evaluation (spec §13): pure, over the event as the write built it — the DTO in `payload[type]` and,
// on *.updated, `payload.changes`. No I/O and no column lookups: parse.ts stored values in the payload's form.
// Runs inside the write's transaction for every event × filtered webhook, so it allocates little and
// short-circuits like && and ||.
import type { EventAction, RecordType } from '../../events/catalog.js';
import { CUSTOM_PREFIX } from './fields.js';
import type { FilterCondition, FilterNode } from './parse.js';

export interface FilterEvent {
  action: EventAction;
  /** The DTO: the new state on created/updated, the state just before deletion on deleted. */
  record: Record<string, unknown>;
  changes: Record<string, { previous: unknown; current: unknown } | undefined> | undefined;
}

/** An event as filters see it, from its name and payload (spec §4); null for an event that is not about a record. */
export function toFilterEvent(name: string, payload: Record<string, unknown>): FilterEvent | null {
  const [type, action] = name.split('.') as [RecordType, string];
  if (action !== 'created' && action !== 'updated' && action !== 'deleted') return null;
  const record = payload[type];
  if (record === null || typeof record !== 'object') return null;
  const changes = action === 'updated' ? (payload.changes as FilterEvent['changes']) : undefined;
  return { action, record: record as Record<string, unknown>, changes };
}

export interface FieldReading {
  /** Whether the field moved in this event (true for every present field on created and deleted). */
  changed: boolean;
  /** The value before the event; undefined on created. */
  previous: unknown;
  /** The value after the event; undefined on deleted. */
  current: unknown;
  /** What eq, neq, in, gt, lt, contains, isNull and notNull test: current, or the last value on deleted. */
  tested: unknown;
}

function customValue(values: unknown, columnId: string): string | null {
  if (!Array.isArray(values)) return null;
  for (const entry of values as Array<{ columnId?: unknown; value?: unknown }>) {
    if (entry?.columnId === columnId) return typeof entry.value === 'string' ? entry.value : null;
  }
  return null;
}

export function readField(event: FilterEvent, field: string): FieldReading {
  const custom = field.startsWith(CUSTOM_PREFIX) ? field.slice(CUSTOM_PREFIX.length) : null;
  const value = custom === null ? (event.record[field] ?? null) : customValue(event.record.customFieldValues, custom);
  const present = custom === null ? field in event.record : value !== null;
  if (event.action === 'created') return { changed: present, previous: undefined, current: value, tested: value };
  if (event.action === 'deleted') return { changed: present, previous: value, current: undefined, tested: value };
  if (custom !== null) {
    const moved = event.changes?.customFieldValues;
    const previous = moved ? customValue(moved.previous, custom) : value;
    return { changed: previous !== value, previous, current: value, tested: value };
  }
  const moved = event.changes?.[field];
  return moved ? { changed: true, previous: moved.previous ?? null, current: value, tested: value } : { changed: false, previous: value, current: value, tested: value };
}

/** Equality between a payload value and a filter value (numbers stored as text in custom fields compare as numbers). */
export function valuesEqual(actual: unknown, expected: unknown): boolean {
  if (actual === undefined) actual = null;
  if (expected === null || actual === null) return expected === actual;
  if (typeof expected === 'number') {
    if (typeof actual === 'number') return actual === expected;
    return typeof actual === 'string' && actual.trim() !== '' && Number(actual) === expected;
  }
  return actual === expected;
}

function compare(actual: unknown, expected: unknown): number | null {
  if (actual === null || actual === undefined) return null;
  if (typeof expected === 'number') {
    const number = typeof actual === 'number' ? actual : typeof actual === 'string' && actual.trim() !== '' ? Number(actual) : Number.NaN;
    return Number.isFinite(number) ? number - expected : null;
  }
  if (typeof expected === 'string' && typeof actual === 'string') return actual < expected ? -1 : actual > expected ? 1 : 0;
  return null;
}

function contains(actual: unknown, expected: unknown): boolean {
  if (typeof expected !== 'string') return false;
  if (Array.isArray(actual)) {
    return actual.some((item) =>
      item !== null && typeof item === 'object' ? (item as { serviceId?: unknown }).serviceId === expected : typeof item === 'string' && item.toLowerCase() === expected,
    );
  }
  return typeof actual === 'string' && actual.toLowerCase().includes(expected.toLowerCase());
}

/** One condition against one reading: the single definition both evaluation and explanation use. */
export function testReading(condition: FilterCondition, reading: FieldReading, action: EventAction): boolean {
  const { value } = condition;
  switch (condition.op) {
    case 'changed':
      return reading.changed;
    case 'becomes':
      return action === 'created' ? valuesEqual(reading.current, value) : action === 'updated' && reading.changed && valuesEqual(reading.current, value);
    case 'was':
      return action === 'deleted' ? valuesEqual(reading.previous, value) : action === 'updated' && reading.changed && valuesEqual(reading.previous, value);
    case 'eq':
      return valuesEqual(reading.tested, value);
    case 'neq':
      return !valuesEqual(reading.tested, value);
    case 'in':
      return Array.isArray(value) && value.some((item) => valuesEqual(reading.tested, item));
    case 'gt': {
      const order = compare(reading.tested, value);
      return order !== null && order > 0;
    }
    case 'lt': {
      const order = compare(reading.tested, value);
      return order !== null && order < 0;
    }
    case 'contains':
      return contains(reading.tested, value);
    case 'isNull':
      return reading.tested === null || reading.tested === undefined;
    case 'notNull':
      return reading.tested !== null && reading.tested !== undefined;
  }
}

export function testCondition(condition: FilterCondition, event: FilterEvent): boolean {
  return testReading(condition, readField(event, condition.field), event.action);
}

/** Whether the event matches the filter; a webhook without a filter (null) matches every event it subscribes to. */
export function matchesFilter(filter: FilterNode | null, event: FilterEvent): boolean {
  if (filter === null) return true;
  if ('all' in filter) return filter.all.every((node) => matchesFilter(node, event));
  if ('any' in filter) return filter.any.some((node) => matchesFilter(node, event));
  if ('not' in filter) return !matchesFilter(filter.not, event);
  return testCondition(filter, event);
}
