import { describe, expect, it } from 'vitest';
import { computeChanges } from '../../src/crm/changes.js';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const C = '00000000-0000-4000-8000-00000000000c';
const doc = (text: string) => ({ type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] });

const base = {
  id: A,
  firstName: 'Max',
  emails: ['max@example.com'],
  organizationIds: [A, B],
  services: [{ serviceId: A, quantity: 1 }],
  customFieldValues: [{ columnId: A, value: 'x' }],
  notes: doc('hello'),
  totalValue: 10,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

const cases: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
  ['nothing moved', {}, {}],
  ['reordered ids are the same set', { organizationIds: [B, A] }, {}],
  ['timestamps never count', { createdAt: '2027-01-01T00:00:00.000Z', updatedAt: '2027-01-01T00:00:00.000Z' }, {}],
  ['a scalar moved', { firstName: 'Moritz' }, { firstName: { previous: 'Max', current: 'Moritz' } }],
  ['an id added', { organizationIds: [A, B, C] }, { organizationIds: { previous: [A, B], current: [A, B, C] } }],
  ['same size, different ids', { organizationIds: [A, C] }, { organizationIds: { previous: [A, B], current: [A, C] } }],
  ['all ids removed', { organizationIds: [] }, { organizationIds: { previous: [A, B], current: [] } }],
  ['email order counts (first is primary)', { emails: ['max@example.com', 'm@example.com'] }, { emails: { previous: ['max@example.com'], current: ['max@example.com', 'm@example.com'] } }],
  ['service quantity change', { services: [{ serviceId: A, quantity: 2 }] }, { services: { previous: [{ serviceId: A, quantity: 1 }], current: [{ serviceId: A, quantity: 2 }] } }],
  ['services reordered are equal', { services: [{ serviceId: A, quantity: 1 }] }, {}],
  ['a custom value cleared', { customFieldValues: [] }, { customFieldValues: { previous: [{ columnId: A, value: 'x' }], current: [] } }],
  ['a custom value changed', { customFieldValues: [{ columnId: A, value: 'y' }] }, { customFieldValues: { previous: [{ columnId: A, value: 'x' }], current: [{ columnId: A, value: 'y' }] } }],
  ['nested note edit', { notes: doc('hello!') }, { notes: { previous: doc('hello'), current: doc('hello!') } }],
  ['notes cleared to null', { notes: null }, { notes: { previous: doc('hello'), current: null } }],
  ['note key order does not count', { notes: { content: [{ content: [{ text: 'hello', type: 'text' }], type: 'paragraph' }], type: 'doc' } }, {}],
  ['a derived field moved', { totalValue: 12 }, { totalValue: { previous: 10, current: 12 } }],
];

describe('computeChanges', () => {
  it.each(cases)('%s', (_name, patch, expected) => {
    expect(computeChanges(base, { ...base, ...patch })).toEqual(expected);
  });

  it('treats a missing id array as empty, and a missing array vs [] as no change', () => {
    expect(computeChanges({ id: A }, { id: A, dealIds: [] })).toEqual({});
    expect(computeChanges({ id: A }, { id: A, dealIds: [B] })).toEqual({ dealIds: { previous: [], current: [B] } });
    expect(computeChanges({ id: A, customFieldValues: [] }, { id: A })).toEqual({});
  });

  it('treats null notes and missing notes alike, and lists null → doc', () => {
    expect(computeChanges({ notes: null }, {})).toEqual({});
    expect(computeChanges({ notes: null }, { notes: doc('x') })).toEqual({ notes: { previous: null, current: doc('x') } });
  });

  it('repeated custom column or service ids are not equal to a set without repeats', () => {
    const twice = [{ columnId: A, value: 'x' }, { columnId: A, value: 'x' }];
    expect(Object.keys(computeChanges({ customFieldValues: [{ columnId: A, value: 'x' }, { columnId: B, value: 'x' }] }, { customFieldValues: twice }))).toEqual(['customFieldValues']);
  });
});
