import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    pool: 'forks',
    // Each file gets its own database cloned from a migrated template, so files run in parallel safely.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // CI asks for a JSON report too, to print one closing "N passed, N failed" line per run.
    reporters: process.env.TEST_REPORT_FILE ? ['default', ['json', { outputFile: process.env.TEST_REPORT_FILE }]] : ['default'],
  },
});
