// Slows repeated failed sign-ins per email: after FREE_ATTEMPTS failures within the window, each further
// attempt must wait, doubling up to MAX_DELAY_MS. In memory per process: a shared store is not worth it for
// a brake whose job is to make online guessing slow, not impossible.
const WINDOW_MS = 15 * 60 * 1000;
const FREE_ATTEMPTS = 5;
const BASE_DELAY_MS = 1000;
const MAX_DELAY_MS = 60_000;
const MAX_TRACKED = 10_000;

interface Failures {
  count: number;
  first: number;
  last: number;
}

export class LoginThrottle {
  private failures = new Map<string, Failures>();
  constructor(private now: () => number = Date.now) {}

  /** Milliseconds the caller must still wait before another attempt for this email, 0 if none. */
  retryAfterMs(email: string): number {
    const entry = this.failures.get(email.toLowerCase());
    if (!entry || this.now() - entry.first > WINDOW_MS || entry.count < FREE_ATTEMPTS) return 0;
    const delay = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (entry.count - FREE_ATTEMPTS));
    return Math.max(0, entry.last + delay - this.now());
  }

  recordFailure(email: string): void {
    const key = email.toLowerCase();
    const now = this.now();
    const entry = this.failures.get(key);
    if (!entry || now - entry.first > WINDOW_MS) {
      if (this.failures.size >= MAX_TRACKED) this.failures.delete(this.failures.keys().next().value!);
      this.failures.set(key, { count: 1, first: now, last: now });
    } else {
      entry.count++;
      entry.last = now;
    }
  }

  recordSuccess(email: string): void {
    this.failures.delete(email.toLowerCase());
  }
}
