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

/**
 * Matches the receiver's receipts to the moment each write was seen to commit. A receipt can come first: a
 * write's own worker sends its deliveries on the commit notification (direct dispatch), which may be handled
 * before the writer's await on COMMIT resumes. Such a receipt waits here for its write and counts with latency
 * 0 (the commit was earlier than the writer saw it, by less than that). Receipts of entities never marked
 * (another phase's stragglers) are never counted.
 */
export function receiptLedger(onMatch: (latencyMs: number, at: number) => void): { receipt(entity: string, at: number): void; committed(entity: string, at: number): void } {
  const committedAt = new Map<string, number>();
  const early = new Map<string, number[]>();
  return {
    receipt(entity, at) {
      const committed = committedAt.get(entity);
      if (committed !== undefined) return onMatch(Math.max(0, at - committed), at);
      const waiting = early.get(entity);
      if (waiting) waiting.push(at);
      else early.set(entity, [at]);
    },
    committed(entity, at) {
      committedAt.set(entity, at);
      const waiting = early.get(entity);
      if (!waiting) return;
      early.delete(entity);
      for (const receivedAt of waiting) onMatch(Math.max(0, receivedAt - at), receivedAt);
    },
  };
}
