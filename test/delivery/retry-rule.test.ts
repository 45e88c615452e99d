// The retry rule by table: kind × status × Retry-After × attempt × schedule → the wait, "gone" or final.
import { describe, expect, it } from 'vitest';
import { decideRetry, parseRetryAfter, RETRY_AFTER_CAP_MS, type FailedAttempt } from '../../src/delivery/retry-rule.js';
import type { DeliveryErrorKind } from '../../src/delivery/schemas.js';

const NOW = Date.parse('2026-04-22T10:00:00Z');
const SCHEDULE = [1_000, 2_000];
const MID = 0.5; // no jitter
const failure = (kind: DeliveryErrorKind, statusCode: number | null = null, retryAfter: string | null = null, attempt = 1): FailedAttempt => ({ kind, statusCode, retryAfter, attempt });

describe('decideRetry', () => {
  const table: Array<[string, FailedAttempt, readonly number[], number, ReturnType<typeof decideRetry>]> = [
    ['timeout retries on the first step', failure('timeout'), SCHEDULE, MID, { action: 'retry', waitMs: 1_000 }],
    ['connect retries', failure('connect'), SCHEDULE, MID, { action: 'retry', waitMs: 1_000 }],
    ['dns retries', failure('dns'), SCHEDULE, MID, { action: 'retry', waitMs: 1_000 }],
    ['tls retries', failure('tls'), SCHEDULE, MID, { action: 'retry', waitMs: 1_000 }],
    ['attempt 2 takes the second step', failure('timeout', null, null, 2), SCHEDULE, MID, { action: 'retry', waitMs: 2_000 }],
    ['past the last step it is final', failure('timeout', null, null, 3), SCHEDULE, MID, { action: 'final', reason: 'exhausted' }],
    ['an empty schedule never retries', failure('timeout'), [], MID, { action: 'final', reason: 'exhausted' }],
    ['408 retries', failure('http_status', 408), SCHEDULE, MID, { action: 'retry', waitMs: 1_000 }],
    ['425 retries', failure('http_status', 425), SCHEDULE, MID, { action: 'retry', waitMs: 1_000 }],
    ['429 retries', failure('http_status', 429), SCHEDULE, MID, { action: 'retry', waitMs: 1_000 }],
    ['500 retries', failure('http_status', 500), SCHEDULE, MID, { action: 'retry', waitMs: 1_000 }],
    ['503 retries', failure('http_status', 503), SCHEDULE, MID, { action: 'retry', waitMs: 1_000 }],
    ['599 retries', failure('http_status', 599), SCHEDULE, MID, { action: 'retry', waitMs: 1_000 }],
    ['400 is final', failure('http_status', 400), SCHEDULE, MID, { action: 'final', reason: 'not_retryable' }],
    ['401 is final', failure('http_status', 401), SCHEDULE, MID, { action: 'final', reason: 'not_retryable' }],
    ['404 is final', failure('http_status', 404), SCHEDULE, MID, { action: 'final', reason: 'not_retryable' }],
    ['410 disables the webhook', failure('http_status', 410), SCHEDULE, MID, { action: 'gone' }],
    ['410 disables even past the schedule', failure('http_status', 410, null, 9), SCHEDULE, MID, { action: 'gone' }],
    ['a redirect is final', failure('redirect', 302), SCHEDULE, MID, { action: 'final', reason: 'not_retryable' }],
    ['a blocked address is final', failure('blocked_address'), SCHEDULE, MID, { action: 'final', reason: 'not_retryable' }],
    ['webhook_disabled is final', failure('webhook_disabled'), SCHEDULE, MID, { action: 'final', reason: 'not_retryable' }],
    ['webhook_deleted is final', failure('webhook_deleted'), SCHEDULE, MID, { action: 'final', reason: 'not_retryable' }],
    ['secret_unavailable is final', failure('secret_unavailable'), SCHEDULE, MID, { action: 'final', reason: 'not_retryable' }],
    ['jitter: the lowest random shortens the step by 20 %', failure('timeout'), SCHEDULE, 0, { action: 'retry', waitMs: 800 }],
    ['jitter: the highest random lengthens it by 20 %', failure('timeout'), SCHEDULE, 0.999999, { action: 'retry', waitMs: 1_200 }],
    ['Retry-After seconds on 429 wins over a shorter step', failure('http_status', 429, '30'), SCHEDULE, MID, { action: 'retry', waitMs: 30_000 }],
    ['Retry-After seconds on 503 wins over a shorter step', failure('http_status', 503, '7'), SCHEDULE, MID, { action: 'retry', waitMs: 7_000 }],
    ['Retry-After is never undercut by jitter', failure('http_status', 503, '1'), SCHEDULE, 0, { action: 'retry', waitMs: 1_000 }],
    ['a shorter Retry-After never shortens the step', failure('http_status', 429, '0'), SCHEDULE, 0.999999, { action: 'retry', waitMs: 1_200 }],
    ['Retry-After is capped at one hour', failure('http_status', 429, '86400'), SCHEDULE, MID, { action: 'retry', waitMs: RETRY_AFTER_CAP_MS }],
    ['Retry-After as an HTTP date', failure('http_status', 503, 'Wed, 22 Apr 2026 10:00:42 GMT'), SCHEDULE, MID, { action: 'retry', waitMs: 42_000 }],
    ['an HTTP date in the past means the step', failure('http_status', 503, 'Wed, 22 Apr 2026 09:00:00 GMT'), SCHEDULE, MID, { action: 'retry', waitMs: 1_000 }],
    ['Retry-After on a 500 is ignored', failure('http_status', 500, '30'), SCHEDULE, MID, { action: 'retry', waitMs: 1_000 }],
    ['an unreadable Retry-After is ignored', failure('http_status', 429, 'soon'), SCHEDULE, MID, { action: 'retry', waitMs: 1_000 }],
    ['Retry-After never revives an exhausted schedule', failure('http_status', 429, '5', 3), SCHEDULE, MID, { action: 'final', reason: 'exhausted' }],
    ['Retry-After on a 400 changes nothing', failure('http_status', 400, '5'), SCHEDULE, MID, { action: 'final', reason: 'not_retryable' }],
    ['the default schedule has 7 steps: attempt 7 waits 10 h', failure('connect', null, null, 7), [5e3, 3e5, 18e5, 72e5, 18e6, 36e6, 36e6], MID, { action: 'retry', waitMs: 36e6 }],
    ['… and attempt 8 is the last', failure('connect', null, null, 8), [5e3, 3e5, 18e5, 72e5, 18e6, 36e6, 36e6], MID, { action: 'final', reason: 'exhausted' }],
  ];
  it.each(table)('%s', (_name, input, schedule, random, expected) => {
    expect(decideRetry(input, schedule, NOW, random)).toEqual(expected);
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['120', 120_000],
    [' 5 ', 5_000],
    ['Wed, 22 Apr 2026 10:01:00 GMT', 60_000],
    ['Wednesday, 22-Apr-26 10:01:00 GMT', 60_000],
    ['-1', null],
    ['1.5', null],
    ['2026-04-22T10:01:00Z', null],
    ['', null],
  ] as const)('%j → %s', (value, expected) => {
    expect(parseRetryAfter(value, NOW)).toBe(expected);
  });
});
