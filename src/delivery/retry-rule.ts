// Which failed deliveries are attempted again, and when (spec §9). Pure: the worker passes the outcome, the
// attempt number, the schedule, the clock and a random number, and records what comes back in the same
// statement as the failure (queue.ts). A table test covers every branch (test/delivery/retry-rule.test.ts).
import type { DeliveryErrorKind } from './schemas.js';

/** The default WEBHOOK_RETRY_SCHEDULE: 7 waits, so 8 attempts over about 28 hours. */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [5e3, 5 * 60e3, 30 * 60e3, 2 * 3600e3, 5 * 3600e3, 10 * 3600e3, 10 * 3600e3];
/** A Retry-After longer than this is cut to it: a receiver cannot park a delivery for days. */
export const RETRY_AFTER_CAP_MS = 3600e3;
/** Each schedule step is stretched or shrunk by up to this fraction, so a fleet of retries does not arrive at once. */
export const RETRY_JITTER = 0.2;

const RETRYABLE_KINDS: ReadonlySet<DeliveryErrorKind> = new Set(['timeout', 'connect', 'dns', 'tls']);
const RETRY_AFTER_STATUSES: ReadonlySet<number> = new Set([429, 503]);

export interface FailedAttempt {
  kind: DeliveryErrorKind;
  statusCode: number | null;
  /** The raw Retry-After header of the answer, if any. */
  retryAfter: string | null;
  /** 1 for the first delivery of an event. */
  attempt: number;
}

export type RetryDecision =
  | { action: 'retry'; waitMs: number }
  /** The receiver answered 410 Gone: the webhook is disabled, nothing is retried. */
  | { action: 'gone' }
  | { action: 'final'; reason: 'not_retryable' | 'exhausted' };

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || (status >= 500 && status <= 599);
}

/**
 * Parses Retry-After: whole seconds ("120") or an HTTP date. Returns the wait in ms from `nowMs` (0 for a date
 * in the past), or null when the value is neither.
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP date always names the weekday and the GMT zone; Date.parse accepts the three RFC 9110 forms.
  if (!/[a-z]{3}/i.test(text) || !/GMT$/i.test(text)) return null;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/**
 * The decision after a failed attempt of a webhook with `retryPolicy: exponential`.
 * `random` is in [0, 1): the jitter factor is 1 ± RETRY_JITTER. A Retry-After on 429/503 is honoured up to
 * RETRY_AFTER_CAP_MS and never undercut by the jitter: wait = max(jittered step, min(Retry-After, cap)).
 */
export function decideRetry(failure: FailedAttempt, schedule: readonly number[], nowMs: number, random: number): RetryDecision {
  const status = failure.kind === 'http_status' ? failure.statusCode : null;
  if (status === 410) return { action: 'gone' };
  const retryable = RETRYABLE_KINDS.has(failure.kind) || (status !== null && isRetryableStatus(status));
  if (!retryable) return { action: 'final', reason: 'not_retryable' };
  const step = schedule[failure.attempt - 1];
  if (step === undefined) return { action: 'final', reason: 'exhausted' };
  const jittered = Math.round(step * (1 + RETRY_JITTER * (2 * random - 1)));
  const asked = status !== null && RETRY_AFTER_STATUSES.has(status) ? parseRetryAfter(failure.retryAfter, nowMs) : null;
  const waitMs = asked === null ? jittered : Math.max(jittered, Math.min(asked, RETRY_AFTER_CAP_MS));
  return { action: 'retry', waitMs };
}
