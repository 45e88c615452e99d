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
    // expect.poll waits on work another process finishes (a worker's delivery, a page's live refresh every
    // 1.5 s); its 1 s default is shorter than one refresh on a loaded machine.
    expect: { poll: { timeout: 10_000 } },
    // CI asks for a JSON report too, to print one closing "N passed, N failed" line per run.
    reporters: process.env.TEST_REPORT_FILE ? ['default', ['json', { outputFile: process.env.TEST_REPORT_FILE }]] : ['default'],
  },
});
