// Shared set-up for benchmarks: a fresh, migrated database on the embedded PostgreSQL (or DATABASE_URL's
// server) and a context like the app's. Benchmarks print ratios against a baseline measured in the same run,
// because the machine is shared and absolute numbers drift between runs.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import type { AppContext } from '../src/context.js';
import { startEmbeddedDatabase } from '../src/db/embedded.js';
import { migrate } from '../src/db/migrate.js';
import { createDb, createPool, databaseUrlFor } from '../src/db/pool.js';
import { createLogger } from '../src/log.js';

export interface BenchDatabase {
  ctx: AppContext;
  url: string;
  kind: 'embedded' | 'server';
  close(): Promise<void>;
}

export async function openBenchDatabase(env: Record<string, string> = {}): Promise<BenchDatabase> {
  let adminUrl = process.env.DATABASE_URL;
  let stop = async () => {};
  let tempDir: string | null = null;
  if (!adminUrl) {
    tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-bench-pg-'));
    const embedded = await startEmbeddedDatabase({ dataDir: tempDir, log: createLogger('warn'), lock: false });
    adminUrl = embedded.url;
    stop = embedded.stop;
  }
  const name = `switchboard_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = databaseUrlFor(adminUrl, name);
  const pool = createPool(url, 30);
  await migrate(pool);
  const config = loadConfig({ DATABASE_URL: url, SECRET_KEY: randomBytes(32).toString('base64'), LOG_LEVEL: 'warn', ...env }, []);
  const ctx: AppContext = Object.freeze({ config, secretKey: config.secretKey!, pool, db: createDb(pool), log: createLogger('warn') });
  return {
    ctx,
    url,
    kind: process.env.DATABASE_URL ? 'server' : 'embedded',
    async close() {
      await pool.end();
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
      await stop();
      if (tempDir) fs.rmSync(tempDir, { recursive: true, force: true });
    },
  };
}

/** Runs `fn` `iterations` times and returns per-iteration durations in ms. */
export async function time(iterations: number, fn: (i: number) => Promise<void>): Promise<number[]> {
  const durations: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    await fn(i);
    durations.push(performance.now() - start);
  }
  return durations;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
