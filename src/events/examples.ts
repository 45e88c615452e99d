// Fixed example DTOs and envelopes for the OpenAPI `webhooks` section and the event catalog. Deterministic
// (fixed ids and times) so the generated docs only change when the shapes do.
import type { EventName, RecordType } from './catalog.js';
import type { RecordDtoByType } from './schemas.js';

const COMPANY_ID = '0d6f1b9e-3c1a-4e8a-9b51-2f4c7d3e8a10';
const USER_ID = '5a2c9e41-7b3d-4f6a-8c2e-1d9b0f4a6e23';
const IDS: Record<RecordType, string> = {
  contact: '8f14e45f-ceea-467f-a8c2-5b3a1e0d9c71',
  organization: 'c9f0f895-fb98-4b91-8a7e-2d4c6e8f0a12',
  deal: '45c48cce-2e2d-4fbd-9c3a-7e6f5d4c3b21',
  service: 'd3d94468-02a4-4a3c-8e1f-9b8a7c6d5e43',
  task: '6512bd43-d9ca-4e6b-b2d1-3c4e5f6a7b89',
};
const CREATED_AT = '2026-04-22T09:58:12.345Z';
const UPDATED_AT = '2026-04-22T10:00:00.000Z';
const base = { notes: null, customFieldValues: [], userIds: [USER_ID], createdAt: CREATED_AT, updatedAt: UPDATED_AT };

export const EXAMPLE_DTOS: RecordDtoByType = {
  contact: {
    id: IDS.contact,
    firstName: 'Max',
    lastName: 'Mustermann',
    emails: ['max@example.com'],
    organizationIds: [IDS.organization],
    dealIds: [IDS.deal],
    taskIds: [],
    ...base,
    notes: { type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Met at the trade fair.' }] }] },
  },
  organization: { id: IDS.organization, name: 'Example GmbH', contactIds: [IDS.contact], dealIds: [IDS.deal], taskIds: [], ...base },
  deal: {
    id: IDS.deal,
    name: 'Website relaunch',
    totalValue: 3600,
    totalQuantity: 3,
    organizationIds: [IDS.organization],
    contactIds: [IDS.contact],
    taskIds: [IDS.task],
    services: [{ serviceId: IDS.service, quantity: 3 }],
    ...base,
    customFieldValues: [{ columnId: 'b6d767d2-f8a2-4b3c-9d1e-0a9b8c7d6e54', value: 'negotiation' }],
  },
  service: { id: IDS.service, name: 'Consulting day', amount: 1200, dealIds: [IDS.deal], taskIds: [IDS.task], ...base },
  task: {
    id: IDS.task,
    name: 'Send the proposal',
    status: 'open',
    dueDate: '2026-04-30',
    contactIds: [],
    organizationIds: [],
    dealIds: [IDS.deal],
    serviceIds: [IDS.service],
    ...base,
  },
};

const EXAMPLE_CHANGES: Record<RecordType, Record<string, { previous: unknown; current: unknown }>> = {
  contact: { organizationIds: { previous: [], current: [IDS.organization] } },
  organization: { name: { previous: 'Example', current: 'Example GmbH' } },
  deal: { services: { previous: [{ serviceId: IDS.service, quantity: 2 }], current: [{ serviceId: IDS.service, quantity: 3 }] }, totalValue: { previous: 2400, current: 3600 }, totalQuantity: { previous: 2, current: 3 } },
  service: { amount: { previous: 1000, current: 1200 } },
  task: { dueDate: { previous: null, current: '2026-04-30' } },
};

export function examplePayload(name: EventName): Record<string, unknown> {
  const [type, action] = name.split('.') as [RecordType, string];
  const dto = EXAMPLE_DTOS[type];
  if (action === 'created') return { [type]: { ...dto, updatedAt: dto.createdAt } };
  if (action === 'updated') return { [type]: dto, changes: EXAMPLE_CHANGES[type] };
  return { [`${type}Id`]: dto.id, [type]: dto };
}

export function exampleEnvelope(name: EventName) {
  return {
    event: name,
    data: { userId: USER_ID, companyId: COMPANY_ID, entityId: IDS[name.split('.')[0] as RecordType], payload: examplePayload(name) },
    timestamp: UPDATED_AT,
  };
}
