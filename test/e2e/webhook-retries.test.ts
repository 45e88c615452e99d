// Retries in a real browser: enable them on the webhook form, a receiver that answers 503 once, and the delivery
// drawer showing the chain (attempt 1 failed with its next attempt, attempt 2 delivered). Then a 410 disables
// the webhook: the list shows the reason as a badge, and Re-enable brings it back.
import { beforeAll, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { DESKTOP, field, goTo, newAccount, screenshot, signUpInUi, startE2e, type E2e } from './harness.js';

let page: Page;
const e2e: E2e = await startE2e({ WEBHOOK_RETRY_SCHEDULE: '2s,2s' });
beforeAll(async () => {
  page = (await e2e.newPage(DESKTOP)).page;
  await signUpInUi(page, newAccount('retries'));
});

async function createContact(firstName: string) {
  const response = await page.request.post('/api/v1/contacts', { data: { firstName, lastName: 'Retry' }, headers: { origin: e2e.baseUrl } });
  expect(response.status()).toBe(201);
}

test('an admin turns retries on in the form; a 503 then 200 shows as a two-attempt chain in the drawer', async () => {
  let calls = 0;
  e2e.receiver.setResponder(() => (++calls === 1 ? { status: 503, body: 'deploying' } : { status: 200, body: 'ok' }));
  await goTo(page, 'Webhooks');
  await page.getByRole('button', { name: 'New webhook' }).click();
  const dialog = page.getByRole('dialog', { name: 'New webhook' });
  await field(dialog, 'URL').fill(`${e2e.receiver.url}/hooks/retry`);
  await dialog.getByRole('checkbox', { name: 'All contacts events' }).check();
  await dialog.getByLabel('Retries').selectOption('exponential');
  await dialog.getByRole('button', { name: 'Create webhook' }).click();
  await dialog.waitFor({ state: 'detached' });
  const row = page.getByRole('row').filter({ hasText: `${e2e.receiver.url}/hooks/retry` });
  await row.getByRole('button', { name: /^Edit / }).click();
  const edit = page.getByRole('dialog', { name: 'Edit webhook' });
  expect(await edit.getByLabel('Retries').inputValue()).toBe('exponential');
  await edit.getByRole('button', { name: 'Cancel' }).click();

  await createContact('Ada');
  await e2e.receiver.waitFor(1);
  await goTo(page, 'Webhook Deliveries');
  const failed = page.getByRole('table', { name: 'Deliveries' }).locator('tbody tr[data-status="failed"]');
  await failed.first().waitFor();
  await failed.first().getByRole('link').click();
  const drawer = page.getByRole('dialog', { name: 'Delivery' });
  await drawer.getByText('Error: http_status').waitFor();
  // While the retry waits: the next attempt's time; once it ran: the chain with attempt 2 delivered.
  const chain = drawer.getByRole('region', { name: 'Retry chain' });
  await chain.locator('tr[data-attempt="2"][data-status="success"]').waitFor();
  await chain.locator('tr[data-attempt="1"][data-status="failed"]').getByText('HTTP 503').waitFor();
  await screenshot(page, 'delivery-drawer-retry-chain');
  await chain.getByRole('button', { name: 'Attempt 2' }).click();
  await drawer.getByText('Automatic retry').waitFor();
  await drawer.getByText(/^Attempt 1 \(/).waitFor();
  expect(calls).toBe(2);
  await page.keyboard.press('Escape');
  await drawer.waitFor({ state: 'detached' });
  const top = page.getByRole('table', { name: 'Deliveries' }).locator('tbody tr[data-delivery-id]').first();
  expect(await top.textContent()).toContain('retry · attempt 2');
});

test('while a retry waits the drawer shows when it is due (a 429 asking for 30 s)', async () => {
  e2e.receiver.setResponder(() => ({ status: 429, headers: { 'retry-after': '30' } }));
  const before = e2e.receiver.requests.length;
  await createContact('Grace');
  await e2e.receiver.waitFor(before + 1);
  await page.goto('/company/deliveries');
  const failed = page.getByRole('table', { name: 'Deliveries' }).locator('tbody tr[data-status="failed"]');
  await failed.first().getByRole('link').click();
  const drawer = page.getByRole('dialog', { name: 'Delivery' });
  await drawer.getByText('Response — HTTP 429').waitFor();
  await drawer.getByTestId('next-attempt').waitFor();
  await drawer.getByRole('region', { name: 'Retry chain' }).locator('tr[data-attempt="2"][data-status="pending"]').waitFor();
  await page.keyboard.press('Escape');
});

test('a 410 disables the webhook: the list shows the reason and Re-enable clears it', async () => {
  e2e.receiver.setResponder(() => ({ status: 410 }));
  const before = e2e.receiver.requests.length;
  await createContact('Linus');
  await e2e.receiver.waitFor(before + 1);
  await goTo(page, 'Webhooks');
  const row = page.getByRole('row').filter({ hasText: `${e2e.receiver.url}/hooks/retry` });
  await expect
    .poll(async () => {
      await page.reload();
      await row.getByRole('switch').waitFor();
      return row.locator('[data-disabled-reason="gone"]').count();
    }, { timeout: 20_000 })
    .toBe(1);
  await row.getByText('Gone', { exact: true }).waitFor();
  await screenshot(page, 'webhooks-disabled-gone');
  await row.getByRole('button', { name: /^Re-enable / }).click();
  await row.locator('[data-disabled-reason]').waitFor({ state: 'detached' });
  expect(await row.getByRole('switch').isChecked()).toBe(true);
});
