// How long the fuzz properties run. `npm test` (CI) uses a fixed seed and few runs so a failure replays
// exactly and the suite stays within its time budget; `npm run fuzz` sets FUZZ_RUNS (many more runs) and
// leaves FUZZ_SEED unset for a fresh seed each time, printed so a failure can be replayed with FUZZ_SEED=….
import type { Parameters } from 'fast-check';

/** The seed every CI run uses: a failure in CI replays on any machine. */
export const CI_SEED = 20_260_422;

const runsFromEnv = Number(process.env.FUZZ_RUNS);
const seedFromEnv = process.env.FUZZ_SEED;

/** True under `npm run fuzz` (FUZZ_RUNS set): many runs, random seed unless FUZZ_SEED pins one. */
export const LONG_MODE = Number.isInteger(runsFromEnv) && runsFromEnv > 0;

const seed = seedFromEnv !== undefined && seedFromEnv !== '' ? Number(seedFromEnv) : LONG_MODE ? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0 : CI_SEED;
if (LONG_MODE) console.log(`fuzz: ${runsFromEnv} runs per property, FUZZ_SEED=${seed}`);

/** fast-check parameters for one property: `ciRuns` in CI, FUZZ_RUNS runs in the long mode. */
export function fuzzParams<T>(ciRuns: number): Parameters<T> {
  // endOnFailure in CI: shrinking costs many more requests, and the first counterexample already names the
  // route and the input; the long mode shrinks to the smallest failing input.
  return { seed, numRuns: LONG_MODE ? runsFromEnv : ciRuns, endOnFailure: !LONG_MODE, verbose: 1 };
}

/** Per-test time limit: generous in the long mode. */
export const FUZZ_TEST_TIMEOUT_MS = LONG_MODE ? 60 * 60 * 1000 : 60_000;

const outcomes = new Map<string, Map<string, number>>();

/** Tallies what each property's cases got (2xx, 400 validation_error, …); FUZZ_STATS=1 prints the tally. */
export function recordOutcome(property: string, outcome: string): void {
  if (process.env.FUZZ_STATS !== '1') return;
  const tally = outcomes.get(property) ?? new Map<string, number>();
  tally.set(outcome, (tally.get(outcome) ?? 0) + 1);
  outcomes.set(property, tally);
}

export function printOutcomes(): void {
  if (process.env.FUZZ_STATS !== '1') return;
  for (const [property, tally] of outcomes) console.log(`${property}: ${[...tally].map(([k, v]) => `${k}×${v}`).join(' ')}`);
}
