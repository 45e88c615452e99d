// Browser-test harness: the real server as a child process (as `npm start` runs it) on a fresh database, a
// local HTTPS receiver it trusts through NODE_EXTRA_CA_CERTS, and Debian's Chromium driven by playwright-core.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll } from 'vitest';
import { createTestDatabase } from '../helpers/db.js';
import { startHttpsReceiver, type HttpsReceiver } from '../helpers/https-receiver.js';
import { ROOT, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

export const SCREENSHOT_DIR = path.join(ROOT, 'test-output', 'screenshots');
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** How long the UI may take to reach a state (a delivery to complete, a page to load) before a test fails. */
export const UI_TIMEOUT_MS = 15_000;

export interface E2e {
  baseUrl: string;
  server: ServerProcess;
  receiver: HttpsReceiver;
  browser: Browser;
  /** A fresh browser context (its own cookies) and page at the given viewport. */
  newPage(viewport?: { width: number; height: number }): Promise<{ context: BrowserContext; page: Page }>;
}

/** Builds the UI when web/dist is missing (a checkout without `npm ci`); `npm ci` normally builds it. */
function ensureWebBuilt() {
  if (fs.existsSync(path.join(ROOT, 'web', 'dist', 'index.html'))) return;
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
}

/** Starts everything for one test file (`env` adds server variables) and stops it after the file's tests. Call at module level (top-level await): an afterAll registered inside beforeAll never runs. */
export async function startE2e(env: Record<string, string> = {}): Promise<E2e> {
  ensureWebBuilt();
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const database = await createTestDatabase();
  const receiver = await startHttpsReceiver();
  const server = await startServerProcess({
    DATABASE_URL: database.url,
    SECRET_KEY: Buffer.alloc(32, 9).toString('base64'),
    WEBHOOK_ALLOW_PRIVATE: '127.0.0.1/32',
    NODE_EXTRA_CA_CERTS: receiver.caCertPath,
    ...env,
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  afterAll(async () => {
    await browser.close();
    await server.stop();
    await receiver.close();
  });

  const newPage: E2e['newPage'] = async (viewport = DESKTOP) => {
    const context = await browser.newContext({ viewport, baseURL: server.url });
    context.setDefaultTimeout(UI_TIMEOUT_MS);
    const page = await context.newPage();
    return { context, page };
  };
  return { baseUrl: server.url, server, receiver, browser, newPage };
}

export async function screenshot(page: Page, name: string) {
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), animations: 'disabled' });
}

export interface Account {
  companyName: string;
  firstName: string;
  lastName: string;
  email: string;
  password: string;
}

export function newAccount(prefix: string): Account {
  const tag = Math.random().toString(36).slice(2, 8);
  return { companyName: `${prefix} Co ${tag}`, firstName: 'Ada', lastName: 'Admin', email: `${prefix}-${tag}@example.com`, password: 'correct horse battery' };
}

export async function signUpInUi(page: Page, account: Account) {
  await page.goto('/signup');
  await field(page, 'Company name').fill(account.companyName);
  await field(page, 'First name').fill(account.firstName);
  await field(page, 'Last name').fill(account.lastName);
  await field(page, 'Email').fill(account.email);
  await field(page, 'Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByRole('heading', { name: 'Contacts' }).waitFor();
}

export async function logInInUi(page: Page, email: string, password: string) {
  await page.goto('/login');
  await field(page, 'Email').fill(email);
  await field(page, 'Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Contacts' }).waitFor();
}

/** Follows a navigation link (opening the burger menu first on a phone). */
export async function goTo(page: Page, label: string) {
  const burger = page.getByRole('button', { name: 'Toggle navigation' });
  if (await burger.isVisible()) await burger.click();
  await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: label, exact: true }).click();
}

/** Picks an option of a Mantine Select by its label. */
export async function choose(page: Page, label: string, option: string) {
  await field(page, label).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

/** A labelled input by its exact label (a required field's label ends in " *"; option lists share the label). */
export function field(scope: Page | Locator, label: string): Locator {
  const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return scope.getByLabel(new RegExp(`^${escaped}( \\*)?$`)).and(scope.locator('input, textarea'));
}
