// Filters, preview and explain in a real browser: the filter builder on the webhook form (a custom stage field
// becomes Won) previews live which recent events would match, saves the filter, and only the move to Won reaches
// the receiver; "Why?" in the delivery drawer and on the record page names the failing condition with its values.
import { beforeAll, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { DESKTOP, field, goTo, newAccount, screenshot, signUpInUi, startE2e, UI_TIMEOUT_MS, type E2e } from './harness.js';

const account = newAccount('filters');
let page: Page;
let stage = '';
const deals: Record<string, string> = {};

const e2e: E2e = await startE2e();
beforeAll(async () => {
  page = (await e2e.newPage(DESKTOP)).page;
  await signUpInUi(page, account);
  const column = await page.request.post('/api/v1/custom-columns', {
    data: { entityType: 'deal', name: 'Stage', type: 'singleSelect', options: [{ value: 'lead', label: 'Lead' }, { value: 'proposal', label: 'Proposal' }, { value: 'won', label: 'Won' }] },
  });
  expect(column.status()).toBe(201);
  stage = ((await column.json()) as { id: string }).id;
  // History for the preview: one deal moved to proposal, one to won.
  for (const [name, to] of [['Alpha', 'proposal'], ['Beta', 'won']] as const) {
    const created = await page.request.post('/api/v1/deals', { data: { name, customFieldValues: [{ columnId: stage, value: 'lead' }] } });
    deals[name] = ((await created.json()) as { id: string }).id;
    expect((await page.request.patch(`/api/v1/deals/${deals[name]}`, { data: { customFieldValues: [{ columnId: stage, value: to }] } })).status()).toBe(200);
  }
});

async function moveStage(name: string, to: string) {
  expect((await page.request.patch(`/api/v1/deals/${deals[name]}`, { data: { customFieldValues: [{ columnId: stage, value: to }] } })).status()).toBe(200);
}

test('the filter builder previews matches live and saves the filter; only a move to Won is delivered', async () => {
  await goTo(page, 'Webhooks');
  await page.getByRole('button', { name: 'New webhook' }).click();
  const dialog = page.getByRole('dialog', { name: 'New webhook' });
  await field(dialog, 'URL').fill(`${e2e.receiver.url}/won`);
  await field(dialog, 'Description').fill('Invoicing');
  await dialog.getByRole('checkbox', { name: 'deal.updated', exact: true }).check();
  await dialog.getByRole('switch', { name: /Only deliver events that match a filter/ }).click();
  const condition = dialog.getByRole('group', { name: 'Condition 1' });
  await condition.getByLabel('Condition 1 field').selectOption({ label: 'Stage (custom)' });
  await condition.getByLabel('Condition 1 op').selectOption('becomes');
  await condition.getByLabel('Condition 1 value').selectOption({ label: 'Won' });
  const preview = dialog.getByTestId('filter-preview');
  // Two deal.updated events so far (the creations are deal.created): one became Won.
  await expect.poll(() => preview.textContent(), { timeout: UI_TIMEOUT_MS }).toMatch(/^1 of the last 2 events would be delivered/);
  await preview.scrollIntoViewIfNeeded();
  await screenshot(page, 'filter-builder-preview');

  // Live: another condition, another answer.
  await condition.getByLabel('Condition 1 op').selectOption('eq');
  await condition.getByLabel('Condition 1 value').selectOption({ label: 'Proposal' });
  await expect.poll(() => preview.textContent(), { timeout: UI_TIMEOUT_MS }).toMatch(/^1 of the last 2 events/);
  // As JSON: an op the field does not take shows the server's message naming the node.
  await dialog.getByRole('button', { name: /Edit as JSON/ }).click();
  const json = field(dialog, 'Filter (JSON)');
  expect(JSON.parse(await json.inputValue())).toEqual({ all: [{ field: `custom:${stage}`, op: 'eq', value: 'proposal' }] });
  await json.fill(JSON.stringify({ all: [{ field: `custom:${stage}`, op: 'gt', value: 'won' }] }));
  await expect.poll(() => preview.textContent(), { timeout: UI_TIMEOUT_MS }).toMatch(/filter\.all\[0\]\.op: op "gt" does not apply to "Stage"/);
  await json.fill(JSON.stringify({ all: [{ field: `custom:${stage}`, op: 'becomes', value: 'Won' }] }));
  await expect.poll(() => preview.textContent(), { timeout: UI_TIMEOUT_MS }).toMatch(/^1 of the last 2 events would be delivered/);

  await dialog.getByRole('button', { name: 'Create webhook' }).click();
  await dialog.waitFor({ state: 'detached' });
  const saved = (await (await page.request.get('/api/v1/webhooks')).json()) as { items: Array<{ url: string; filter: unknown }> };
  expect(saved.items.find((w) => w.url.endsWith('/won'))!.filter).toEqual({ all: [{ field: `custom:${stage}`, op: 'becomes', value: 'won' }] });

  // A plain webhook beside it, then: Alpha back to lead (nothing for /won), Alpha to won (one delivery).
  expect((await page.request.post('/api/v1/webhooks', { data: { url: `${e2e.receiver.url}/all`, events: ['deal.updated'], description: 'Everything' } })).status()).toBe(201);
  await moveStage('Alpha', 'lead');
  await moveStage('Alpha', 'won');
  await expect.poll(() => e2e.receiver.requests.filter((r) => r.path === '/all').length, { timeout: UI_TIMEOUT_MS }).toBe(2);
  await expect.poll(() => e2e.receiver.requests.filter((r) => r.path === '/won').length, { timeout: UI_TIMEOUT_MS }).toBe(1);
  const won = JSON.parse(e2e.receiver.requests.find((r) => r.path === '/won')!.body);
  expect(won.data.entityId).toBe(deals.Alpha);
});

test('Why? in the delivery drawer: the move to lead did not reach the filtered webhook, with the values', async () => {
  await goTo(page, 'Webhook Deliveries');
  const rows = page.getByRole('table', { name: 'Deliveries' }).locator('tbody tr[data-delivery-id]');
  // The oldest deal.updated delivery of the plain webhook is Alpha's move to lead.
  await rows.filter({ hasText: '/all' }).last().getByRole('link').click();
  const drawer = page.getByRole('dialog', { name: 'Delivery' });
  await drawer.getByRole('button', { name: 'Why?' }).click();
  const why = page.getByRole('dialog', { name: 'Why was it (not) delivered?' });
  await why.getByLabel('Webhook').selectOption({ label: `Invoicing — ${e2e.receiver.url}/won` });
  const explanation = why.getByTestId('explanation');
  await explanation.getByText('Not delivered').waitFor();
  await explanation.getByText('filter_not_matched').waitFor();
  expect(await explanation.textContent()).toContain('previous "proposal", current "lead"');
  await screenshot(page, 'explain-drawer');
  await why.getByLabel('Webhook').selectOption({ label: `Everything — ${e2e.receiver.url}/all` });
  await explanation.getByText('Delivered', { exact: true }).waitFor();
  await page.keyboard.press('Escape');
});

test('Why? on the record page: pick one of the record’s events', async () => {
  await page.goto(`/deals/${deals.Alpha}`);
  await page.getByRole('button', { name: 'Why?' }).click();
  const why = page.getByRole('dialog', { name: 'Why was it (not) delivered?' });
  await why.getByLabel('Webhook').selectOption({ label: `Invoicing — ${e2e.receiver.url}/won` });
  // Newest first: Alpha's move to won was delivered.
  await why.getByTestId('explanation').getByText('Delivered', { exact: true }).waitFor();
  const options = await why.getByLabel('Event').locator('option').allTextContents();
  expect(options.filter((o) => o.startsWith('deal.updated'))).toHaveLength(3);
  expect(options.filter((o) => o.startsWith('deal.created'))).toHaveLength(1);
  await why.getByLabel('Event').selectOption({ index: options.length - 1 });
  await why.getByTestId('explanation').getByText('Not delivered').waitFor();
  expect(await why.getByTestId('explanation').textContent()).toContain('not_subscribed');
  await screenshot(page, 'explain-record');
});
