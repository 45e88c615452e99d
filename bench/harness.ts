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
    // BENCH_PG_SETTINGS='shared_preload_libraries=pg_stat_statements,…' for profiling (comma-separated name=value).
    const settings = Object.fromEntries((process.env.BENCH_PG_SETTINGS ?? '').split(',').filter(Boolean).map((kv) => kv.split('=') as [string, string]));
    const embedded = await startEmbeddedDatabase({ dataDir: tempDir, log: createLogger('warn'), lock: false, settings });
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
 * worker expands and sends a write's deliveries on its commit notification (src/delivery/fanout.ts), which may be handled
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

/** CPU seconds used by a process (user + system) from /proc; 0 once it has gone. */
export function processCpuSeconds(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}
const CLOCK_TICKS = 100;

/**
 * The pids of the database's PostgreSQL on this machine: its postmaster and the postmaster's children (other
 * clusters may run beside it). For a server on another host: none.
 */
export async function postgresPids(pool: pg.Pool): Promise<() => number[]> {
  const backend = (await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  let stat = '';
  try {
    stat = fs.readFileSync(`/proc/${backend}/stat`, 'utf8');
  } catch {
    return () => [];
  }
  if (!stat.startsWith(`${backend} (postgres)`)) return () => [];
  const postmaster = Number(stat.split(') ')[1]!.split(' ')[1]);
  return () => {
    const children = fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number).filter((pid) => {
      try {
        return Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]) === postmaster;
      } catch {
        return false;
      }
    });
    return [postmaster, ...children];
  };
}

export interface CpuSplit {
  /** CPU seconds of each group over the interval. */
  seconds: Record<string, number>;
  /** Share of the machine's CPUs that stood idle. */
  idle: number;
  wallSeconds: number;
}

function machineTimes(): { busy: number; idle: number } {
  const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = fields[3]! + fields[4]!;
  return { busy: fields.slice(0, 8).reduce((a, b) => a + b, 0) - idle, idle };
}

/**
 * Where the CPU went while a phase ran, by process group: `this` (this process, via process.cpuUsage), each
 * named group of pids (short-lived PostgreSQL backends come and go: a group's pids are read at the start and
 * the end, and a backend that exited in between is not counted), and the machine's idle share.
 */
export function cpuMeter(groups: Record<string, () => number[]>): () => CpuSplit {
  const startedAt = performance.now();
  const self = process.cpuUsage();
  const machine = machineTimes();
  const before = new Map<string, Map<number, number>>();
  for (const [name, pids] of Object.entries(groups)) before.set(name, new Map(pids().map((pid) => [pid, processCpuSeconds(pid)])));
  return () => {
    const own = process.cpuUsage(self);
    const seconds: Record<string, number> = { this: (own.user + own.system) / 1e6 };
    for (const [name, pids] of Object.entries(groups)) {
      const start = before.get(name)!;
      seconds[name] = pids().reduce((sum, pid) => sum + processCpuSeconds(pid) - (start.get(pid) ?? 0), 0);
    }
    const end = machineTimes();
    const idle = end.idle - machine.idle;
    return { seconds, idle: idle / (idle + end.busy - machine.busy), wallSeconds: (performance.now() - startedAt) / 1000 };
  };
}

/** "this 210 µs, postgres 180 µs, receiver 60 µs per delivery; 8 % idle" */
export function cpuLine(split: CpuSplit, deliveries: number): string {
  const parts = Object.entries(split.seconds).map(([name, s]) => `${name} ${Math.round((s * 1e6) / Math.max(1, deliveries))} µs`);
  return `${parts.join(', ')} per delivery; ${Math.round(split.idle * 100)} % idle`;
}

/**
 * With pg_stat_statements loaded (BENCH_PG_SETTINGS=shared_preload_libraries=pg_stat_statements): resets its
 * counters, and later lists the statements by PostgreSQL time per delivery — where a phase's database time went.
 */
export async function statementProfile(pool: pg.Pool): Promise<{ report(deliveries: number): Promise<string> } | null> {
  try {
    await pool.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await pool.query('SELECT pg_stat_statements_reset()');
  } catch {
    return null;
  }
  return {
    async report(deliveries) {
      // Planning time is counted only with pg_stat_statements.track_planning=on; it shows which statements are
      // planned again on every call (plans ≈ calls) and what that costs.
      const { rows } = await pool.query<{ ms: number; plan_ms: number; calls: string; plans: string; rows: string; q: string }>(
        `SELECT total_exec_time AS ms, total_plan_time AS plan_ms, calls, plans, rows, left(regexp_replace(query, '\\s+', ' ', 'g'), 100) AS q
         FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
         ORDER BY total_exec_time + total_plan_time DESC LIMIT 14`,
      );
      const perDelivery = (ms: number) => ((ms * 1000) / Math.max(1, deliveries)).toFixed(1).padStart(6);
      return rows
        .map((r) => `      ${perDelivery(r.ms)} µs + plan ${perDelivery(r.plan_ms)} µs  ${String(r.calls).padStart(6)} calls ${String(r.plans).padStart(6)} plans ${String(r.rows).padStart(7)} rows  ${r.q}`)
        .join('\n');
    },
  };
}
