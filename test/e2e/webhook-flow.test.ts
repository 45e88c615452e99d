// The product's main path in a real browser: sign up → New webhook to a local HTTPS receiver → create a contact →
// Delivered, with a signature the receiver can verify → receiver answers 500 → edit the contact → Failed, with
// the response body in the drawer → receiver healthy again → Resend → a new Delivered row, the original unchanged.
// Then search and filters over the log, and the same screens on a phone.
import { createHmac } from 'node:crypto';
import { beforeAll, expect, test } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { choose, DESKTOP, field, goTo, newAccount, PHONE, screenshot, signUpInUi, startE2e, UI_TIMEOUT_MS, type E2e } from './harness.js';

let e2e: E2e;
let page: Page;
let secret = '';
const account = newAccount('flow');

// Started at module level: hooks registered inside beforeAll are never run, and the harness's
// afterAll (browser, server process, receiver) must run.
e2e = await startE2e();
beforeAll(async () => {
  page = (await e2e.newPage(DESKTOP)).page;
  await signUpInUi(page, account);
});

const deliveryRows = () => page.getByRole('table', { name: 'Deliveries' }).locator('tbody tr[data-delivery-id]');
const rowOf = (event: string, status: string) => deliveryRows().and(page.locator(`[data-status="${status}"]`)).filter({ hasText: event });

async function idOf(row: Locator): Promise<string> {
  return (await row.getAttribute('data-delivery-id'))!;
}

test('an admin creates a webhook; the server’s URL error shows under the URL field', async () => {
  await goTo(page, 'Webhooks');
  await page.getByText('No webhooks yet.', { exact: false }).waitFor();
  await page.getByRole('button', { name: 'New webhook' }).click();
  const dialog = page.getByRole('dialog', { name: 'New webhook' });
  await field(dialog, 'URL').fill('http://example.com/hook');
  await dialog.getByRole('checkbox', { name: 'All contacts events' }).check();
  await dialog.getByRole('button', { name: 'Create webhook' }).click();
  const urlError = dialog.locator('.mantine-TextInput-error');
  await urlError.waitFor();
  expect((await urlError.textContent())!.toLowerCase()).toContain('https');

  await field(dialog, 'URL').fill(`${e2e.receiver.url}/hooks/crm`);
  await field(dialog, 'Description').fill('CRM sync');
  await dialog.getByRole('button', { name: 'Generate' }).click();
  secret = await field(dialog, 'Signing secret').inputValue();
  expect(secret).toMatch(/^[0-9a-f]{64}$/);
  for (const event of ['contact.created', 'contact.updated', 'contact.deleted']) expect(await dialog.getByRole('checkbox', { name: event, exact: true }).isChecked()).toBe(true);
  expect(await dialog.getByRole('checkbox', { name: 'organization.created', exact: true }).isChecked()).toBe(false);
  await screenshot(page, 'webhook-new-modal');
  await dialog.getByRole('button', { name: 'Create webhook' }).click();
  await dialog.waitFor({ state: 'detached' });
  const row = page.getByRole('row').filter({ hasText: `${e2e.receiver.url}/hooks/crm` });
  await row.getByText('CRM sync').waitFor();
  await row.getByText('None yet').waitFor();

  // Afterwards the secret is hidden; only an explicit Reveal fetches it.
  await row.getByRole('button', { name: /^Edit / }).click();
  const edit = page.getByRole('dialog', { name: 'Edit webhook' });
  expect(await field(edit, 'Signing secret').inputValue()).toBe('');
  await edit.getByRole('button', { name: 'Reveal' }).click();
  await expect.poll(() => field(edit, 'Signing secret').inputValue()).toBe(secret);
  await edit.getByRole('button', { name: 'Cancel' }).click();
  await edit.waitFor({ state: 'detached' });
});

test('creating a contact in the UI delivers a signed contact.created', async () => {
  await goTo(page, 'Contacts');
  await page.getByRole('button', { name: 'New contact' }).click();
  await field(page, 'First name').fill('Grace');
  await field(page, 'Last name').fill('Hopper');
  await field(page, 'Emails').fill('grace@example.com');
  await field(page, 'Emails').press('Enter');
  await page.getByRole('button', { name: 'Create' }).click();
  await page.getByRole('link', { name: 'Grace Hopper' }).waitFor();
  await screenshot(page, 'contacts');

  const [request] = await e2e.receiver.waitFor(1, UI_TIMEOUT_MS);
  const envelope = JSON.parse(request!.body) as { event: string; data: { payload: { contact: { firstName: string; emails: string[] } } } };
  expect(envelope.event).toBe('contact.created');
  expect(envelope.data.payload.contact).toMatchObject({ firstName: 'Grace', emails: ['grace@example.com'] });
  expect(request!.headers['x-webhook-signature']).toBe(createHmac('sha256', secret).update(request!.body).digest('hex'));

  await goTo(page, 'Webhook Deliveries');
  await rowOf('contact.created', 'success').getByText('Delivered').waitFor();
  expect(await deliveryRows().count()).toBe(1);
});

test('a receiver answering 500 shows as Failed with its body; Resend adds a new Delivered row and keeps the original', async () => {
  e2e.receiver.setResponder(() => ({ status: 500, body: 'receiver exploded: database is down' }));
  await goTo(page, 'Contacts');
  await page.getByRole('link', { name: 'Grace Hopper' }).click();
  await field(page, 'Last name').fill('Brewster Hopper');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('link', { name: 'Grace Brewster Hopper' }).waitFor();
  await e2e.receiver.waitFor(2, UI_TIMEOUT_MS);

  await goTo(page, 'Webhook Deliveries');
  const failed = rowOf('contact.updated', 'failed');
  await failed.getByText('Failed').waitFor();
  await failed.getByRole('cell', { name: '500', exact: true }).waitFor();
  const originalId = await idOf(failed);
  await screenshot(page, 'deliveries');

  await failed.getByRole('link').click();
  const drawer = page.getByRole('dialog', { name: 'Delivery' });
  await drawer.getByTestId('response-body').getByText('receiver exploded: database is down').waitFor();
  await drawer.getByText('Response — HTTP 500').waitFor();
  await drawer.getByText('Error: http_status').waitFor();
  expect(await drawer.getByTestId('request-body').textContent()).toContain('"event": "contact.updated"');
  await drawer.getByRole('cell', { name: 'x-webhook-event', exact: true }).waitFor();
  await screenshot(page, 'delivery-drawer-failed');

  e2e.receiver.setResponder(() => ({ status: 200, body: 'ok' }));
  await drawer.getByRole('button', { name: 'Resend' }).click();
  const [, second, third] = await e2e.receiver.waitFor(3, UI_TIMEOUT_MS);
  expect(third!.body).toBe(second!.body);
  expect(third!.headers['x-webhook-signature']).toBe(createHmac('sha256', secret).update(third!.body).digest('hex'));

  // The drawer now shows the resend, linked to its original.
  await drawer.getByText(`Original delivery ${originalId.slice(0, 8)}`).waitFor();
  await drawer.locator('[data-status="success"]').first().waitFor();
  await screenshot(page, 'delivery-drawer-resend');
  await page.keyboard.press('Escape');
  await drawer.waitFor({ state: 'detached' });

  const top = deliveryRows().first();
  await expect.poll(() => top.getAttribute('data-status')).toBe('success');
  expect(await top.textContent()).toContain('resend');
  expect(await top.textContent()).toContain('contact.updated');
  expect(await idOf(top)).not.toBe(originalId);
  const original = page.locator(`tr[data-delivery-id="${originalId}"]`);
  expect(await original.getAttribute('data-status')).toBe('failed');
  expect(await deliveryRows().count()).toBe(3);

  // The original, opened again, is unchanged and links to its resend.
  await original.getByRole('link').click();
  await drawer.getByText('Response — HTTP 500').waitFor();
  await drawer.getByRole('button', { name: /— Delivered$/ }).click();
  await drawer.getByText(`Original delivery ${originalId.slice(0, 8)}`).waitFor();
  await page.keyboard.press('Escape');
  await drawer.waitFor({ state: 'detached' });
});

test('search and filters narrow the delivery log', async () => {
  await field(page, 'Search').fill('contact.created');
  await expect.poll(() => deliveryRows().count()).toBe(1);
  expect(await deliveryRows().first().textContent()).toContain('contact.created');
  await field(page, 'Search').fill('no-such-host.example');
  await page.getByText('No deliveries match', { exact: false }).waitFor();
  await field(page, 'Search').fill('');
  await expect.poll(() => deliveryRows().count()).toBe(3);

  await choose(page, 'Status', 'Failed');
  await expect.poll(() => deliveryRows().count()).toBe(1);
  expect(await deliveryRows().first().getAttribute('data-status')).toBe('failed');
  await choose(page, 'Status', 'Delivered');
  await expect.poll(() => deliveryRows().count()).toBe(2);

  await choose(page, 'Event', 'contact.updated');
  await expect.poll(() => deliveryRows().count()).toBe(1);
  await screenshot(page, 'deliveries-filtered');
});

test('the main screens fit a phone', async () => {
  const { page: phone, context } = await e2e.newPage(PHONE);
  await phone.goto('/login');
  await field(phone, 'Email').fill(account.email);
  await field(phone, 'Password').fill(account.password);
  await phone.getByRole('button', { name: 'Sign in' }).click();
  await phone.getByRole('link', { name: 'Grace Brewster Hopper' }).waitFor();
  await screenshot(phone, 'contacts-phone');
  await goTo(phone, 'Webhook Deliveries');
  await phone.locator('[data-delivery-id][data-status="failed"]').waitFor();
  await screenshot(phone, 'deliveries-phone');
  await phone.locator('[data-delivery-id][data-status="failed"]').getByRole('link').click();
  const drawer = phone.getByRole('dialog', { name: 'Delivery' });
  await drawer.getByText('receiver exploded: database is down').waitFor();
  await screenshot(phone, 'delivery-drawer-phone');
  // The drawer's content wraps to the screen: its Resend button and its body are fully on screen.
  const resend = (await drawer.getByRole('button', { name: 'Resend' }).boundingBox())!;
  expect(resend.x + resend.width).toBeLessThanOrEqual(PHONE.width);
  const body = (await drawer.getByTestId('request-body').boundingBox())!;
  expect(body.x + body.width).toBeLessThanOrEqual(PHONE.width);
  await phone.keyboard.press('Escape');
  await goTo(phone, 'Webhooks');
  await phone.getByRole('listitem').filter({ hasText: 'CRM sync' }).getByRole('button', { name: /^Edit / }).waitFor();
  await screenshot(phone, 'webhooks-phone');
  // Nothing overflows the viewport horizontally except inside the tables' own scroll containers.
  expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
  await context.close();
});
