// Browser test of the import page's bounds: a file beyond the column limit is refused before it is uploaded,
// and an import whose write fails (one row's event would exceed the event bound) says that nothing was
// imported, naming the row — and indeed nothing was.
import { beforeAll, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { DESKTOP, field, goTo, newAccount, screenshot, signUpInUi, startE2e } from './harness.js';

const e2e = await startE2e();
let page: Page;
beforeAll(async () => {
  page = (await e2e.newPage(DESKTOP)).page;
  await signUpInUi(page, newAccount('limits'));
});

const upload = (name: string, text: string) => page.locator('input[type="file"]').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(text) });

test('too many columns is refused before upload; a failed import writes nothing and says so', async () => {
  await goTo(page, 'Import');
  await upload('wide.csv', `${Array.from({ length: 251 }, (_, i) => `c${i}`).join(',')}\nx\n`);
  await page.getByText('This file has 251 columns; an import takes at most 8 MiB, 250 columns and 20,000 rows.').waitFor();
  expect(await page.getByRole('heading', { name: 'Map columns' }).count()).toBe(0);

  // 105 long text fields: a contact filling them all has a created event above the 1 MiB bound.
  const names = await page.evaluate(async () => {
    const created: string[] = [];
    for (let i = 0; i < 105; i++) {
      const response = await fetch('/api/v1/custom-columns', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ entityType: 'contact', name: `Long ${i}`, type: 'text' }) });
      if (response.status !== 201) throw new Error(`custom column: ${response.status}`);
      created.push(`Long ${i}`);
    }
    return created;
  });
  await page.reload();
  await page.getByRole('heading', { name: 'Import' }).waitFor();
  const csv = [['First Name', ...names].join(','), `Ada${','.repeat(names.length)}`, `Heavy,${names.map(() => 'x'.repeat(10_000)).join(',')}`].join('\n');
  await upload('heavy.csv', csv);
  await expect.poll(() => field(page, 'Column “Long 104”').inputValue()).toBe('Custom: Long 104');
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  const alert = page.getByRole('alert').filter({ hasText: 'Import failed: nothing was imported' });
  await alert.waitFor();
  expect(await alert.textContent()).toContain('row 3: customFieldValues:');
  await alert.scrollIntoViewIfNeeded();
  await screenshot(page, 'import-failed-nothing-written');
  const contacts = await page.evaluate(async () => ((await (await fetch('/api/v1/contacts')).json()) as { total: number }).total);
  expect(contacts).toBe(0);
}, 120_000);
