// "Send current state" in a real browser: a backfill of 150 contacts to one webhook with a progress bar, a
// cancel that stops it, and a second run that ends with the final count; the receiver gets one
// contact.snapshot per contact. The webhook form sets per-record ordering.
import { beforeAll, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { DESKTOP, goTo, newAccount, screenshot, signUpInUi, startE2e, UI_TIMEOUT_MS, type E2e } from './harness.js';

const account = newAccount('backfill');
let page: Page;
let url = '';
let webhookId = '';
const COUNT = 150;

const e2e: E2e = await startE2e();
beforeAll(async () => {
  page = (await e2e.newPage(DESKTOP)).page;
  await signUpInUi(page, account);
  url = `${e2e.receiver.url}/current-state`;
  for (let i = 0; i < COUNT; i += 50) {
    const items = Array.from({ length: 50 }, (_, n) => ({ firstName: `State${i + n}`, lastName: 'Snapshot' }));
    expect((await page.request.post('/api/v1/contacts/many', { data: { items } })).status()).toBe(201);
  }
  // Subscribed to updates only: creating the contacts above sent nothing; the backfill sends their state.
  const created = await page.request.post('/api/v1/webhooks', { data: { url, events: ['contact.updated'] } });
  expect(created.status()).toBe(201);
  webhookId = ((await created.json()) as { id: string }).id;
});

const snapshots = () => e2e.receiver.requests.filter((r) => r.path === '/current-state');

test('Send current state: progress, cancel, then a full run with the final count', async () => {
  // Slow answers: the first job is still running when it is cancelled.
  e2e.receiver.setResponder(() => ({ status: 200, delayMs: 2_000 }));
  await goTo(page, 'Webhooks');
  await page.getByRole('button', { name: `Send current state to ${url}` }).click();
  let dialog = page.getByRole('dialog', { name: 'Send current state' });
  await dialog.getByRole('checkbox', { name: 'Contacts' }).waitFor();
  expect(await dialog.getByRole('checkbox', { name: 'Contacts' }).isChecked()).toBe(true);
  await dialog.getByRole('button', { name: 'Send current state' }).click();
  const job = dialog.getByTestId('backfill-job');
  await job.getByRole('progressbar', { name: 'Backfill progress' }).waitFor();
  await screenshot(page, 'backfill-running');
  await job.getByRole('button', { name: 'Cancel' }).click();
  await dialog.getByText('Cancelled', { exact: true }).waitFor();
  expect(await job.getAttribute('data-status')).toBe('cancelled');
  await screenshot(page, 'backfill-cancelled');
  await page.keyboard.press('Escape');

  // Whatever the cancelled job had queued still goes out; then a full run completes.
  e2e.receiver.setResponder(() => ({ status: 200 }));
  await page.getByRole('button', { name: `Send current state to ${url}` }).click();
  dialog = page.getByRole('dialog', { name: 'Send current state' });
  await dialog.getByRole('button', { name: 'Send current state' }).click();
  await dialog.getByText('Completed', { exact: true }).waitFor({ timeout: 60_000 });
  expect(await dialog.getByTestId('backfill-counts').textContent()).toBe(`${COUNT} sent · 0 failed · ${COUNT} queued of ${COUNT} records`);
  await screenshot(page, 'backfill-completed');
  await page.keyboard.press('Escape');

  // Both runs together: every contact's snapshot reached the receiver (the completed run's once each).
  const secondRun = new Map<string, number>();
  await expect.poll(() => snapshots().length, { timeout: UI_TIMEOUT_MS }).toBeGreaterThanOrEqual(COUNT);
  const bodies = snapshots().map((r) => JSON.parse(r.body) as { event: string; data: { entityId: string; trigger: string } });
  expect(bodies.every((b) => b.event === 'contact.snapshot' && b.data.trigger === 'backfill')).toBe(true);
  for (const body of bodies) secondRun.set(body.data.entityId, (secondRun.get(body.data.entityId) ?? 0) + 1);
  expect(secondRun.size).toBe(COUNT);
}, 120_000);

test('the webhook form sets per-record ordering', async () => {
  await goTo(page, 'Webhooks');
  await page.getByRole('button', { name: `Edit ${url}` }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Ordering').selectOption('per-record');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect
    .poll(async () => ((await (await page.request.get(`/api/v1/webhooks/${webhookId}`)).json()) as { ordering: string }).ordering, { timeout: UI_TIMEOUT_MS })
    .toBe('per-record');
});

test('the delivery drawer names a snapshot delivery\'s trigger', async () => {
  await goTo(page, 'Webhook Deliveries');
  const snapshot = page.getByRole('table', { name: 'Deliveries' }).locator('tbody tr[data-delivery-id]').filter({ hasText: 'contact.snapshot' });
  await snapshot.first().getByRole('link').click();
  const drawer = page.getByRole('dialog', { name: 'Delivery' });
  const trigger = drawer.locator('tr').filter({ has: page.locator('th', { hasText: /^Trigger$/ }) });
  await expect.poll(() => trigger.locator('td').textContent(), { timeout: UI_TIMEOUT_MS }).toBe('Send current state');
  await page.keyboard.press('Escape');
  await drawer.waitFor({ state: 'detached' });
});
