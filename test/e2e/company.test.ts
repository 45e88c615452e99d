// Browser tests of the Company pages: API keys (create → shown once → works → revoke → refused), an admin adding
// a member who then sees no manage buttons, and a CSV import with a dry run. Each step waits on what the UI
// shows, never on a fixed delay.
import { expect, test, beforeAll } from 'vitest';
import type { Page } from 'playwright-core';
import { choose, DESKTOP, field, goTo, logInInUi, newAccount, PHONE, screenshot, signUpInUi, startE2e, type E2e } from './harness.js';

let e2e: E2e;
let admin: Page;
const account = newAccount('company');

// Started at module level: hooks registered inside beforeAll are never run, and the harness's
// afterAll (browser, server process, receiver) must run.
e2e = await startE2e();
beforeAll(async () => {
  admin = (await e2e.newPage(DESKTOP)).page;
  await signUpInUi(admin, account);
});

async function callWithKey(key: string, path: string) {
  return fetch(`${e2e.baseUrl}/api/v1${path}`, { headers: { 'x-api-key': key } });
}

test('an API key is shown once, works, and stops working when revoked', async () => {
  await goTo(admin, 'API keys');
  await admin.getByRole('heading', { name: 'API keys' }).waitFor();
  await admin.getByText('No API keys yet.').waitFor();
  await field(admin, 'Key name').fill('Reporting script');
  await admin.getByRole('button', { name: 'Create key' }).click();
  const shown = admin.getByTestId('new-api-key');
  await shown.waitFor();
  const key = (await shown.textContent())!.trim();
  expect(key).toMatch(/^[A-Za-z0-9_-]{64}$/);
  const row = admin.getByRole('row').filter({ hasText: 'Reporting script' });
  await expect.poll(() => row.getByText(`${key.slice(0, 6)}…`).isVisible()).toBe(true);
  await screenshot(admin, 'api-keys-created');

  const me = await callWithKey(key, '/users/me');
  expect(me.status).toBe(200);
  expect(((await me.json()) as { email: string }).email).toBe(account.email);

  // The key is not shown again after leaving the page.
  await goTo(admin, 'Users');
  await admin.getByRole('heading', { name: 'Users' }).waitFor();
  await goTo(admin, 'API keys');
  await row.waitFor();
  expect(await admin.getByTestId('new-api-key').count()).toBe(0);

  await admin.getByRole('button', { name: 'Revoke Reporting script' }).click();
  await admin.getByRole('dialog', { name: 'Revoke API key?' }).getByRole('button', { name: 'Revoke' }).click();
  await row.waitFor({ state: 'detached' });
  expect((await callWithKey(key, '/users/me')).status).toBe(401);
});

test('an admin adds a member, who can read webhooks but sees no buttons to change them or users', async () => {
  // A webhook to look at, created by the admin through the API with the browser's session.
  const created = await admin.request.post('/api/v1/webhooks', {
    data: { url: `${e2e.receiver.url}/member-view`, events: ['contact.created'], description: 'Visible to members' },
  });
  expect(created.status()).toBe(201);

  await goTo(admin, 'Users');
  await admin.getByRole('button', { name: 'Add user' }).click();
  const dialog = admin.getByRole('dialog', { name: 'Add user' });
  await field(dialog, 'First name').fill('Max');
  await field(dialog, 'Last name').fill('Member');
  await field(dialog, 'Email').fill('short-password@example.com');
  await field(dialog, 'Initial password').fill('short');
  await dialog.getByRole('button', { name: 'Add user' }).click();
  // The server's message appears under the field it names.
  await dialog.getByText('must be at least 10 characters').waitFor();
  const memberEmail = `member-${account.email}`;
  await field(dialog, 'Email').fill(memberEmail);
  await field(dialog, 'Initial password').fill('member password 1');
  await dialog.getByRole('button', { name: 'Add user' }).click();
  await dialog.waitFor({ state: 'detached' });
  // An admin sees another user's role as a control to change it.
  await expect.poll(() => field(admin, `Role of ${memberEmail}`).inputValue()).toBe('member');
  await screenshot(admin, 'users');

  const { page: member, context } = await e2e.newPage(PHONE);
  await logInInUi(member, memberEmail, 'member password 1');
  await goTo(member, 'Webhooks');
  await member.getByText(`${e2e.receiver.url}/member-view`).waitFor();
  await member.getByText('Only admins can change webhooks.').waitFor();
  expect(await member.getByRole('button', { name: 'New webhook' }).count()).toBe(0);
  expect(await member.getByRole('button', { name: /^(Edit|Delete) / }).count()).toBe(0);
  expect(await member.getByRole('switch').first().isDisabled()).toBe(true);
  await screenshot(member, 'webhooks-member-phone');

  await goTo(member, 'Users');
  await member.getByRole('cell', { name: account.email, exact: true }).waitFor();
  expect(await member.getByRole('button', { name: 'Add user' }).count()).toBe(0);
  expect(await member.getByRole('button', { name: /^Remove / }).count()).toBe(0);
  await context.close();
});

test('a custom field, then a CSV import: mapped columns, a dry run that reports the bad row, the real run', async () => {
  await goTo(admin, 'Custom fields');
  await admin.getByText('No custom fields for contacts yet.').waitFor();
  await field(admin, 'Field name').fill('Lead source');
  await admin.getByRole('button', { name: 'Add field' }).click();
  await admin.getByRole('cell', { name: 'Lead source', exact: true }).waitFor();

  await goTo(admin, 'Import');
  const csv = ['First Name,Last Name,Email,Lead source,Shoe size', 'Alan,Turing,alan@example.com,Conference,44', 'Edsger,Dijkstra,not-an-email,Referral,43', 'Barbara,Liskov,barbara@example.com,Website,38'].join('\n');
  await admin.locator('input[type="file"]').setInputFiles({ name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  // Obvious names are mapped already (a custom field's once the page has loaded the custom fields, which may
  // come after the file); the unknown column is left unmapped and is skipped.
  await expect.poll(() => field(admin, 'Column “Email”').inputValue()).toBe('Email(s)');
  await expect.poll(() => field(admin, 'Column “Lead source”').inputValue()).toBe('Custom: Lead source');
  expect(await field(admin, 'Column “Shoe size”').inputValue()).toBe('');

  await admin.getByRole('button', { name: 'Check (dry run)' }).click();
  const summary = admin.getByTestId('import-summary');
  await summary.waitFor();
  expect(await summary.textContent()).toBe('3 rows · 2 valid · 1 with errors');
  const errorRow = admin.getByRole('table', { name: 'Row errors' }).getByRole('row').nth(1);
  expect(await errorRow.getByRole('cell').first().textContent()).toBe('3');
  expect(await errorRow.textContent()).toContain('must be an email address');
  await screenshot(admin, 'import-dry-run');
  const before = await admin.request.get('/api/v1/contacts');
  expect(((await before.json()) as { total: number }).total).toBe(0);

  await admin.getByRole('button', { name: 'Import', exact: true }).click();
  await admin.getByText('Import finished').waitFor();
  expect(await summary.textContent()).toBe('3 rows · 2 valid · 1 with errors · 2 created');

  await goTo(admin, 'Contacts');
  await admin.getByRole('link', { name: 'Alan Turing' }).click();
  await expect.poll(() => field(admin, 'Lead source').inputValue()).toBe('Conference');
  await screenshot(admin, 'contact-edit');
});

test('a link picker finds records as you type, and the link shows on both sides', async () => {
  await goTo(admin, 'Organizations');
  await admin.getByRole('button', { name: 'New organization' }).click();
  await field(admin, 'Name').fill('Analytical Engines Ltd');
  await admin.getByRole('button', { name: 'Create' }).click();
  await admin.getByRole('link', { name: 'Analytical Engines Ltd' }).waitFor();

  await goTo(admin, 'Contacts');
  await field(admin, 'Search contacts').fill('turing');
  await expect.poll(() => admin.getByRole('table', { name: 'Contacts' }).getByRole('link').allTextContents()).toEqual(['Alan Turing']);
  await admin.getByRole('link', { name: 'Alan Turing' }).click();
  await field(admin, 'Organizations').fill('analyt');
  await admin.getByRole('option', { name: 'Analytical Engines Ltd' }).click();
  await saveAndReturnToContacts();

  await goTo(admin, 'Organizations');
  await admin.getByRole('link', { name: 'Analytical Engines Ltd' }).click();
  const contacts = field(admin, 'Contacts').locator('xpath=ancestor::div[contains(@class,"mantine-MultiSelect-root")]');
  await contacts.getByText('Alan Turing').waitFor();
  await screenshot(admin, 'organization-edit');
});

async function saveAndReturnToContacts() {
  await admin.getByRole('button', { name: 'Save' }).click();
  await admin.getByRole('heading', { name: 'Contacts' }).waitFor();
}

test('the server serves the UI with caching headers: index.html revalidated, hashed assets immutable, deep links work', async () => {
  const index = await fetch(`${e2e.baseUrl}/company/webhooks`);
  expect(index.status).toBe(200);
  expect(index.headers.get('cache-control')).toBe('no-cache');
  const html = await index.text();
  const asset = html.match(/\/assets\/[\w.-]+\.js/)![0];
  const script = await fetch(`${e2e.baseUrl}${asset}`);
  expect(script.status).toBe(200);
  expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  expect(script.headers.get('content-type')).toMatch(/javascript/);
  expect((await fetch(`${e2e.baseUrl}/assets/chunk-of-an-older-build-0000.js`)).status).toBe(404);
});

test('services, deals with services (totals derived by the server) and tasks are created through their forms', async () => {
  await goTo(admin, 'Services');
  await admin.getByRole('button', { name: 'New service' }).click();
  await field(admin, 'Name').fill('Consulting day');
  await field(admin, 'Amount').fill('250');
  await admin.getByRole('button', { name: 'Create' }).click();
  await admin.getByRole('row').filter({ hasText: 'Consulting day' }).getByRole('cell', { name: '250', exact: true }).waitFor();

  await goTo(admin, 'Deals');
  await admin.getByRole('button', { name: 'New deal' }).click();
  await field(admin, 'Name').fill('Rollout');
  await admin.getByRole('button', { name: 'Add service' }).click();
  await choose(admin, 'Service 1', 'Consulting day (250)');
  await field(admin, 'Quantity').fill('3');
  await admin.getByRole('button', { name: 'Create' }).click();
  const deal = admin.getByRole('row').filter({ hasText: 'Rollout' });
  await deal.getByRole('cell', { name: '750', exact: true }).waitFor();
  await deal.getByRole('cell', { name: '3', exact: true }).waitFor();

  await goTo(admin, 'Tasks');
  await admin.getByRole('button', { name: 'New task' }).click();
  await field(admin, 'Name').fill('Send the contract');
  await choose(admin, 'Status', 'Done');
  await field(admin, 'Due date').fill('2026-12-31');
  await admin.getByRole('button', { name: 'Create' }).click();
  const task = admin.getByRole('row').filter({ hasText: 'Send the contract' });
  await task.getByRole('cell', { name: 'done', exact: true }).waitFor();
  await task.getByRole('cell', { name: '2026-12-31', exact: true }).waitFor();

  // A server-side validation error is shown on the form, and nothing is created.
  await admin.getByRole('button', { name: 'New task' }).click();
  await admin.getByRole('button', { name: 'Create' }).click();
  const nameError = admin.getByRole('form', { name: 'Task form' }).locator('.mantine-TextInput-error');
  await nameError.waitFor();
  expect(await nameError.textContent()).toMatch(/required|empty|at least/i);
  await screenshot(admin, 'task-validation-error');
  const tasks = await admin.request.get('/api/v1/tasks');
  expect(((await tasks.json()) as { total: number }).total).toBe(1);
});
