// The filter language as a table: one valid payload per action, one condition per row, and the expected verdict.
// Covers own fields, links and custom fields of each column type on created, updated and deleted events.
import { fc, test as fcTest } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import type { FilterColumn } from '../../src/webhooks/filter/fields.js';
import { matchesFilter, toFilterEvent } from '../../src/webhooks/filter/evaluate.js';
import { explainFilter } from '../../src/webhooks/filter/explain.js';
import { parseFilterOrThrow, type FilterNode } from '../../src/webhooks/filter/parse.js';

const ORG = '11111111-1111-4111-8111-111111111111';
const OTHER_ORG = '22222222-2222-4222-8222-222222222222';
const CONTACT = '33333333-3333-4333-8333-333333333333';
const SERVICE = '44444444-4444-4444-8444-444444444444';
const STAGE = 'aaaaaaaa-0000-4000-8000-000000000001';
const AMOUNT = 'aaaaaaaa-0000-4000-8000-000000000002';
const CLOSE = 'aaaaaaaa-0000-4000-8000-000000000003';
const NOTE = 'aaaaaaaa-0000-4000-8000-000000000004';
const MAIL = 'aaaaaaaa-0000-4000-8000-000000000005';
const PRICE = 'aaaaaaaa-0000-4000-8000-000000000006';
const TASK_COLUMN = 'aaaaaaaa-0000-4000-8000-000000000007';

const column = (id: string, name: string, type: FilterColumn['type'], entityType: FilterColumn['entityType'] = 'deal', options: string[] = []): [string, FilterColumn] => [
  id,
  { id, name, type, entityType, options: options.map((value) => ({ value, label: value.toUpperCase() })) },
];
const COLUMNS = new Map<string, FilterColumn>([
  column(STAGE, 'Stage', 'singleSelect', 'deal', ['lead', 'won', 'lost']),
  column(AMOUNT, 'Budget', 'number'),
  column(PRICE, 'Price', 'currency'),
  column(CLOSE, 'Close date', 'date'),
  column(NOTE, 'Source', 'text'),
  column(MAIL, 'Billing email', 'email'),
  column(TASK_COLUMN, 'Area', 'text', 'task'),
]);

const deal = (over: Record<string, unknown> = {}) => ({
  id: '55555555-5555-4555-8555-555555555555',
  name: 'Big Deal',
  totalValue: 1200,
  totalQuantity: 3,
  organizationIds: [ORG],
  contactIds: [CONTACT],
  taskIds: [],
  services: [{ serviceId: SERVICE, quantity: 3 }],
  notes: null,
  customFieldValues: [
    { columnId: STAGE, value: 'won' },
    { columnId: AMOUNT, value: '5000' },
    { columnId: PRICE, value: '99.50' },
    { columnId: CLOSE, value: '2026-05-01' },
    { columnId: NOTE, value: 'Trade Fair Berlin' },
    { columnId: MAIL, value: 'billing@acme.example' },
  ],
  userIds: [],
  createdAt: '2026-04-01T10:00:00.000Z',
  updatedAt: '2026-04-22T10:00:00.000Z',
  ...over,
});

const before = deal({
  name: 'Small Deal',
  totalValue: 400,
  organizationIds: [OTHER_ORG],
  customFieldValues: [
    { columnId: STAGE, value: 'lead' },
    { columnId: AMOUNT, value: '5000' },
    { columnId: NOTE, value: 'Trade Fair Berlin' },
  ],
});
const after = deal();
const changes = {
  name: { previous: before.name, current: after.name },
  totalValue: { previous: 400, current: 1200 },
  organizationIds: { previous: [OTHER_ORG], current: [ORG] },
  customFieldValues: { previous: before.customFieldValues, current: after.customFieldValues },
};

const created = toFilterEvent('deal.created', { deal: after })!;
const updated = toFilterEvent('deal.updated', { deal: after, changes })!;
const deleted = toFilterEvent('deal.deleted', { dealId: after.id, deal: after })!;
const EVENTS = { created, updated, deleted };

const parse = (filter: unknown, types: Array<FilterColumn['entityType']> = ['deal']) => parseFilterOrThrow(filter, { recordTypes: types, columns: COLUMNS })!;
const cond = (field: string, op: string, value?: unknown) => parse(value === undefined ? { field, op } : { field, op, value });

// [description, condition, created, updated, deleted]
const TABLE: Array<[string, FilterNode, boolean, boolean, boolean]> = [
  ['own text changed', cond('name', 'changed'), true, true, true],
  ['own text becomes', cond('name', 'becomes', 'Big Deal'), true, true, false],
  ['own text becomes other', cond('name', 'becomes', 'Other'), false, false, false],
  ['own text was', cond('name', 'was', 'Small Deal'), false, true, false],
  ['own text was (deleted: the last value)', cond('name', 'was', 'Big Deal'), false, false, true],
  ['own text eq', cond('name', 'eq', 'Big Deal'), true, true, true],
  ['own text eq is case-sensitive', cond('name', 'eq', 'big deal'), false, false, false],
  ['own text neq', cond('name', 'neq', 'Big Deal'), false, false, false],
  ['own text in', cond('name', 'in', ['x', 'Big Deal']), true, true, true],
  ['own text contains, any case', cond('name', 'contains', 'BIG'), true, true, true],
  ['own text notNull', cond('name', 'notNull'), true, true, true],
  ['unchanged own field: changed is false on updated', cond('totalQuantity', 'changed'), true, false, true],
  ['unchanged own field: becomes is false on updated', cond('totalQuantity', 'becomes', 3), true, false, false],
  ['number gt', cond('totalValue', 'gt', 1000), true, true, true],
  ['number lt', cond('totalValue', 'lt', 1000), false, false, false],
  ['number given as text', cond('totalValue', 'eq', '1200'), true, true, true],
  ['number was', cond('totalValue', 'was', 400), false, true, false],
  ['link contains an id', cond('organizationIds', 'contains', ORG), true, true, true],
  ['link contains another id', cond('organizationIds', 'contains', OTHER_ORG), false, false, false],
  ['link changed', cond('contactIds', 'changed'), true, false, true],
  ['services contains a serviceId', cond('services', 'contains', SERVICE), true, true, true],
  ['notes isNull', cond('notes', 'isNull'), true, true, true],
  ['createdAt lt', cond('createdAt', 'lt', '2026-04-02T00:00:00Z'), true, true, true],
  ['singleSelect becomes', cond(`custom:${STAGE}`, 'becomes', 'won'), true, true, false],
  ['singleSelect given by label', cond(`custom:${STAGE}`, 'becomes', 'Won'), true, true, false],
  ['singleSelect was', cond(`custom:${STAGE}`, 'was', 'lead'), false, true, false],
  ['singleSelect was (deleted)', cond(`custom:${STAGE}`, 'was', 'won'), false, false, true],
  ['singleSelect changed', cond(`custom:${STAGE}`, 'changed'), true, true, true],
  ['singleSelect in', cond(`custom:${STAGE}`, 'in', ['won', 'lost']), true, true, true],
  ['singleSelect neq', cond(`custom:${STAGE}`, 'neq', 'won'), false, false, false],
  ['number column unchanged', cond(`custom:${AMOUNT}`, 'changed'), true, false, true],
  ['number column gt', cond(`custom:${AMOUNT}`, 'gt', 4999.5), true, true, true],
  ['number column eq', cond(`custom:${AMOUNT}`, 'eq', 5000), true, true, true],
  ['currency column eq (text 99.50 = 99.5)', cond(`custom:${PRICE}`, 'eq', '99.5'), true, true, true],
  ['currency column becomes (was absent)', cond(`custom:${PRICE}`, 'becomes', 99.5), true, true, false],
  ['date column lt', cond(`custom:${CLOSE}`, 'lt', '2026-06-01'), true, true, true],
  ['date column gt', cond(`custom:${CLOSE}`, 'gt', '2026-06-01'), false, false, false],
  ['date column was null', cond(`custom:${CLOSE}`, 'was', null), false, true, false],
  ['text column contains', cond(`custom:${NOTE}`, 'contains', 'fair'), true, true, true],
  ['text column changed (same value)', cond(`custom:${NOTE}`, 'changed'), true, false, true],
  ['email column eq, any case', cond(`custom:${MAIL}`, 'eq', 'Billing@ACME.example'), true, true, true],
  ['present custom value: not notNull is false', parse({ not: { field: `custom:${PRICE}`, op: 'notNull' } }), false, false, false],
  ['all', parse({ all: [cond('name', 'changed'), cond(`custom:${STAGE}`, 'becomes', 'won')] }), true, true, false],
  ['any', parse({ any: [cond('totalValue', 'gt', 5000), cond(`custom:${STAGE}`, 'was', 'lead')] }), false, true, false],
  ['not', parse({ not: cond(`custom:${STAGE}`, 'eq', 'won') }), false, false, false],
];

describe('matchesFilter', () => {
  it.each(TABLE)('%s', (_name, filter, onCreated, onUpdated, onDeleted) => {
    expect({ created: matchesFilter(filter, EVENTS.created), updated: matchesFilter(filter, EVENTS.updated), deleted: matchesFilter(filter, EVENTS.deleted) }).toEqual({
      created: onCreated,
      updated: onUpdated,
      deleted: onDeleted,
    });
  });

  it('explain agrees with evaluate on every row and action', () => {
    for (const [, filter] of TABLE) {
      for (const event of Object.values(EVENTS)) {
        const explained = explainFilter(filter, event);
        expect(explained.matched).toBe(matchesFilter(filter, event));
        expect(explained.failures.length === 0).toBe(explained.matched);
      }
    }
  });

  it('no filter matches everything', () => {
    expect(matchesFilter(null, deleted)).toBe(true);
  });

  it('tasks: status becomes done for tasks due before a date; contacts: email changed', () => {
    const task = { id: CONTACT, name: 'Call', status: 'done', dueDate: '2026-05-01', contactIds: [], organizationIds: [], dealIds: [], serviceIds: [], notes: null, customFieldValues: [], userIds: [], createdAt: 'x', updatedAt: 'y' };
    const filter = parse({ all: [{ field: 'status', op: 'becomes', value: 'done' }, { field: 'dueDate', op: 'lt', value: '2026-06-01' }] }, ['task']);
    expect(matchesFilter(filter, toFilterEvent('task.updated', { task, changes: { status: { previous: 'open', current: 'done' } } })!)).toBe(true);
    expect(matchesFilter(filter, toFilterEvent('task.updated', { task: { ...task, dueDate: null }, changes: { status: { previous: 'open', current: 'done' } } })!)).toBe(false);
    expect(matchesFilter(filter, toFilterEvent('task.updated', { task, changes: { name: { previous: 'a', current: 'Call' } } })!)).toBe(false);
    const contact = { id: CONTACT, firstName: 'Ada', lastName: 'L', emails: ['ada@example.com'], organizationIds: [], dealIds: [], taskIds: [], notes: null, customFieldValues: [], userIds: [], createdAt: 'x', updatedAt: 'y' };
    const emails = parse({ field: 'emails', op: 'changed' }, ['contact']);
    expect(matchesFilter(emails, toFilterEvent('contact.updated', { contact, changes: { emails: { previous: [], current: ['ada@example.com'] } } })!)).toBe(true);
    expect(matchesFilter(emails, toFilterEvent('contact.updated', { contact, changes: { firstName: { previous: 'A', current: 'Ada' } } })!)).toBe(false);
    expect(matchesFilter(parse({ field: 'emails', op: 'contains', value: 'ADA@example.com' }, ['contact']), toFilterEvent('contact.created', { contact })!)).toBe(true);
  });
});

describe('explainFilter', () => {
  it('names the failing condition with the actual previous and current values', () => {
    const filter = parse({ all: [{ field: 'name', op: 'changed' }, { field: `custom:${STAGE}`, op: 'becomes', value: 'lost' }] });
    const result = explainFilter(filter, updated);
    expect(result.matched).toBe(false);
    expect(result.failures).toEqual([
      expect.objectContaining({ path: 'filter.all[1]', field: `custom:${STAGE}`, op: 'becomes', value: 'lost', previous: 'lead', current: 'won' }),
    ]);
    expect(result.failures[0]!.message).toContain('previous "lead", current "won"');
  });

  it('lists every alternative of a failing any, and the negated condition of a failing not', () => {
    const any = explainFilter(parse({ any: [{ field: 'totalValue', op: 'gt', value: 5000 }, { field: 'name', op: 'eq', value: 'x' }] }), created);
    expect(any.failures.map((f) => f.path)).toEqual(['filter.any[0]', 'filter.any[1]']);
    const not = explainFilter(parse({ not: { field: `custom:${STAGE}`, op: 'eq', value: 'won' } }), deleted);
    expect(not.failures).toEqual([expect.objectContaining({ path: 'filter', field: `custom:${STAGE}`, previous: 'won' })]);
  });
});

describe('parseFilterOrThrow', () => {
  const refused = (filter: unknown, types: Array<FilterColumn['entityType']> = ['deal']) => {
    try {
      parse(filter, types);
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      return { field: (error as AppError).field, message: (error as AppError).message };
    }
    throw new Error('accepted');
  };

  it.each([
    ['a field a subscribed type lacks', { all: [{ field: 'name', op: 'changed' }, { field: 'status', op: 'eq', value: 'open' }] }, 'filter.all[1].field', /deal records have no field "status"/],
    ['a custom column of another type', { field: `custom:${TASK_COLUMN}`, op: 'changed' }, 'filter.field', /custom column of task records/],
    ['an unknown custom column', { field: 'custom:bbbbbbbb-0000-4000-8000-000000000000', op: 'changed' }, 'filter.field', /names no custom column/],
    ['gt on an array', { field: 'contactIds', op: 'gt', value: 1 }, 'filter.op', /allowed for it: changed, contains/],
    ['contains on a number', { field: 'totalValue', op: 'contains', value: '1' }, 'filter.op', /does not apply/],
    ['gt on a singleSelect', { field: `custom:${STAGE}`, op: 'gt', value: 'won' }, 'filter.op', /does not apply/],
    ['a malformed number', { all: [{ field: 'name', op: 'changed' }, { field: 'totalValue', op: 'gt', value: 'lots' }] }, 'filter.all[1].value', /must be a number/],
    ['an option the column lacks', { field: `custom:${STAGE}`, op: 'becomes', value: 'maybe' }, 'filter.value', /allowed: "lead", "won", "lost"/],
    ['a malformed date', { field: `custom:${CLOSE}`, op: 'lt', value: '2026-13-01' }, 'filter.value', /YYYY-MM-DD/],
    ['a non-UUID for contains on links', { field: 'contactIds', op: 'contains', value: 'abc' }, 'filter.value', /UUID/],
    ['a value for changed', { field: 'name', op: 'changed', value: 'x' }, 'filter.value', /left out/],
    ['no value for eq', { field: 'name', op: 'eq' }, 'filter.value', /required/],
    ['an empty in', { field: 'name', op: 'in', value: [] }, 'filter.value', /1–100 values/],
    ['a bad item of in', { field: 'totalValue', op: 'in', value: [1, 'x'] }, 'filter.value[1]', /must be a number/],
    ['null for a field that is never null', { field: 'name', op: 'eq', value: null }, 'filter.value', /never null/],
    ['an unknown op', { any: [{ field: 'name', op: 'startsWith', value: 'x' }] }, 'filter.any[0].op', /allowed: changed, becomes/],
    ['a field named like a property of every object', { any: [{ field: 'name', op: 'changed' }, { field: '__proto__', op: 'becomes', value: 'won' }] }, 'filter.any[1].field', /deal records have no field "__proto__"/],
    ['a field named like a method of every object', { field: 'toString', op: 'changed' }, 'filter.field', /deal records have no field "toString"/],
    ['an object for an op', { field: 'name', op: { toString: 1 } }, 'filter.op', /filter\.op: an object is not an op; allowed: changed/],
    ['an unknown key', { field: 'name', op: 'changed', extra: 1 }, 'filter', /unknown field "extra"/],
    ['not a node', { foo: [] }, 'filter', /is not a filter node/],
    ['an empty all', { all: [] }, 'filter.all', /at least one node/],
    ['too deep', { not: { not: { not: { not: { not: { field: 'name', op: 'changed' } } } } } }, 'filter.not.not.not.not.not', /at most 5 levels/],
    ['too many conditions', { any: Array.from({ length: 5 }, () => ({ all: Array.from({ length: 11 }, () => ({ field: 'name', op: 'changed' })) })) }, 'filter.any[4].all[6]', /at most 50 conditions/],
  ])('refuses %s, naming the node', (_name, filter, field, message) => {
    const error = refused(filter);
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  it('checks every subscribed type', () => {
    expect(parse({ field: 'name', op: 'contains', value: 'x' }, ['deal', 'organization', 'task'])).toBeTruthy();
    expect(refused({ field: 'firstName', op: 'changed' }, ['contact', 'deal']).message).toMatch(/deal records have no field "firstName"/);
  });

  it('normalizes values to the payload form (label → option value, number text → number, email lower-cased)', () => {
    expect(parse({ field: `custom:${STAGE}`, op: 'becomes', value: 'WON' })).toEqual({ field: `custom:${STAGE}`, op: 'becomes', value: 'won' });
    expect(parse({ field: 'totalValue', op: 'gt', value: '10' })).toEqual({ field: 'totalValue', op: 'gt', value: 10 });
    expect(parse({ field: `custom:${MAIL}`, op: 'eq', value: 'A@B.example' })).toEqual({ field: `custom:${MAIL}`, op: 'eq', value: 'a@b.example' });
  });
});

describe('any input', () => {
  const fieldNames = ['name', 'totalValue', 'contactIds', 'services', 'notes', 'createdAt', `custom:${STAGE}`, `custom:${AMOUNT}`, `custom:${CLOSE}`, 'status', 'nope'];
  const condition = fc.record({ field: fc.constantFrom(...fieldNames), op: fc.constantFrom('changed', 'becomes', 'was', 'eq', 'neq', 'in', 'gt', 'lt', 'contains', 'isNull', 'notNull', 'x'), value: fc.oneof(fc.constant(undefined), fc.jsonValue(), fc.constantFrom('won', 'lead', 1000, '2026-05-01', ORG, SERVICE, ['won', 'lost'])) }, { requiredKeys: ['field', 'op'] });
  const node: fc.Arbitrary<unknown> = fc.letrec<{ node: unknown }>((tie) => ({
    node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, condition, fc.record({ all: fc.array(tie('node'), { maxLength: 4 }) }), fc.record({ any: fc.array(tie('node'), { maxLength: 4 }) }), fc.record({ not: tie('node') }), fc.jsonValue()),
  })).node;

  fcTest.prop([node])('is either refused with a 400 naming a filter path, or evaluates and explains alike on every action', (raw) => {
    let filter: FilterNode | null;
    try {
      filter = parseFilterOrThrow(raw, { recordTypes: ['deal'], columns: COLUMNS });
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).status).toBe(400);
      expect((error as AppError).field).toMatch(/^filter/);
      return;
    }
    for (const event of Object.values(EVENTS)) expect(explainFilter(filter, event).matched).toBe(matchesFilter(filter, event));
  });
});
