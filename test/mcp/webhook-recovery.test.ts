// recover_webhook_deliveries and test_webhook through the SDK's own MCP client against a real listening server,
// with the real worker and an HTTPS receiver: the same answers as REST, errors naming the field, tenants apart.
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { withTransaction } from '../../src/db/transaction.js';
import { publishEvents } from '../../src/events/publish.js';
import { listen } from '../helpers/http-server.js';
import { connectMcp } from '../helpers/mcp.js';
import { allFinished, createWebhook, deliveriesOf, startDeliveryFixture, waitForDeliveries } from '../delivery/fixtures.js';

const { t, receiver, startWorker } = await startDeliveryFixture({ receiver: { responder: () => ({ status: 502 }) } });
const baseUrl = await listen(t);
const admin = await t.signup({ companyName: 'Recover Co' });
const other = await t.signup({ companyName: 'Other Co' });
const mcp = await connectMcp(baseUrl, admin.key);
const otherMcp = await connectMcp(baseUrl, other.key);
const worker = startWorker();

const since = () => new Date(Date.now() - 3_600_000).toISOString();

describe('recover_webhook_deliveries', () => {
  it('dry run, real run, second run = 0, and REST agrees', async () => {
    const hook = await createWebhook(t, admin, { url: `${receiver.url}/down`, events: ['contact.created'] });
    await withTransaction(t.ctx.db, (tx) =>
      publishEvents(tx, { companyId: admin.companyId, userId: admin.userId }, [1, 2, 3].map(() => ({ name: 'contact.created' as const, entityId: crypto.randomUUID(), recordVersion: 1, payload: {} }))),
    );
    await waitForDeliveries(t, admin.companyId, allFinished(3));
    await worker.stop();
    const window = { webhookId: hook.id, since: since() };

    const preview = await mcp.call('recover_webhook_deliveries', { ...window, dryRun: true });
    expect(preview.isError).toBeFalsy();
    expect(preview.structuredContent).toEqual({ count: 3, hasMore: false, dryRun: true });
    const rest = await t.call('POST', `/webhooks/${hook.id}/recover`, { key: admin.key, body: { since: window.since, dryRun: true } });
    expect(await rest.json()).toEqual(preview.structuredContent);
    expect(JSON.parse(preview.text)).toEqual(preview.structuredContent);

    expect((await mcp.call('recover_webhook_deliveries', window)).structuredContent).toEqual({ count: 3, hasMore: false, dryRun: false });
    expect((await mcp.call('recover_webhook_deliveries', window)).structuredContent).toEqual({ count: 0, hasMore: false, dryRun: false });
    const recovered = (await deliveriesOf(t, admin.companyId)).filter((d) => d.trigger === 'recover');
    expect(recovered).toHaveLength(3);
    expect(recovered.every((d) => d.status === 'pending' && d.resend_of !== null)).toBe(true);
  });

  it('bad input and foreign ids are errors that say what to do', async () => {
    const hook = await createWebhook(t, admin, { url: `${receiver.url}/x`, events: ['contact.created'] });
    const backwards = await mcp.call('recover_webhook_deliveries', { webhookId: hook.id, since: new Date().toISOString(), until: since() });
    expect(backwards.isError).toBe(true);
    expect(backwards.text).toMatch(/^since: must be before until/);
    const tooLong = await mcp.call('recover_webhook_deliveries', { webhookId: hook.id, since: '2026-01-01T00:00:00Z', until: '2026-03-01T00:00:00Z' });
    expect(tooLong.text).toMatch(/^since: the window from since to until must be at most 30 days/);
    const badTime = await mcp.call('recover_webhook_deliveries', { webhookId: hook.id, since: 'last tuesday' });
    expect(badTime.text).toMatch(/^since: must be an ISO-8601 date-time/);
    const badId = await mcp.call('recover_webhook_deliveries', { webhookId: 'nope', since: since() });
    expect(badId.text).toMatch(/^webhookId: must be a UUID/);
    const foreign = await otherMcp.call('recover_webhook_deliveries', { webhookId: hook.id, since: since(), dryRun: true });
    expect(foreign.isError).toBe(true);
    expect(foreign.text).toMatch(/webhook .* was not found\. Use list_webhooks to find webhook ids\./);
    await mcp.call('update_webhook', { id: hook.id, enabled: false });
    const disabled = await mcp.call('recover_webhook_deliveries', { webhookId: hook.id, since: since() });
    expect(disabled.isError).toBe(true);
    expect(disabled.text).toMatch(/is disabled; enable it first .* update_webhook \{id, enabled: true\} enables it\.$/);
    expect((await mcp.call('recover_webhook_deliveries', { webhookId: hook.id, since: since(), dryRun: true })).structuredContent).toEqual({ count: 0, hasMore: false, dryRun: true });
  });
});

describe('test_webhook', () => {
  it('queues a signed webhook.test and returns the delivery; get_webhook_delivery shows the outcome', async () => {
    const secret = 'mcp-test-secret-123';
    const hook = await createWebhook(t, admin, { url: `${receiver.url}/mcp-test`, events: ['task.created'], secret });
    receiver.setResponder(() => ({ status: 200, body: 'ok' }));
    startWorker();
    const result = await mcp.call('test_webhook', { id: hook.id });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ webhookId: hook.id, event: 'webhook.test', trigger: 'test', status: 'pending' });
    const id = result.structuredContent.id;
    let delivery: any;
    for (let i = 0; i < 200; i++) {
      delivery = (await mcp.call('get_webhook_delivery', { id })).structuredContent;
      if (delivery.status !== 'pending' && delivery.status !== 'processing') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(delivery).toMatchObject({ status: 'success', statusCode: 200, event: 'webhook.test' });
    const request = receiver.requests.find((r) => r.headers['x-webhook-delivery'] === id)!;
    expect(request.headers['x-webhook-signature']).toBe(crypto.createHmac('sha256', secret).update(request.body).digest('hex'));
    // The delivery log lists it through MCP too (its output schema accepts the test event).
    const listed = await mcp.call('list_webhook_deliveries', { webhookId: hook.id });
    expect(listed.isError).toBeFalsy();
    expect(listed.structuredContent.items.map((d: any) => d.event)).toEqual(['webhook.test']);
    const foreign = await otherMcp.call('test_webhook', { id: hook.id });
    expect(foreign.isError).toBe(true);
    expect(foreign.text).toMatch(/was not found/);
  });
});
