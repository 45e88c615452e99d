// The five record types as data: their links (DTO field → the type on the other side) and plural names.
// Everything generic in src/crm (loading, writing, linking, routes) is driven by these tables.
import type { RecordType } from '../events/catalog.js';

export { RECORD_TYPES, type RecordType } from '../events/catalog.js';
export type { RecordDto, RecordDtoByType } from '../events/schemas.js';

export const RELATIONS = {
  contact: { organizationIds: 'organization', dealIds: 'deal', taskIds: 'task' },
  organization: { contactIds: 'contact', dealIds: 'deal', taskIds: 'task' },
  deal: { organizationIds: 'organization', contactIds: 'contact', taskIds: 'task', services: 'service' },
  service: { dealIds: 'deal', taskIds: 'task' },
  task: { contactIds: 'contact', organizationIds: 'organization', dealIds: 'deal', serviceIds: 'service' },
} as const satisfies Record<RecordType, Record<string, RecordType>>;

export type RelationName<T extends RecordType = RecordType> = keyof (typeof RELATIONS)[T] & string;

export const RECORD_PLURALS = {
  contact: 'contacts',
  organization: 'organizations',
  deal: 'deals',
  service: 'services',
  task: 'tasks',
} as const satisfies Record<RecordType, string>;
export type RecordPlural = (typeof RECORD_PLURALS)[RecordType];

/** The DTO field on `type` that lists records of `target` (e.g. contact + organization → organizationIds). */
export function relationTo(type: RecordType, target: RecordType): string | undefined {
  const relations = RELATIONS[type] as Record<string, RecordType>;
  return Object.keys(relations).find((field) => relations[field] === target);
}

export function relationsOf(type: RecordType): Array<[field: string, target: RecordType]> {
  return Object.entries(RELATIONS[type]) as Array<[string, RecordType]>;
}

/** Links are stored once per pair, with the type that comes first in this order as `from`. */
const ORDER: Record<RecordType, number> = { contact: 0, organization: 1, deal: 2, service: 3, task: 4 };
export function isFromSide(type: RecordType, other: RecordType): boolean {
  return ORDER[type] < ORDER[other];
}

export function articleFor(type: RecordType): string {
  return type === 'organization' ? 'an organization' : `a ${type}`;
}
