// Browser tests of the smaller UI pieces: the deliveries page's from/to time filter, an admin changing a user's
// role in the users list, renaming a custom field, and record lists that fit a phone without sideways scrolling.
import { beforeAll, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { choose, DESKTOP, field, goTo, newAccount, PHONE, screenshot, signUpInUi, startE2e, UI_TIMEOUT_MS, type E2e } from './harness.js';
import { toLocalInput } from '../../web/src/lib/local-time.js';

const account = newAccount('extras');
let page: Page;

const e2e: E2e = await startE2e();
beforeAll(async () => {
  page = (await e2e.newPage(DESKTOP)).page;
  await signUpInUi(page, account);
});

const deliveryRows = () => page.getByRole('table', { name: 'Deliveries' }).locator('tbody tr[data-delivery-id]');

test('the delivery log filters by a from/to time range', async () => {
  expect((await page.request.post('/api/v1/webhooks', { data: { url: `${e2e.receiver.url}/extras`, events: ['contact.created'] } })).status()).toBe(201);
  for (const name of ['One', 'Two']) expect((await page.request.post('/api/v1/contacts', { data: { firstName: name } })).status()).toBe(201);
  await goTo(page, 'Webhook Deliveries');
  await expect.poll(() => deliveryRows().count(), { timeout: UI_TIMEOUT_MS }).toBe(2);

  // The browser's clock and the server's are the same machine's; whole minutes keep the bounds clear of both rows.
  const hourAgo = toLocalInput(new Date(Date.now() - 3_600_000));
  const inAnHour = toLocalInput(new Date(Date.now() + 3_600_000));
  await field(page, 'From').fill(inAnHour);
  await page.getByText('No deliveries match', { exact: false }).waitFor();
  await field(page, 'From').fill(hourAgo);
  await expect.poll(() => deliveryRows().count()).toBe(2);
  await field(page, 'To').fill(hourAgo);
  await page.getByText('No deliveries match', { exact: false }).waitFor();
  await field(page, 'To').fill(inAnHour);
  await expect.poll(() => deliveryRows().count()).toBe(2);
  await screenshot(page, 'deliveries-time-filter');
  await field(page, 'From').fill('');
  await field(page, 'To').fill('');
});

test('an admin changes a user’s role in the list', async () => {
  const email = `role-${Date.now()}@example.com`;
  const created = await page.request.post('/api/v1/users', { data: { email, firstName: 'Rita', lastName: 'Role', role: 'member', password: 'member-password' } });
  expect(created.status()).toBe(201);
  const userId = ((await created.json()) as { id: string }).id;
  await goTo(page, 'Users');
  await choose(page, `Role of ${email}`, 'admin');
  await page.getByText(`${email} is now an admin`).waitFor();
  const read = async () => ((await (await page.request.get(`/api/v1/users/${userId}`)).json()) as { role: string }).role;
  await expect.poll(read).toBe('admin');
  await screenshot(page, 'users-role-edit');
  await choose(page, `Role of ${email}`, 'member');
  await expect.poll(read).toBe('member');
  // Your own role is not a control (an admin cannot lock themselves out from here).
  expect(await page.getByLabel(`Role of ${account.email}`).count()).toBe(0);
});

test('an admin renames a custom field; an empty name is refused under the field', async () => {
  const column = await page.request.post('/api/v1/custom-columns', { data: { entityType: 'contact', name: 'Shoe size', type: 'number' } });
  expect(column.status()).toBe(201);
  const columnId = ((await column.json()) as { id: string }).id;
  await goTo(page, 'Custom fields');
  await page.getByRole('cell', { name: 'Shoe size', exact: true }).waitFor();
  await page.getByRole('button', { name: 'Rename Shoe size' }).click();
  const dialog = page.getByRole('dialog', { name: 'Rename custom field' });
  await field(dialog, 'Field name').fill('');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await dialog.locator('.mantine-TextInput-error').waitFor();
  await field(dialog, 'Field name').fill('Shoe size (EU)');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await dialog.waitFor({ state: 'detached' });
  await page.getByRole('cell', { name: 'Shoe size (EU)', exact: true }).waitFor();
  const read = (await (await page.request.get(`/api/v1/custom-columns/${columnId}`)).json()) as { name: string };
  expect(read.name).toBe('Shoe size (EU)');
  await screenshot(page, 'custom-field-renamed');
});

test('record lists fit a phone without sideways scrolling', async () => {
  const long = 'Bartholomew-Maximilian';
  expect((await page.request.post('/api/v1/contacts', { data: { firstName: long, lastName: 'Vandersteenhoven-Oppenheimer', emails: ['bartholomew.maximilian.vandersteenhoven@example-enterprises.com'] } })).status()).toBe(201);
  expect((await page.request.post('/api/v1/organizations', { data: { name: 'Internationale Handelsgesellschaft für Fernmeldetechnik mbH' } })).status()).toBe(201);
  expect((await page.request.post('/api/v1/deals', { data: { name: 'Enterprise rollout, phase two' } })).status()).toBe(201);
  const { page: phone, context } = await e2e.newPage(PHONE);
  await phone.goto('/login');
  await field(phone, 'Email').fill(account.email);
  await field(phone, 'Password').fill(account.password);
  await phone.getByRole('button', { name: 'Sign in' }).click();
  await phone.getByRole('heading', { name: 'Contacts' }).waitFor();
  for (const [label, text] of [['Contacts', long], ['Organizations', 'Internationale'], ['Deals', 'Enterprise rollout']] as const) {
    await goTo(phone, label);
    const card = phone.getByRole('list', { name: label }).getByRole('listitem').filter({ hasText: text });
    await card.waitFor();
    const box = (await card.boundingBox())!;
    expect(box.x + box.width, label).toBeLessThanOrEqual(PHONE.width);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth), label).toBeLessThanOrEqual(PHONE.width);
    await screenshot(phone, `${label.toLowerCase()}-list-phone`);
  }
  // The card's link opens the record.
  await goTo(phone, 'Contacts');
  await phone.getByRole('link', { name: new RegExp(long) }).click();
  await field(phone, 'First name').waitFor();
  expect(await field(phone, 'First name').inputValue()).toBe(long);
  await context.close();
});
