// `npm run cli -- listen --forward-to <http(s) URL>` (spec §10): local development without a public HTTPS URL.
// It follows the server's event feed (GET /api/v1/events) and forwards each event to the local URL with the
// same headers a webhook delivery carries (src/delivery/headers.ts), signed with a secret it generates once and
// prints at start, so the receiver under development runs its real verification code.
//
// Exact bytes: the feed returns each envelope parsed; the stored bodies are JSON.stringify output, which is a
// fixed point of JSON.parse + JSON.stringify (key order, numbers and escapes all come back the same), so
// re-serializing gives the bytes a webhook receives.
//
// Position: the state file keeps the cursor of the page being worked on and the ids of that page's events already
// forwarded; it is written after each forward has ended (whatever the local status), and the cursor moves on once
// the page is done. Ctrl-C lets the forward in flight finish and be saved, so a restart neither loses nor repeats
// an event. Only a hard kill between the end of a forward and the save (a few microseconds) repeats that one
// event on restart: at-least-once at worst, which is why receivers deduplicate on webhook-id anyway.
// A local receiver that does not answer at all (not started yet, restarting) is retried with backoff and the
// position does not move; any HTTP answer, 5xx included, counts as forwarded and is printed.
//
// The feed may hold events back while a transaction is open anywhere on the database server (src/events/feed.ts),
// so `listen` polls: every 250 ms while events flow, backing off to 2 s when idle and to 10 s on server errors.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { request } from 'undici';
import type { z } from 'zod';
import { buildDeliveryHeaders } from '../delivery/headers.js';
import { EVENT_NAMES, isEventName } from '../events/catalog.js';
import type { FeedPageSchema } from '../events/feed-schemas.js';

export const LISTEN_USAGE =
  'usage: npm run cli -- listen --forward-to <http(s) URL> [--events a,b] [--url <server>] [--api-key <key>] [--state FILE]\n' +
  '  --forward-to  where to POST each event, e.g. http://127.0.0.1:8080/hook (plain http is fine: it is your machine)\n' +
  '  --events      comma-separated event names (default: all)\n' +
  '  --url         the Switchboard server (default $SWITCHBOARD_URL or http://127.0.0.1:3000)\n' +
  '  --api-key     an API key (default $SWITCHBOARD_API_KEY)\n' +
  '  --state       where to keep the position and the secret (default ~/.switchboard/listen-<hash>.json)';

const PAGE_SIZE = 100;
const FORWARD_TIMEOUT_MS = 10_000;
const POLL_MIN_MS = 250;
const POLL_IDLE_MAX_MS = 2_000;
const ERROR_BACKOFF_MAX_MS = 10_000;

export interface ListenState {
  version: 1;
  server: string;
  forwardTo: string;
  events: string[] | null;
  secret: string;
  /** The cursor of the page being worked on (after=…). */
  cursor: string;
  /** Ids of that page's events already forwarded. */
  forwarded: string[];
}

/** A page of GET /events, typed from the server's own schema. */
type FeedPage = z.output<typeof FeedPageSchema>;
type FeedItem = FeedPage['items'][number];

class ListenError extends Error {}

export interface ListenOptions {
  forwardTo: string;
  events: string[] | null;
  server: string;
  apiKey: string;
  statePath: string;
}

/** Parses and checks the command line; throws a ListenError naming the flag. */
export function parseListenArgs(args: string[], env: NodeJS.ProcessEnv = process.env): ListenOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        'forward-to': { type: 'string' },
        events: { type: 'string' },
        url: { type: 'string' },
        'api-key': { type: 'string' },
        state: { type: 'string' },
      },
    }));
  } catch (error) {
    throw new ListenError(`${(error as Error).message}\n${LISTEN_USAGE}`);
  }
  const forwardTo = values['forward-to'];
  if (!forwardTo) throw new ListenError(`--forward-to is required\n${LISTEN_USAGE}`);
  let target: URL;
  try {
    target = new URL(forwardTo);
  } catch {
    throw new ListenError(`--forward-to: "${forwardTo}" is not a URL; use e.g. http://127.0.0.1:8080/hook`);
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new ListenError(`--forward-to: only http:// and https:// URLs are allowed, got ${target.protocol}//`);
  }
  let events: string[] | null = null;
  if (values.events !== undefined) {
    events = [...new Set(values.events.split(',').map((e) => e.trim()).filter(Boolean))];
    const unknown = events.filter((e) => !isEventName(e));
    if (events.length === 0 || unknown.length > 0) {
      throw new ListenError(`--events: ${unknown.length ? `"${unknown.join('", "')}" is not an event` : 'name at least one event'}; allowed: ${EVENT_NAMES.join(', ')}`);
    }
  }
  const server = (values.url ?? env.SWITCHBOARD_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
  try {
    new URL(server);
  } catch {
    throw new ListenError(`--url: "${server}" is not a URL`);
  }
  const apiKey = values['api-key'] ?? env.SWITCHBOARD_API_KEY;
  if (!apiKey) throw new ListenError('--api-key (or SWITCHBOARD_API_KEY) is required: create one under Company → API keys');
  // One state file per server, key, target and event set; the hash keeps the key itself out of the file name.
  const hash = createHash('sha256').update(JSON.stringify([server, apiKey, forwardTo, events])).digest('hex').slice(0, 16);
  const statePath = values.state ?? path.join(os.homedir(), '.switchboard', `listen-${hash}.json`);
  return { forwardTo, events, server, apiKey, statePath };
}

function readState(file: string): ListenState | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ListenError(`--state: cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    const state = JSON.parse(text) as ListenState;
    if (state.version !== 1 || typeof state.cursor !== 'string' || typeof state.secret !== 'string' || !Array.isArray(state.forwarded)) throw new Error('unknown layout');
    return state;
  } catch (error) {
    throw new ListenError(`--state: ${file} is not a listen state file (${(error as Error).message}); delete it to start again at the newest event`);
  }
}

/** Write-then-rename, so a crash mid-write leaves the previous state, never half a file. */
function writeState(file: string, state: ListenState): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, JSON.stringify(state), { mode: 0o600 });
  fs.renameSync(temporary, file);
}

export interface ListenIo {
  out(line: string): void;
  err(line: string): void;
}

/** Runs until `signal` aborts (Ctrl-C); the forward in flight finishes and is saved first. */
export async function listen(options: ListenOptions, io: ListenIo, signal: AbortSignal): Promise<void> {
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });

  async function api(query: string): Promise<FeedPage> {
    const response = await request(`${options.server}/api/v1/events?${query}`, { headers: { 'x-api-key': options.apiKey }, headersTimeout: 30_000, bodyTimeout: 30_000 });
    const text = await response.body.text();
    if (response.statusCode === 200) return JSON.parse(text) as FeedPage;
    let message = text.slice(0, 500);
    try {
      message = (JSON.parse(text) as { error: { message: string } }).error.message;
    } catch {
      // not our error shape: keep the text
    }
    if (response.statusCode === 401 || response.statusCode === 403) throw new ListenError(`the server refused the API key (${response.statusCode}): ${message}`);
    if (response.statusCode === 410) throw new ListenError(`${message}\nDelete ${options.statePath} to start again at the newest event.`);
    if (response.statusCode >= 400 && response.statusCode < 500) throw new ListenError(`the server answered ${response.statusCode}: ${message}`);
    throw new Error(`the server answered ${response.statusCode}: ${message}`);
  }

  let state: ListenState | null = readState(options.statePath);
  if (state && (state.server !== options.server || state.forwardTo !== options.forwardTo)) {
    throw new ListenError(`--state: ${options.statePath} belongs to ${state.server} → ${state.forwardTo}; use another --state file`);
  }
  let errorWait = POLL_MIN_MS;
  while (!state && !signal.aborted) {
    try {
      const start = await api('after=latest');
      state = { version: 1, server: options.server, forwardTo: options.forwardTo, events: options.events, secret: randomBytes(32).toString('base64url'), cursor: start.nextCursor, forwarded: [] };
      writeState(options.statePath, state);
    } catch (error) {
      if (error instanceof ListenError) throw error;
      io.err(`cannot reach ${options.server} (${(error as Error).message}); retrying in ${Math.round(errorWait / 1000)} s`);
      await sleep(errorWait);
      errorWait = Math.min(ERROR_BACKOFF_MAX_MS, errorWait * 2);
    }
  }
  if (!state) return;
  let current: ListenState = state;
  io.out(`secret: ${current.secret}`);
  io.err(`forwarding ${options.events ? options.events.join(', ') : 'all events'} from ${options.server} to ${options.forwardTo} (state: ${options.statePath}); Ctrl-C to stop`);

  const types = options.events ? `&types=${encodeURIComponent(options.events.join(','))}` : '';
  let idleWait = POLL_MIN_MS;
  errorWait = POLL_MIN_MS;
  while (!signal.aborted) {
    let page: FeedPage;
    try {
      page = await api(`after=${encodeURIComponent(current.cursor)}&limit=${PAGE_SIZE}${types}`);
      errorWait = POLL_MIN_MS;
    } catch (error) {
      if (error instanceof ListenError) throw error;
      io.err(`cannot read the event feed (${(error as Error).message}); retrying in ${Math.round(errorWait / 1000)} s`);
      await sleep(errorWait);
      errorWait = Math.min(ERROR_BACKOFF_MAX_MS, errorWait * 2);
      continue;
    }
    const already = new Set<string>(current.forwarded);
    for (const item of page.items) {
      if (already.has(item.id)) continue;
      if (signal.aborted) return;
      const forwarded = await forwardUntilAnswered(item, current.secret, options.forwardTo, io, sleep, signal);
      if (!forwarded) return; // stopped while the local receiver was unreachable: nothing was delivered
      current = { ...current, forwarded: [...current.forwarded, item.id] };
      writeState(options.statePath, current);
    }
    if (page.nextCursor !== current.cursor || current.forwarded.length > 0) {
      current = { ...current, cursor: page.nextCursor, forwarded: [] };
      writeState(options.statePath, current);
    }
    if (page.items.length === PAGE_SIZE) continue;
    idleWait = page.items.length > 0 ? POLL_MIN_MS : Math.min(POLL_IDLE_MAX_MS, idleWait * 2);
    await sleep(idleWait);
  }
}

/** Forwards one event; retries while the local URL gives no HTTP answer. False when stopped before an answer. */
async function forwardUntilAnswered(
  item: FeedItem,
  secret: string,
  target: string,
  io: ListenIo,
  sleep: (ms: number) => Promise<void>,
  signal: AbortSignal,
): Promise<boolean> {
  const body = JSON.stringify(item.envelope);
  let wait = POLL_MIN_MS;
  for (;;) {
    const started = performance.now();
    const { sent } = buildDeliveryHeaders({
      eventId: item.id,
      deliveryId: randomUUID(),
      event: item.event,
      body,
      timestampSeconds: Math.floor(Date.now() / 1000),
      secrets: [secret],
      recordVersion: item.recordVersion,
    });
    try {
      // Not tied to `signal`: Ctrl-C lets this request finish, so its outcome is saved.
      const response = await request(target, { method: 'POST', headers: sent, body, headersTimeout: FORWARD_TIMEOUT_MS, bodyTimeout: FORWARD_TIMEOUT_MS });
      await response.body.dump();
      const ms = Math.round(performance.now() - started);
      io.out(`${new Date().toISOString()}  ${item.event}  ${item.entityId}${item.recordVersion ? ` v${item.recordVersion}` : ''}  → ${response.statusCode}  ${ms} ms`);
      return true;
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as { code?: string }).code ?? (error as Error).message;
      io.err(`${new Date().toISOString()}  ${item.event}  ${item.entityId}  → no answer from ${target} (${cause}); retrying in ${Math.round(wait / 100) / 10} s`);
      if (signal.aborted) return false;
      await sleep(wait);
      if (signal.aborted) return false;
      wait = Math.min(ERROR_BACKOFF_MAX_MS, wait * 2);
    }
  }
}

/** The `listen` command: parses, runs until SIGINT/SIGTERM, exits 0 then (1 with a message on a usage or server error). */
export async function runListen(args: string[]): Promise<void> {
  let options: ListenOptions;
  try {
    options = parseListenArgs(args);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await listen(options, { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`) }, stop.signal);
  } catch (error) {
    console.error(error instanceof ListenError ? error.message : `listen stopped: ${(error as Error).stack ?? error}`);
    process.exit(1);
  }
  process.exit(0);
}
