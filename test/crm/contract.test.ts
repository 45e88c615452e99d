// The event schemas are the one source of the webhooks docs and the OpenAPI `webhooks` section, and real
// events must match them.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createRecord, deleteRecords, updateRecord } from '../../src/crm/index.js';
import { EVENT_NAMES, type EventName } from '../../src/events/catalog.js';
import { renderEventCatalog, replaceEventCatalog } from '../../src/events/catalog-docs.js';
import { exampleEnvelope } from '../../src/events/examples.js';
import { envelopeSchema } from '../../src/events/schemas.js';
import { createTestApp } from '../helpers/app.js';
import { eventReader, principalOf } from './helpers.js';

const t = await createTestApp();

describe('event catalog and OpenAPI webhooks', () => {
  it('docs/webhooks.md holds exactly what `npm run docs` renders (run it after changing the schemas)', () => {
    const committed = fs.readFileSync(new URL('../../docs/webhooks.md', import.meta.url), 'utf8');
    expect(replaceEventCatalog(committed, renderEventCatalog())).toBe(committed);
    for (const name of EVENT_NAMES) expect(committed).toContain(`### ${name}`);
  });

  it('every example envelope matches its schema', () => {
    for (const name of EVENT_NAMES) expect(envelopeSchema(name).safeParse(exampleEnvelope(name)).success, name).toBe(true);
  });

  it('the OpenAPI document has a POST webhook per event whose body is that event\'s envelope', async () => {
    const tenant = await t.signup();
    const document = (await (await t.call('GET', '/openapi.json', { key: tenant.key })).json()) as any;
    expect(Object.keys(document.webhooks).sort()).toEqual([...EVENT_NAMES].sort());
    const body = document.webhooks['deal.deleted'].post.requestBody.content['application/json'];
    const ref = body.schema.$ref.split('/').pop();
    const envelope = document.components.schemas[ref];
    expect(envelope.properties.event).toMatchObject({ enum: ['deal.deleted'] });
    const payloadRef = envelope.properties.data.properties.payload.$ref.split('/').pop();
    expect(Object.keys(document.components.schemas[payloadRef].properties)).toEqual(['dealId', 'deal']);
    expect(document.paths['/contacts/many']).toBeDefined();
  });

  it('real events of every kind parse with their envelope schema', async () => {
    const tenant = await t.signup();
    const principal = principalOf(tenant);
    const newEvents = eventReader(t.ctx.db, tenant.companyId);
    const service = await createRecord(t.ctx.db, principal, 'service', { name: 'S', amount: 5 });
    const deal = await createRecord(t.ctx.db, principal, 'deal', { name: 'D', services: [{ serviceId: service.id }] });
    const org = await createRecord(t.ctx.db, principal, 'organization', { name: 'O', dealIds: [deal.id] });
    const contact = await createRecord(t.ctx.db, principal, 'contact', { firstName: 'C', organizationIds: [org.id], notes: 'n' });
    const task = await createRecord(t.ctx.db, principal, 'task', { name: 'T', contactIds: [contact.id], serviceIds: [service.id], dueDate: null });
    await updateRecord(t.ctx.db, principal, 'service', service.id, { amount: 7 });
    await deleteRecords(t.ctx.db, principal, 'contact', [contact.id]);
    await deleteRecords(t.ctx.db, principal, 'task', [task.id]);
    await deleteRecords(t.ctx.db, principal, 'organization', [org.id]);
    await deleteRecords(t.ctx.db, principal, 'deal', [deal.id]);
    await deleteRecords(t.ctx.db, principal, 'service', [service.id]);
    const seen = new Set<string>();
    for (const event of await newEvents()) {
      seen.add(event.event);
      const result = envelopeSchema(event.event as EventName).strict().safeParse(event);
      expect(result.error, event.event).toBeUndefined();
    }
    expect([...seen].sort()).toEqual([...EVENT_NAMES].sort());
  });
});
