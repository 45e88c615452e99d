// `npm run bench`: every benchmark, each printing its figures and ratios against a baseline from the same run.
// `npm run bench -- writes` (or `delivery`) runs one.
const benches: Record<string, () => Promise<{ run: () => Promise<void> }>> = {
  writes: async () => ({ run: (await import('./writes.js')).runWritesBench }),
  delivery: async () => ({ run: (await import('./delivery.js')).runDeliveryBench }),
};

const only = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
for (const [name, load] of Object.entries(benches)) {
  if (only.length > 0 && !only.includes(name)) continue;
  console.log(`\n### ${name}`);
  const { run } = await load();
  await run();
}
process.exit(0);
