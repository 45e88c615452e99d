// GET /metrics over HTTP: on the main port of api/all processes (mounted in src/http/app.ts, outside /api/v1
// and its authentication), and on METRICS_PORT for any process that sets it (a worker-only process has no
// other listener). With METRICS_TOKEN set, a scrape needs `Authorization: Bearer <token>`.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import type { AppContext } from '../context.js';
import { METRICS_CONTENT_TYPE, renderMetrics } from './metrics.js';

/** Constant-time whatever the lengths: both sides are hashed to 32 bytes before comparing. */
export function isMetricsTokenValid(expected: string, authorization: string | undefined): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(authorization?.trim() ?? '');
  const given = createHash('sha256').update(match?.[1] ?? '').digest();
  const want = createHash('sha256').update(expected).digest();
  return timingSafeEqual(given, want) && match !== null;
}

export async function handleMetrics(ctx: AppContext, c: Context): Promise<Response> {
  const token = ctx.config.metricsToken;
  if (token !== null && !isMetricsTokenValid(token, c.req.header('authorization'))) {
    c.header('WWW-Authenticate', 'Bearer realm="metrics"');
    return c.json({ error: { code: 'unauthorized', message: 'GET /metrics needs the header Authorization: Bearer <METRICS_TOKEN>' } }, 401);
  }
  const text = await renderMetrics(ctx.pool);
  return c.body(text, 200, { 'Content-Type': METRICS_CONTENT_TYPE, 'Cache-Control': 'no-store' });
}

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/** A listener that serves only GET /metrics, for processes whose role has no HTTP server of its own. */
export async function startMetricsServer(ctx: AppContext, port: number, host: string): Promise<MetricsServer> {
  const app = new Hono();
  app.get('/metrics', (c) => handleMetrics(ctx, c));
  app.all('*', (c) => c.json({ error: { code: 'not_found', message: 'this listener serves only GET /metrics' } }, 404));
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port, hostname: host }, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
