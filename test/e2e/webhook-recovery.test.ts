// Catching a webhook up in a real browser: a receiver that was down loses three contact.created deliveries;
// "Recover failed…" previews 3, queues them, and the receiver gets the same bodies, signed; a second preview finds
// nothing. "Send test" shows the outcome of a signed webhook.test, delivered and failed. Then the same on a phone.
import { createHmac } from 'node:crypto';
import { beforeAll, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { DESKTOP, goTo, newAccount, PHONE, screenshot, signUpInUi, startE2e, UI_TIMEOUT_MS, type E2e } from './harness.js';

const account = newAccount('recover');
const secret = 'recover-e2e-secret-0123';
let page: Page;
let url = '';
let webhookId = '';

const e2e: E2e = await startE2e();
beforeAll(async () => {
  page = (await e2e.newPage(DESKTOP)).page;
  await signUpInUi(page, account);
  url = `${e2e.receiver.url}/catch-up`;
  const created = await page.request.post('/api/v1/webhooks', { data: { url, events: ['contact.created'], secret, description: 'Catch-up' } });
  expect(created.status()).toBe(201);
  webhookId = ((await created.json()) as { id: string }).id;
});

async function failedDeliveries(): Promise<number> {
  const response = await page.request.get(`/api/v1/webhook-deliveries?webhookId=${webhookId}&status=failed`);
  return ((await response.json()) as { total: number }).total;
}

const verified = (body: string, signature: unknown) => signature === createHmac('sha256', secret).update(body).digest('hex');

test('Recover failed… previews the count, then re-sends exactly those events', async () => {
  e2e.receiver.setResponder(() => ({ status: 503, body: 'deploying' }));
  for (const name of ['Ada', 'Grace', 'Edsger']) {
    expect((await page.request.post('/api/v1/contacts', { data: { firstName: name, lastName: 'Outage' } })).status()).toBe(201);
  }
  await expect.poll(failedDeliveries, { timeout: UI_TIMEOUT_MS }).toBe(3);
  const lost = e2e.receiver.requests.map((r) => r.body);
  e2e.receiver.setResponder(() => ({ status: 200, body: 'ok' }));

  await goTo(page, 'Webhooks');
  await page.getByRole('button', { name: `Recover failed deliveries of ${url}` }).click();
  const dialog = page.getByRole('dialog', { name: 'Recover failed deliveries' });
  await dialog.getByRole('button', { name: 'Preview' }).click();
  const preview = dialog.getByTestId('recover-preview');
  await expect.poll(() => preview.textContent()).toBe('3 events would be re-sent.');
  expect(e2e.receiver.requests).toHaveLength(3); // a preview sends nothing
  await screenshot(page, 'recover-preview');

  await dialog.getByRole('button', { name: 'Re-send 3 events' }).click();
  await dialog.getByTestId('recover-queued').getByText('Queued 3 events.').waitFor();
  const all = await e2e.receiver.waitFor(6, UI_TIMEOUT_MS);
  const resent = all.slice(3);
  expect(resent.map((r) => r.body).sort()).toEqual([...lost].sort());
  expect(resent.every((r) => verified(r.body, r.headers['x-webhook-signature']))).toBe(true);
  await screenshot(page, 'recover-queued');

  // Running it again finds nothing: each event was re-sent once.
  await dialog.getByRole('button', { name: 'Preview' }).click();
  await dialog.getByTestId('recover-preview').getByText('Nothing to recover in this range', { exact: false }).waitFor();
  await dialog.getByRole('button', { name: 'Close' }).click();
  await dialog.waitFor({ state: 'detached' });

  // The delivery log shows them as recover deliveries.
  const log = (await (await page.request.get(`/api/v1/webhook-deliveries?webhookId=${webhookId}&status=success`)).json()) as { items: Array<{ trigger: string }> };
  expect(log.items.map((d) => d.trigger)).toEqual(['recover', 'recover', 'recover']);
});

test('Send test shows the outcome: delivered with its status code, then a failure with its kind', async () => {
  const before = e2e.receiver.requests.length;
  await page.getByRole('button', { name: `Send test to ${url}` }).click();
  const outcome = page.getByTestId('test-outcome');
  await expect.poll(() => outcome.getAttribute('data-status')).toBe('success');
  await outcome.getByText('The receiver answered HTTP 200', { exact: false }).waitFor();
  await page.getByRole('row').filter({ hasText: 'Catch-up' }).locator('[data-status="success"]').waitFor();
  const [request] = (await e2e.receiver.waitFor(before + 1, UI_TIMEOUT_MS)).slice(before);
  expect(request!.headers['x-webhook-event']).toBe('webhook.test');
  expect(JSON.parse(request!.body)).toMatchObject({ event: 'webhook.test', data: { entityId: webhookId, payload: { webhook: { id: webhookId, url } } } });
  expect(verified(request!.body, request!.headers['x-webhook-signature'])).toBe(true);
  await screenshot(page, 'send-test-delivered');
  await page.keyboard.press('Escape');

  e2e.receiver.setResponder(() => ({ status: 500, body: 'not today' }));
  await page.getByRole('button', { name: `Send test to ${url}` }).click();
  await expect.poll(() => outcome.getAttribute('data-status')).toBe('failed');
  await outcome.getByText('HTTP 500 — http_status', { exact: false }).waitFor();
  // The list follows: the webhook's last delivery is now this failed test.
  await page.getByRole('row').filter({ hasText: 'Catch-up' }).locator('[data-status="failed"]').waitFor();
  await screenshot(page, 'send-test-failed');
  // The link opens the test delivery in the log.
  await outcome.getByRole('link', { name: 'Open in the delivery log' }).click();
  const drawer = page.getByRole('dialog', { name: 'Delivery' });
  await drawer.getByTestId('response-body').getByText('not today').waitFor();
  await drawer.getByRole('link', { name: `Webhook ${webhookId}` }).waitFor();
  await screenshot(page, 'test-delivery-drawer');
  e2e.receiver.setResponder(() => ({ status: 200, body: 'ok' }));
});

test('the webhook actions fit a phone', async () => {
  const { page: phone, context } = await e2e.newPage(PHONE);
  await phone.goto('/login');
  await phone.getByLabel(/^Email/).fill(account.email);
  await phone.getByLabel(/^Password/).fill(account.password);
  await phone.getByRole('button', { name: 'Sign in' }).click();
  await phone.getByRole('heading', { name: 'Contacts' }).waitFor();
  await goTo(phone, 'Webhooks');
  const card = phone.getByRole('listitem').filter({ hasText: 'Catch-up' });
  const recover = card.getByRole('button', { name: `Recover failed deliveries of ${url}` });
  await recover.waitFor();
  for (const button of [recover, card.getByRole('button', { name: `Send test to ${url}` })]) {
    const box = (await button.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
  }
  expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
  await screenshot(phone, 'webhooks-actions-phone');
  await recover.click();
  const dialog = phone.getByRole('dialog', { name: 'Recover failed deliveries' });
  await dialog.getByRole('button', { name: 'Preview' }).click();
  await dialog.getByTestId('recover-preview').waitFor();
  await screenshot(phone, 'recover-phone');
  await context.close();
});
