// The receiver toolkit in a real browser: New webhook with a custom Authorization header (a refused name first,
// with the server's message), the list shows the header's name and never its value, the delivery arrives with
// it; "Rotate secret…" shows the new secret once, deliveries verify with it through the `standardwebhooks`
// library, and reopening the dialog shows it no more.
import { Webhook } from 'standardwebhooks';
import { beforeAll, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { DESKTOP, field, goTo, newAccount, screenshot, signUpInUi, startE2e, UI_TIMEOUT_MS, type E2e } from './harness.js';

const account = newAccount('toolkit');
const TOKEN = 'Bearer gateway-e2e-token-42';
let page: Page;
const e2e: E2e = await startE2e();
beforeAll(async () => {
  page = (await e2e.newPage(DESKTOP)).page;
  await signUpInUi(page, account);
});

const verifies = (secret: string, body: string, headers: Record<string, unknown>) => {
  try {
    new Webhook(Buffer.from(secret), { format: 'raw' }).verify(body, headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
};

test('custom headers are set on the form, listed by name only and sent; rotation shows the new secret once', async () => {
  const url = `${e2e.receiver.url}/toolkit`;
  await goTo(page, 'Webhooks');
  await page.getByRole('button', { name: 'New webhook' }).click();
  const dialog = page.getByRole('dialog', { name: 'New webhook' });
  await field(dialog, 'URL').fill(url);
  await dialog.getByRole('checkbox', { name: 'All contacts events' }).check();
  await dialog.getByRole('button', { name: 'Generate' }).click();
  const firstSecret = await field(dialog, 'Signing secret').inputValue();
  await dialog.getByRole('button', { name: 'Add header' }).click();
  await dialog.getByLabel('Header 1 name').fill('X-Webhook-Token');
  await dialog.getByLabel('Header 1 value').fill('x');
  await dialog.getByRole('button', { name: 'Create webhook' }).click();
  await dialog.getByRole('alert').filter({ hasText: 'X-Webhook-Token' }).waitFor();
  expect(await dialog.getByRole('alert').filter({ hasText: 'X-Webhook-Token' }).textContent()).toContain('set by Switchboard');

  await dialog.getByLabel('Header 1 name').fill('Authorization');
  await dialog.getByLabel('Header 1 value').fill(TOKEN);
  await dialog.getByRole('button', { name: 'Create webhook' }).click();
  await dialog.waitFor({ state: 'detached' });
  const row = page.getByRole('row').filter({ hasText: url });
  await row.getByTestId('header-names').getByText('Headers: Authorization').waitFor();
  expect(await page.content()).not.toContain('gateway-e2e-token-42');
  await screenshot(page, 'webhook-custom-headers');

  // The edit form shows the name with a mask, never the value.
  await row.getByRole('button', { name: `Edit ${url}` }).click();
  const edit = page.getByRole('dialog', { name: 'Edit webhook' });
  await edit.getByTestId('stored-header').getByText('Authorization: ••••').waitFor();
  expect(await page.content()).not.toContain('gateway-e2e-token-42');
  await edit.getByRole('button', { name: 'Cancel' }).click();
  await edit.waitFor({ state: 'detached' });

  expect((await page.request.post('/api/v1/contacts', { data: { firstName: 'Ada', lastName: 'Header' } })).status()).toBe(201);
  const [first] = await e2e.receiver.waitFor(1, UI_TIMEOUT_MS);
  expect(first!.headers.authorization).toBe(TOKEN);
  expect(verifies(firstSecret, first!.body, first!.headers)).toBe(true);

  // Rotate: the new secret is shown once.
  await row.getByRole('button', { name: `Rotate the secret of ${url}` }).click();
  const rotate = page.getByRole('dialog', { name: 'Rotate signing secret' });
  await field(rotate, 'Overlap (hours)').fill('2');
  await rotate.getByRole('button', { name: 'Rotate secret' }).click();
  const shown = rotate.getByTestId('rotated-secret');
  await shown.waitFor();
  const newSecret = (await shown.textContent())!.trim();
  expect(newSecret.length).toBeGreaterThanOrEqual(32);
  expect(newSecret).not.toBe(firstSecret);
  await rotate.getByText('webhook-signature also carries a signature made with the previous secret', { exact: false }).waitFor();
  await screenshot(page, 'webhook-rotate-secret');
  await rotate.getByRole('button', { name: 'Done' }).click();
  await rotate.waitFor({ state: 'detached' });
  expect(await page.content()).not.toContain(newSecret);
  await row.getByRole('button', { name: `Rotate the secret of ${url}` }).click();
  await page.getByRole('dialog', { name: 'Rotate signing secret' }).getByLabel('New secret').waitFor();
  expect(await page.content()).not.toContain(newSecret);
  await page.getByRole('dialog', { name: 'Rotate signing secret' }).getByRole('button', { name: 'Cancel' }).click();

  expect((await page.request.post('/api/v1/contacts', { data: { firstName: 'Grace', lastName: 'Rotated' } })).status()).toBe(201);
  const all = await e2e.receiver.waitFor(2, UI_TIMEOUT_MS);
  const second = all[1]!;
  expect(verifies(newSecret, second.body, second.headers)).toBe(true);
  expect(verifies(firstSecret, second.body, second.headers)).toBe(true); // the overlap
  const revealed = (await (await page.request.post(`/api/v1/webhooks/${(await (await page.request.get('/api/v1/webhooks')).json()).items[0].id}/secret/reveal`)).json()) as { secret: string };
  expect(revealed.secret).toBe(newSecret);
});
