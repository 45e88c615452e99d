// Browser test of Company → Custom fields by role: an admin adds and deletes fields; a member sees the fields
// but no form to add one and no Delete buttons (the API refuses members with 403 anyway).
import { expect, test } from 'vitest';
import { field, goTo, logInInUi, newAccount, PHONE, screenshot, signUpInUi, startE2e } from '../e2e/harness.js';

// Started at module level: the harness's afterAll (browser, server process, receiver) must be registered.
const e2e = await startE2e();

test('an admin adds and deletes custom fields; a member sees them without the controls', async () => {
  const account = newAccount('fields');
  const { page: admin } = await e2e.newPage();
  await signUpInUi(admin, account);

  await goTo(admin, 'Custom fields');
  await field(admin, 'Field name').fill('Lead source');
  await admin.getByRole('button', { name: 'Add field' }).click();
  await admin.getByRole('cell', { name: 'Lead source', exact: true }).waitFor();
  await field(admin, 'Field name').fill('Temporary');
  await admin.getByRole('button', { name: 'Add field' }).click();
  await admin.getByRole('cell', { name: 'Temporary', exact: true }).waitFor();
  await admin.getByRole('button', { name: 'Delete Temporary' }).click();
  await admin.getByRole('dialog', { name: 'Delete custom field?' }).getByRole('button', { name: 'Delete' }).click();
  await admin.getByRole('cell', { name: 'Temporary', exact: true }).waitFor({ state: 'detached' });

  const memberEmail = `member-${account.email}`;
  const created = await admin.request.post('/api/v1/users', {
    data: { email: memberEmail, firstName: 'Max', lastName: 'Member', role: 'member', password: 'member password 1' },
  });
  expect(created.status()).toBe(201);

  const { page: member, context } = await e2e.newPage(PHONE);
  await logInInUi(member, memberEmail, 'member password 1');
  await goTo(member, 'Custom fields');
  await member.getByRole('cell', { name: 'Lead source', exact: true }).waitFor();
  await member.getByText('Only admins can add, change or delete custom fields.').waitFor();
  expect(await member.getByRole('form', { name: 'New custom field' }).count()).toBe(0);
  expect(await member.getByRole('button', { name: 'Add field' }).count()).toBe(0);
  expect(await member.getByRole('button', { name: /^Delete / }).count()).toBe(0);
  await screenshot(member, 'custom-fields-member-phone');

  // The member's session is refused by the API too, with the error shape.
  const refused = await member.request.post('/api/v1/custom-columns', { data: { entityType: 'contact', name: 'Sneaky', type: 'text' } });
  expect(refused.status()).toBe(403);
  expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('forbidden');
  await context.close();
});
