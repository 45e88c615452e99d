// The delivery worker: a write's commit notification → expand its fan-out rows into deliveries, taking up to the
// free slots claimed at once (fanout.ts) → send them; and the claim loop: wake (NOTIFY, a freed slot, or the
// ≤ 1 s poll) → claim a batch of pending rows that fits the free slots → send each claimed delivery
// concurrently. Results are recorded in batches. Caps per webhook, per company
// and per process keep one slow endpoint from holding more than its own slots. Any number of workers may share
// one database; each claim carries a token and a lease (see queue.ts).
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import pg from 'pg';
import type { AppContext } from '../context.js';
import { connectionStringOf, createWorkerPool, WORKER_APPLICATION_NAME } from '../db/pool.js';
import { envelopeTimestamp, observeDeliveryResult, recordRetryScheduled, watchWorkerPool } from '../ops/metrics.js';
import { openCustomHeaders } from '../webhooks/custom-headers.js';
import { decryptSecret } from '../webhooks/secret-box.js';
import { disableFailingWebhooks, disableWebhooks, unsentMessage } from '../webhooks/disable.js';
import { DELIVERY_CHANNEL, FANOUT_NOTICE } from './enqueue.js';
import { atCapNotice, EXPAND_EVENTS, expandFanout, type Expansion, type ExpansionClaim } from './fanout.js';
import { claimDeliveries, recordOutcomes, releaseClaims, releaseExpiredLeases, renewLeases, type ClaimedDelivery, type RecordedOutcome } from './queue.js';
import { startQueueVacuum } from './queue-vacuum.js';
import { decideRetry } from './retry-rule.js';
import type { DeliveryErrorKind } from './schemas.js';
import { createDeliverySender, type DeliveryOutcome, type DeliverySender, type DeliverySenderOptions } from './sender.js';

export interface Worker {
  /** Resolves once the worker listens for new work (writes' notifications wake it at once). */
  ready: Promise<void>;
  stop(): Promise<void>;
}

export interface WorkerOptions {
  /** Requests in flight in this process, all webhooks together. */
  globalCap?: number;
  /** Requests in flight to one webhook from this process: a tarpit endpoint holds at most this many slots. */
  perWebhookCap?: number;
  /** The same for a webhook whose deliveries have all failed for over a second (queue.ts FAILING_AFTER_MS). */
  failingWebhookCap?: number;
  /** Requests in flight for one company from this process: one tenant cannot take every slot. */
  perCompanyCap?: number;
  /** Most rows one claim takes. */
  batchSize?: number;
  /** Poll interval: progress is guaranteed at this pace even if a notification is lost. */
  pollMs?: number;
  /**
   * How long a claim stays owned without a heartbeat (WEBHOOK_LEASE_MS, 3 s by default): what a killed worker's
   * deliveries wait before another worker sends them again. Independent of the request timeout, because the
   * heartbeat renews the leases of every claim still running or waiting to be recorded.
   */
  leaseMs?: number;
  /** How often the heartbeat renews the leases; a quarter of leaseMs by default. */
  heartbeatMs?: number;
  /** On stop, how long in-flight requests may still finish before being cut and their claims released. */
  stopDeadlineMs?: number;
  /** Overrides for the HTTPS sender (tests pass a CA or a resolver). */
  sender?: Partial<DeliverySenderOptions>;
}

// Slots hide the round trips of claiming and recording: with 16 per webhook a busy webhook's slots sat idle
// between a request's end and the next claim often enough to halve the rate. A company still gets at most half
// of a worker, and a tarpit at most an eighth.
export const WORKER_DEFAULTS = {
  globalCap: 256,
  perWebhookCap: 32,
  failingWebhookCap: 2,
  perCompanyCap: 128,
  batchSize: 64,
  pollMs: 1_000,
  stopDeadlineMs: 10_000,
} as const;
const RECORD_BATCH_MAX = 500;
/** Freed slots wake the claim loop after this many, or after COALESCE_MS, whichever comes first. */
const COALESCE_SLOTS = 8;
const COALESCE_MS = 3;
const RETRY_DB_AFTER_MS = 500;
/** Auto-disable runs after every batch with failures and, for webhooks that stopped getting deliveries, this often. */
const AUTO_DISABLE_SWEEP_MS = 60_000;
/** Failures of the receiver (what auto-disable counts); the other kinds sent nothing to it. */
const RECEIVER_FAILURE_KINDS: ReadonlySet<DeliveryErrorKind> = new Set(['http_status', 'timeout', 'dns', 'connect', 'tls', 'blocked_address', 'redirect']);

/** An outcome where nothing was sent. */
function notSent(kind: DeliveryErrorKind, message: string): DeliveryOutcome {
  return { status: 'failed', statusCode: null, responseBody: null, error: { kind, message }, durationMs: 0, requestHeaders: {} };
}

interface InFlight {
  claim: ClaimedDelivery;
  done: Promise<void>;
}

export function startWorker(ctx: AppContext, options: WorkerOptions = {}): Worker {
  // Short leases, renewed by a heartbeat (below) for as long as the worker holds a claim: a crashed worker's
  // rows return after about one lease, however long the request timeout.
  const leaseMs = options.leaseMs ?? ctx.config.webhookLeaseMs;
  const settings = { ...WORKER_DEFAULTS, ...options, leaseMs, heartbeatMs: options.heartbeatMs ?? Math.max(100, Math.floor(leaseMs / 4)) };
  const failingWebhookCap = Math.min(settings.failingWebhookCap, settings.perWebhookCap);
  const { log } = ctx;
  // The worker's statements run on connections of their own, which reuse one plan per statement (createWorkerPool).
  const pool = createWorkerPool(connectionStringOf(ctx.pool));
  const unwatchPool = watchWorkerPool(pool);
  const sender: DeliverySender = createDeliverySender({
    timeoutMs: ctx.config.webhookTimeoutMs,
    allowPrivate: ctx.config.webhookAllowPrivate,
    dnsServers: ctx.config.webhookDnsServers,
    ...options.sender,
  });
  const inFlight = new Map<string, InFlight>();
  const byWebhook = new Map<string, number>();
  const byCompany = new Map<string, number>();
  const results: RecordedOutcome[] = [];
  const queueVacuum = startQueueVacuum(pool, log);
  const cut = new AbortController(); // aborts requests still running at the stop deadline
  setMaxListeners(0, cut.signal); // one listener per in-flight request, up to globalCap
  const unfinished: ClaimedDelivery[] = [];
  // Rows claimed past their webhook's cap (see admit()), per webhook in claim order: sent as its requests end.
  const held = new Map<string, ClaimedDelivery[]>();
  let heldCount = 0;
  // Slots an expansion statement in flight may fill (its limit), not offered to a claim meanwhile.
  let lentSlots = 0;
  const freeSlots = () => settings.globalCap - inFlight.size - heldCount - lentSlots;
  /** What statements must count as each webhook's busy slots, as of now: its requests, and its held rows (sent before any new claim). */
  const busyByWebhook = () => {
    const busy = new Map(byWebhook);
    for (const [webhookId, rows] of held) busy.set(webhookId, (busy.get(webhookId) ?? 0) + rows.length);
    return busy;
  };
  // While the last claim found rows waiting, an expansion leaves its rows to the queue too: taking a new write's
  // rows directly would let them pass older ones (the claim takes rows in order), which then wait for seconds.
  let backlog = false;
  let stopping = false;
  let flushing: Promise<void> | null = null;
  let lastReap = 0;
  let lastSweep = Date.now();

  // Wake-up: a pending wake is remembered, so one that arrives mid-claim is not lost. New work (NOTIFY) wakes
  // at once; freed slots wake after a short coalescing window, because under load requests finish one by one
  // and a claim per finished request would cost one query per delivery.
  let wakePending = false;
  let freedSlots = 0;
  let wakeWaiter: (() => void) | null = null;
  let coalesceTimer: NodeJS.Timeout | null = null;
  const wake = () => {
    wakePending = true;
    if (coalesceTimer) clearTimeout(coalesceTimer);
    coalesceTimer = null;
    wakeWaiter?.();
  };
  const slotFreed = () => {
    freedSlots++;
    if (freedSlots >= COALESCE_SLOTS || inFlight.size === 0) return wake();
    coalesceTimer ??= setTimeout(wake, COALESCE_MS);
  };
  // Retries scheduled by this worker wake it when the first is due (a hint only: the poll finds due rows anyway,
  // and rows scheduled by other workers are found by the poll).
  let nextDueAt = Infinity;
  const retryScheduled = (inMs: number) => {
    nextDueAt = Math.min(nextDueAt, Date.now() + inMs);
  };
  const sleepUntilWoken = (pollMs: number) =>
    new Promise<void>((resolve) => {
      if (wakePending) return resolve();
      const untilDue = nextDueAt - Date.now();
      if (untilDue <= pollMs) nextDueAt = Infinity;
      const timer = setTimeout(done, Math.max(0, Math.min(pollMs, untilDue)));
      function done() {
        clearTimeout(timer);
        wakeWaiter = null;
        resolve();
      }
      wakeWaiter = done;
    });

  const bump = (map: Map<string, number>, key: string, by: number) => {
    const next = (map.get(key) ?? 0) + by;
    if (next <= 0) map.delete(key);
    else map.set(key, next);
  };

  // A write's notification means fan-out rows to expand; any other, rows to claim, except one saying that this
  // worker's own expansion left only rows at its caps (a request of their webhook ending wakes it for those).
  const workerId = randomUUID();
  const ownAtCap = atCapNotice(workerId);
  const listener = startListener(ctx, (payload) => {
    if (payload === FANOUT_NOTICE) expand();
    else if (payload !== ownAtCap) wake();
  });

  /**
   * Expands committed writes' fan-out rows, at once and beside the claim loop (a write's deliveries do not wait
   * for a claim in progress): one statement at a time, again while notifications arrived meanwhile or a batch
   * was full. Its limit of free slots is lent to it while it runs, and what it returns claimed goes through
   * admit(), since a claim may have run beside it.
   */
  let expanding: Promise<void> | null = null;
  let expandAgain = false;
  function expand(): void {
    if (expanding) {
      expandAgain = true;
      return;
    }
    expanding = (async () => {
      do {
        expandAgain = false;
        const claim = expansionClaim();
        if (claim) lentSlots += claim.limit;
        let expansion: Expansion;
        try {
          expansion = await expandFanout(pool, { claim });
        } catch (error) {
          // The rows stay; the next notification or the poll expands them.
          log.error({ err: error }, 'expanding deliveries failed; retrying at the next poll');
          return;
        } finally {
          if (claim) lentSlots -= claim.limit;
        }
        take(expansion.claimed);
        if (expansion.events >= EXPAND_EVENTS) expandAgain = true;
      } while (expandAgain && !stopping);
    })().finally(() => {
      expanding = null;
    });
  }

  /**
   * Rows past a cap: sent now if their slots freed meanwhile; else held (a webhook not failing, up to its cap of
   * held rows: a healthy webhook frees a slot within milliseconds, and holding is cheaper than a release and a
   * new claim); else back to pending, for a claim to take within the caps — a failing webhook's rows (its
   * requests may take the whole timeout), and a company's rows while the company is at its cap.
   */
  function holdOrRelease(rows: readonly ClaimedDelivery[]): void {
    const released: ClaimedDelivery[] = [];
    for (const claim of rows) {
      const waiting = held.get(claim.webhookId);
      if (!waiting && fits(claim)) {
        count(claim, 1);
        launch(claim);
      } else if (!claim.webhookFailing && (waiting?.length ?? 0) < settings.perWebhookCap && (byCompany.get(claim.companyId) ?? 0) < settings.perCompanyCap) {
        if (waiting) waiting.push(claim);
        else held.set(claim.webhookId, [claim]);
        heldCount++;
      } else released.push(claim);
    }
    if (released.length > 0) void releaseOverCap(released);
  }

  /** Sends held rows whose webhook and company have a free slot again, oldest first. */
  function sendHeld(): void {
    if (stopping) return;
    for (const [webhookId, rows] of held) {
      while (rows.length > 0 && fits(rows[0]!)) {
        const claim = rows.shift()!;
        heldCount--;
        count(claim, 1);
        launch(claim);
      }
      if (rows.length === 0) held.delete(webhookId);
    }
  }

  async function releaseOverCap(claims: readonly ClaimedDelivery[]): Promise<void> {
    await releaseClaims(pool, claims).catch((error) => log.error({ err: error }, 'releasing deliveries past a cap failed; they return to pending when their lease expires'));
    wake();
  }

  // The heartbeat: one UPDATE per beat for every claim this worker holds — requests running and results
  // waiting to be recorded. A worker that stalls misses its beats; its leases expire and another worker takes
  // the rows with a new token, which the late worker's heartbeat and results never match. A beat and a result
  // batch never cover the same row (both lock queue rows, in different orders: overlapping, they deadlocked
  // under load, and the loser of a deadlock waits deadlock_timeout, 1 s, a third of the lease): the batch being
  // recorded has left `results` and `inFlight` before a beat collects them, and the recording loop takes its
  // next batch only once a running beat has finished. Beats go on while a slow batch is being recorded.
  let beating: Promise<void> | null = null;
  async function beat(): Promise<void> {
    if (inFlight.size === 0 && results.length === 0 && heldCount === 0) return;
    const claims: Array<{ id: string; claimToken: string }> = [];
    for (const { claim } of inFlight.values()) claims.push(claim);
    for (const rows of held.values()) claims.push(...rows);
    for (const result of results) claims.push(result);
    try {
      await renewLeases(pool, claims, settings.leaseMs);
    } catch (error) {
      log.error({ err: error }, 'renewing the leases of claimed deliveries failed; retrying at the next heartbeat');
    }
  }
  const heartbeat = setInterval(() => {
    if (beating) return;
    beating = beat().finally(() => {
      beating = null;
    });
  }, settings.heartbeatMs);
  heartbeat.unref();

  function flush(): Promise<void> {
    flushing ??= (async () => {
      while (results.length > 0) {
        if (beating) await beating;
        const batch = results.splice(0, RECORD_BATCH_MAX);
        try {
          const written = await recordOutcomes(pool, batch);
          queueVacuum.recorded(written);
          if (written < batch.length) log.warn({ stale: batch.length - written }, 'results of claims another worker took over were discarded');
          await applyWebhookConsequences(batch);
        } catch (error) {
          // The rows stay ours until the lease expires; keep the results and try again shortly.
          results.unshift(...batch);
          log.error({ err: error }, 'recording delivery results failed; retrying');
          if (stopping && cut.signal.aborted) return;
          await new Promise((r) => setTimeout(r, RETRY_DB_AFTER_MS));
        }
      }
    })().finally(() => {
      flushing = null;
    });
    return flushing;
  }

  /**
   * After a batch is recorded: a 410 disables its webhook ("gone"), and webhooks with receiver failures are
   * checked for auto-disable ("failing"). Both fail the webhook's queued deliveries (webhook_disabled).
   * A failure here is logged, not retried: the once-a-minute sweep checks "failing" again.
   */
  async function applyWebhookConsequences(batch: readonly RecordedOutcome[]): Promise<void> {
    const gone = new Set<string>();
    const failing = new Set<string>();
    for (const { outcome, health } of batch) {
      if (!health || health.ok) continue;
      if (outcome.error?.kind === 'http_status' && outcome.statusCode === 410) gone.add(health.webhookId);
      else failing.add(health.webhookId);
    }
    try {
      const disabledGone = await disableWebhooks(ctx.db, [...gone], 'gone');
      if (disabledGone.length > 0) log.warn({ webhookIds: disabledGone }, 'webhooks disabled: the receiver answered 410 Gone');
      const disabledFailing = await disableFailingWebhooks(ctx.db, ctx.config.webhookDisableAfterMs, [...failing]);
      if (disabledFailing.length > 0) log.warn({ webhookIds: disabledFailing }, 'webhooks disabled: every delivery failed for WEBHOOK_DISABLE_AFTER');
    } catch (error) {
      log.error({ err: error }, 'disabling webhooks after failed deliveries failed');
    }
  }

  /** The outcome of one claimed delivery; null when shutdown cut it (it goes back to pending). */
  async function attempt(claim: ClaimedDelivery): Promise<DeliveryOutcome | null> {
    if (claim.webhookMissing) return notSent('webhook_deleted', unsentMessage('deleted'));
    if (claim.disabledReason) return notSent('webhook_disabled', unsentMessage(claim.disabledReason));
    let secret: string | null = null;
    let previousSecret: string | null = null;
    let customHeaders: Record<string, string> | null = null;
    try {
      secret = claim.secretCiphertext ? decryptSecret(ctx.secretKey, claim.webhookId, claim.secretCiphertext) : null;
      previousSecret = claim.previousSecretCiphertext ? decryptSecret(ctx.secretKey, claim.webhookId, claim.previousSecretCiphertext) : null;
      customHeaders = claim.headersCiphertext ? openCustomHeaders(ctx.secretKey, claim.webhookId, claim.headersCiphertext) : null;
    } catch (error) {
      // Never send unsigned what should be signed, and never try again on every lease: no later attempt can
      // decrypt it with this key. The message says how to get out.
      log.error({ err: error, deliveryId: claim.id, webhookId: claim.webhookId }, 'cannot decrypt the webhook secret (was SECRET_KEY changed?)');
      return notSent(
        'secret_unavailable',
        'the webhook secret (or its custom headers) cannot be decrypted with this server\'s SECRET_KEY (the key changed since the secret was saved, or the stored secret is damaged); nothing was sent. ' +
          `Restore the SECRET_KEY the secret was saved with, or set a new secret on the webhook (PATCH /webhooks/${claim.webhookId} {"secret": "…"}), then resend this delivery`,
      );
    }
    const outcome = await sender.send(
      { deliveryId: claim.id, eventId: claim.eventId, url: claim.url, event: claim.event, body: claim.body, secret, previousSecret, customHeaders, recordVersion: claim.recordVersion },
      cut.signal,
    );
    return cut.signal.aborted && outcome.status === 'failed' ? null : outcome;
  }

  async function deliver(claim: ClaimedDelivery): Promise<void> {
    const outcome = await attempt(claim);
    if (outcome === null) {
      unfinished.push(claim); // cut by shutdown: not a receiver failure, goes back to pending
      return;
    }
    let retryInMs: number | null = null;
    if (outcome.status === 'failed' && claim.retryPolicy === 'exponential') {
      const decision = decideRetry(
        { kind: outcome.error!.kind, statusCode: outcome.statusCode, retryAfter: outcome.retryAfter ?? null, attempt: claim.attempt },
        ctx.config.webhookRetryScheduleMs,
        Date.now(),
        Math.random(),
      );
      if (decision.action === 'retry') {
        retryInMs = decision.waitMs;
        retryScheduled(retryInMs);
        recordRetryScheduled();
      }
    }
    const sent = outcome.status === 'success' || RECEIVER_FAILURE_KINDS.has(outcome.error!.kind);
    results.push({ id: claim.id, claimToken: claim.claimToken, outcome, retryInMs, ...(sent ? { health: { webhookId: claim.webhookId, ok: outcome.status === 'success' } } : {}) });
    observeDeliveryResult({ outcome: outcome.status, errorKind: outcome.error?.kind ?? null, durationMs: outcome.durationMs, createdAt: envelopeTimestamp(claim.body) });
    void flush();
  }

  /** Whether one more request of the row's webhook and company stays within their caps. */
  function fits(claim: ClaimedDelivery): boolean {
    const webhookCap = claim.webhookFailing ? failingWebhookCap : settings.perWebhookCap;
    return (byWebhook.get(claim.webhookId) ?? 0) < webhookCap && (byCompany.get(claim.companyId) ?? 0) < settings.perCompanyCap;
  }

  /**
   * Counts the claimed rows that fit their webhook's and company's caps now (behind any held rows of their
   * webhook), and returns the rest. Each statement applies the caps to the counts it was given, but statements
   * running side by side — an expansion and the claim — do not see each other's rows, so together they can pass
   * a cap (when four writes' statements each took a tarpit's 32 slots, they held the company's every slot until
   * their requests timed out). What passes a cap is not sent now (holdOrRelease()).
   */
  function admit(claimed: readonly ClaimedDelivery[]): { claims: ClaimedDelivery[]; overCap: ClaimedDelivery[] } {
    const claims: ClaimedDelivery[] = [];
    const overCap: ClaimedDelivery[] = [];
    for (const claim of claimed) {
      const fitsNow = !held.has(claim.webhookId) && fits(claim);
      if (fitsNow) count(claim, 1);
      (fitsNow ? claims : overCap).push(claim);
    }
    return { claims, overCap };
  }

  function count(claim: ClaimedDelivery, by: 1 | -1) {
    bump(byWebhook, claim.webhookId, by);
    bump(byCompany, claim.companyId, by);
  }

  /** Sends a claimed delivery whose slot admit() counted. */
  function launch(claim: ClaimedDelivery) {
    const done = deliver(claim)
      .catch((error) => log.error({ err: error, deliveryId: claim.id }, 'delivery crashed'))
      .finally(() => {
        inFlight.delete(claim.id);
        count(claim, -1);
        sendHeld();
        slotFreed();
      });
    inFlight.set(claim.id, { claim, done });
  }

  /** The caps and free slots an expansion may insert claimed rows within; null when it takes none now. */
  function expansionClaim(): ExpansionClaim | null {
    const limit = Math.min(freeSlots(), settings.batchSize);
    if (stopping || backlog || limit <= 0) return null;
    return {
      token: randomUUID(),
      workerId,
      limit,
      leaseMs: settings.leaseMs,
      perWebhookCap: settings.perWebhookCap,
      failingWebhookCap,
      perCompanyCap: settings.perCompanyCap,
      busyByWebhook: busyByWebhook(),
      busyByCompany: byCompany,
    };
  }

  /** Sends what a statement returned claimed: what fits now, and the rest held or released (admit()). */
  function take(claimed: readonly ClaimedDelivery[]): void {
    const { claims, overCap } = admit(claimed);
    for (const claim of claims) launch(claim);
    holdOrRelease(overCap);
  }

  async function loop() {
    while (!stopping) {
      wakePending = false;
      freedSlots = 0;
      let full = false;
      try {
        if (Date.now() - lastReap >= settings.pollMs) {
          lastReap = Date.now();
          expand(); // the poll also covers a lost notification of a write
          const released = await releaseExpiredLeases(pool);
          if (released > 0) log.warn({ released }, 'claims with an expired lease returned to pending');
        }
        if (Date.now() - lastSweep >= Math.min(AUTO_DISABLE_SWEEP_MS, ctx.config.webhookDisableAfterMs)) {
          lastSweep = Date.now();
          const disabled = await disableFailingWebhooks(ctx.db, ctx.config.webhookDisableAfterMs, null);
          if (disabled.length > 0) log.warn({ webhookIds: disabled }, 'webhooks disabled: every delivery failed for WEBHOOK_DISABLE_AFTER');
        }
        const free = Math.min(freeSlots(), settings.batchSize);
        if (free > 0 && !stopping) {
          const claimed = await claimDeliveries(pool, {
            token: randomUUID(),
            limit: free,
            leaseMs: settings.leaseMs,
            perWebhookCap: settings.perWebhookCap,
            failingWebhookCap,
            perCompanyCap: settings.perCompanyCap,
            inFlightByWebhook: busyByWebhook(),
            inFlightByCompany: byCompany,
          });
          take(claimed);
          full = claimed.length === free;
          // A claim that filled every free slot may have left rows behind; one that did not, found them all.
          backlog = full;
        }
      } catch (error) {
        if (stopping) break;
        log.error({ err: error }, 'claiming deliveries failed; retrying after the poll interval');
      }
      if (!full) await sleepUntilWoken(settings.pollMs);
    }
  }

  const running = loop();
  let stopped: Promise<void> | null = null;
  log.info({ caps: { global: settings.globalCap, perWebhook: settings.perWebhookCap, perCompany: settings.perCompanyCap } }, 'delivery worker started');

  return {
    ready: listener.ready,
    stop() {
      // A second call waits for the same stop.
      stopped ??= stop();
      return stopped;
    },
  };

  async function stop(): Promise<void> {
    stopping = true;
    wake();
    if (coalesceTimer) clearTimeout(coalesceTimer);
    await running;
    await expanding;
    // Held rows were never sent: back to pending with the rest.
    for (const rows of held.values()) unfinished.push(...rows);
    held.clear();
    heldCount = 0;
    const pending = () => Promise.all([...inFlight.values()].map((f) => f.done));
    let deadline: NodeJS.Timeout | undefined;
    await Promise.race([pending(), new Promise((r) => (deadline = setTimeout(r, settings.stopDeadlineMs)))]);
    clearTimeout(deadline);
    if (inFlight.size > 0) {
      log.warn({ inFlight: inFlight.size }, 'stop deadline reached; cutting in-flight deliveries and releasing their claims');
      cut.abort();
      await pending();
    }
    await flush();
    clearInterval(heartbeat);
    await Promise.all([beating, queueVacuum.idle()]);
    const released = await releaseClaims(pool, unfinished).catch((error) => {
      log.error({ err: error }, 'releasing claims failed; they return to pending when their lease expires');
      return 0;
    });
    unwatchPool();
    await Promise.all([listener.close(), sender.close(), pool.end().catch(() => {})]);
    log.info({ released }, 'delivery worker stopped');
  }
}

/** LISTEN on a dedicated connection, reconnecting with backoff; polling covers any gap. */
function startListener(ctx: AppContext, onNotify: (payload: string | undefined) => void): { close(): Promise<void>; connected(): boolean; ready: Promise<void> } {
  let client: pg.Client | null = null;
  let listening!: () => void;
  const ready = new Promise<void>((resolve) => (listening = resolve));
  let closed = false;
  let retryTimer: NodeJS.Timeout | undefined;
  const connect = async (attempt: number) => {
    if (closed) return;
    const next = new pg.Client({ connectionString: connectionStringOf(ctx.pool), application_name: WORKER_APPLICATION_NAME });
    next.on('notification', (message) => onNotify(message.payload));
    next.on('error', () => {
      if (client === next) client = null;
      void next.end().catch(() => {});
      if (!closed) retryTimer = setTimeout(() => void connect(1), 1_000);
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${DELIVERY_CHANNEL}`);
      if (closed) return void (await next.end());
      client = next;
      listening();
    } catch (error) {
      ctx.log.warn({ err: error }, 'LISTEN connection failed; polling meanwhile');
      void next.end().catch(() => {});
      retryTimer = setTimeout(() => void connect(attempt + 1), Math.min(30_000, 500 * 2 ** attempt));
    }
  };
  void connect(0);
  return {
    connected: () => client !== null,
    ready,
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      await client?.end().catch(() => {});
    },
  };
}
