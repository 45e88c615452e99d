// Webhook health in a real browser: one webhook whose receiver answers 200 and one that answers 503 get three
// contact.created deliveries each; the Webhooks page shows each one's 24-hour success rate and a chart whose
// current bucket holds 3 successes or 3 failures, switches to 7 days, and shows the same on a phone.
import { beforeAll, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { DESKTOP, goTo, logInInUi, newAccount, PHONE, screenshot, signUpInUi, startE2e, UI_TIMEOUT_MS, type E2e } from './harness.js';

const account = newAccount('health');
let page: Page;
const ids = { ok: '', bad: '' };

const e2e: E2e = await startE2e();
beforeAll(async () => {
  e2e.receiver.setResponder((request) => (request.path === '/bad' ? { status: 503, body: 'down' } : { status: 200, body: 'ok' }));
  page = (await e2e.newPage(DESKTOP)).page;
  await signUpInUi(page, account);
  for (const name of ['ok', 'bad'] as const) {
    const created = await page.request.post('/api/v1/webhooks', { data: { url: `${e2e.receiver.url}/${name}`, events: ['contact.created'] } });
    expect(created.status()).toBe(201);
    ids[name] = ((await created.json()) as { id: string }).id;
  }
  for (const firstName of ['Ada', 'Grace', 'Edsger']) {
    expect((await page.request.post('/api/v1/contacts', { data: { firstName, lastName: 'Health' } })).status()).toBe(201);
  }
  const finished = async () => {
    const response = await page.request.get('/api/v1/webhook-deliveries?pageSize=25');
    const { items } = (await response.json()) as { items: { status: string }[] };
    return items.filter((d) => d.status === 'success' || d.status === 'failed').length;
  };
  const deadline = Date.now() + UI_TIMEOUT_MS;
  while ((await finished()) < 6) {
    if (Date.now() > deadline) throw new Error('the 6 deliveries did not finish in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});

const row = (id: string) => page.locator(`[data-webhook-id="${id}"]`);
const currentBucket = (id: string) => row(id).getByTestId('webhook-stats-chart').locator('g[data-bucket-start]').last();

test('each webhook shows its success rate and a chart of successes, failures and p95 per bucket', async () => {
  await goTo(page, 'Webhooks');
  await expect.poll(() => row(ids.ok).getByTestId('webhook-success-rate').textContent()).toBe('100% ok');
  await expect.poll(() => row(ids.bad).getByTestId('webhook-success-rate').textContent()).toBe('0% ok');

  const okChart = row(ids.ok).getByTestId('webhook-stats-chart');
  await okChart.waitFor();
  expect(await okChart.locator('g[data-bucket-start]').count()).toBe(24);
  expect(await currentBucket(ids.ok).getAttribute('data-success')).toBe('3');
  expect(await currentBucket(ids.ok).locator('rect[data-kind="success"]').count()).toBe(1);
  expect(await currentBucket(ids.ok).locator('rect[data-kind="failed"]').count()).toBe(0);
  expect(await okChart.getAttribute('aria-label')).toMatch(/^Last 24 hours: 3 succeeded, 0 failed, p95 \d+ ms$/);
  expect(await okChart.locator('[data-kind="p95"]').count()).toBe(1);
  expect(await currentBucket(ids.bad).getAttribute('data-failed')).toBe('3');
  expect(await currentBucket(ids.bad).locator('rect[data-kind="failed"]').count()).toBe(1);
  expect(await currentBucket(ids.bad).locator('title').textContent()).toMatch(/0 ok, 3 failed, p95 \d+ ms$/);
  await screenshot(page, 'webhook-health-24h');

  await row(ids.bad).getByText('7d', { exact: true }).click();
  const badChart = row(ids.bad).getByTestId('webhook-stats-chart');
  await expect.poll(() => badChart.getAttribute('aria-label')).toMatch(/^Last 7 days: 0 succeeded, 3 failed/);
  expect(await badChart.locator('g[data-bucket-start]').count()).toBe(28);
  expect(await row(ids.bad).getByTestId('webhook-success-rate').textContent()).toBe('0% ok');
  await screenshot(page, 'webhook-health-7d');
});

test('on a phone the cards carry the same health', async () => {
  const phone = (await e2e.newPage(PHONE)).page;
  await logInInUi(phone, account.email, account.password);
  await goTo(phone, 'Webhooks');
  const card = phone.locator(`[data-webhook-id="${ids.ok}"]`);
  await expect.poll(() => card.getByTestId('webhook-success-rate').textContent()).toBe('100% ok');
  await card.getByTestId('webhook-stats-chart').waitFor();
  expect(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
  await screenshot(phone, 'webhook-health-phone');
});
