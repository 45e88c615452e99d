// `npm run bench`: every benchmark, each printing its figures and ratios against a baseline from the same run.
// `npm run bench -- writes` (or `delivery`, or `baseline`) runs one.
const benches: Record<string, () => Promise<{ run: () => Promise<void> }>> = {
  writes: async () => ({ run: (await import('./writes.js')).runWritesBench }),
  delivery: async () => ({ run: (await import('./delivery.js')).runDeliveryBench }),
  import: async () => ({ run: (await import('./import.js')).runImportBench }),
  'sign-in': async () => ({ run: (await import('./sign-in.js')).runSignInBench }),
  // Node CPU per delivery attempt: the HTTPS sender vs a bare undici request, alternating rounds.
  sender: async () => ({ run: (await import('./sender.js')).runSenderBench }),
  // kill -9 of a worker process holding claims → the time until another worker has sent them again.
  recovery: async () => ({ run: (await import('./recovery.js')).runRecoveryBench }),
  // The delivery log and webhook stats at 10 M rows across 1,000 companies (BENCH_LOG_ROWS to change the size).
  'log-scale': async () => ({ run: (await import('./log-scale.js')).runLogScaleBench }),
  // Purging 1 M expired rows while deliveries run (BENCH_RETENTION_ROWS to change the size).
  retention: async () => ({ run: (await import('./retention.js')).runRetentionBench }),
  // 100,000 records backfilled to one webhook while three others take live deliveries (BENCH_BACKFILL_RECORDS).
  backfill: async () => ({ run: (await import('./backfill.js')).runBackfillBench }),
  // Only the BullMQ + Redis comparison (the delivery benchmark runs it too): `npm run bench -- baseline`.
  baseline: async () => ({ run: (await import('./bullmq-baseline.js')).runBaselineBench }),
};

const NAMED_ONLY = new Set(['baseline', 'log-scale', 'retention']);
const only = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
for (const [name, load] of Object.entries(benches)) {
  // `baseline` runs only when named: the full run already includes it in the delivery benchmark. `log-scale` and
  // `retention` seed millions of rows first (15 and 2 minutes here), so they too run only when named.
  if (only.length > 0 ? !only.includes(name) : NAMED_ONLY.has(name)) continue;
  console.log(`\n### ${name}`);
  const { run } = await load();
  await run();
}
process.exit(0);
