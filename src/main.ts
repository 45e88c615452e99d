// Entry point: `npm start [-- --role api|worker|all]`. One process runs the API + UI + MCP, the delivery
// worker, or both; any number of each may share one PostgreSQL server (DATABASE_URL).
// Stops an unsupported Node.js with a clear message. `npm start` preloads it (--import), so it runs before the
// app's modules are even parsed; imported here as well for direct `node --import tsx src/main.ts` runs.
import './ops/node-version.js';
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfig } from './config.js';
import { EmbeddedDatabaseError } from './db/embedded.js';
import { startWorker, type Worker } from './delivery/worker.js';
import { createApp } from './http/app.js';
import { createLogger } from './log.js';
import { startMetricsServer } from './ops/metrics-http.js';
import { openRuntime, SecretKeyMissingError } from './runtime.js';
import { startAuthHousekeeping } from './auth/housekeeping.js';
import { startRetention } from './ops/retention.js';
import { startBackfillRunner } from './webhooks/backfill.js';

const SHUTDOWN_DEADLINE_MS = 15_000;

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Configuration error: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const log = createLogger(config.logLevel);
  const started = Date.now();
  let runtime;
  try {
    runtime = await openRuntime(config, log);
  } catch (error) {
    if (error instanceof SecretKeyMissingError) {
      console.error(`Cannot start: ${error.message}`);
      process.exit(2);
    }
    if (error instanceof EmbeddedDatabaseError || error instanceof ConfigError) {
      console.error(`Cannot start: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  const { ctx } = runtime;

  let server: ReturnType<typeof serve> | null = null;
  if (config.role !== 'worker') {
    const app = createApp(ctx);
    await new Promise<void>((resolve, reject) => {
      server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve());
      server.once('error', reject);
    });
    const { port } = server!.address() as AddressInfo;
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    log.info({ url, role: config.role, database: config.databaseUrl ? 'server' : 'embedded', startupMs: Date.now() - started }, 'Switchboard is ready');
    console.log(
      [
        '',
        `  Switchboard is running at ${url}`,
        `  Open it in a browser and choose "Sign up" to create your company and first admin,`,
        `  or from a terminal:  npm run cli -- bootstrap --company "Acme" --email you@example.com --password 'a-long-password'`,
        `  API: ${url}/api/v1 (OpenAPI at ${url}/api/v1/openapi.json)   MCP: ${url}/api/v1/mcp`,
        '',
      ].join('\n'),
    );
  }

  // Expired sessions and idle throttle counters are purged by the processes that create them.
  const housekeeping = config.role !== 'worker' ? startAuthHousekeeping(ctx) : null;
  let worker: Worker | null = null;
  if (config.role !== 'api') worker = startWorker(ctx);
  // Retention runs beside the worker: the processes that write the delivery log also trim it (src/ops/retention.ts).
  const retention = config.role !== 'api' ? startRetention(ctx) : null;
  // Backfill jobs run beside the worker too, one at a time per process (src/webhooks/backfill.ts).
  const backfills = config.role !== 'api' ? startBackfillRunner(ctx) : null;
  // Worker-only processes have no other listener; any process may also serve /metrics on a port of its own.
  if (config.metricsPort !== null) {
    const metrics = await startMetricsServer(ctx, config.metricsPort, config.host);
    log.info({ url: metrics.url }, 'metrics listener ready');
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const hardStop = setTimeout(() => {
      log.error('shutdown deadline passed; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS + 5_000);
    hardStop.unref();
    await Promise.all([
      server ? new Promise<void>((resolve) => server!.close(() => resolve())) : Promise.resolve(),
      worker?.stop(),
      housekeeping?.stop(),
      retention?.stop(),
      backfills?.stop(),
    ]);
    await runtime.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
