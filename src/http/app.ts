// The HTTP surface: REST under /api/v1 (OpenAPI 3.1 generated from the route schemas) and the web UI at /.
// Routes are thin: parse with zod, call a command or query, map the result; errors are mapped in one place.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OpenAPIHono } from '@hono/zod-openapi';
import { serveStatic } from '@hono/node-server/serve-static';
import { bodyLimit } from 'hono/body-limit';
import type { AppContext } from '../context.js';
import { resolvePrincipal } from './auth-middleware.js';
import type { HttpEnv } from './env.js';
import { errorResponse, handleError } from './errors.js';
import { inputGuard } from './input-guard.js';
import { validationHook } from './openapi.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { authRoutes } from './routes/auth.js';
import { userRoutes } from './routes/users.js';
import { webhookRoutes } from './routes/webhooks.js';
import { webhookFilterRoutes } from './routes/webhook-filters.js';
import { deliveryRoutes } from './routes/deliveries.js';
import { eventRoutes } from './routes/events.js';
import { webhookRecoveryRoutes } from './routes/webhook-recovery.js';
import { webhookBackfillRoutes } from './routes/webhook-backfill.js';
import { webhookStatsRoutes } from './routes/webhook-stats.js';
import { webhookSecretRoutes } from './routes/webhook-secret.js';
import { recordRoutes } from './routes/records.js';
import { customColumnRoutes } from './routes/custom-columns.js';
import { importRoutes } from './routes/import.js';
import { addEventWebhooks } from './event-webhooks.js';
import { mcpRoutes } from '../mcp/http.js';
import { handleMetrics } from '../ops/metrics-http.js';

export const API_BODY_LIMIT_BYTES = 1024 * 1024;
export const IMPORT_BODY_LIMIT_BYTES = 10 * 1024 * 1024;
const WEB_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/dist');

export function createApp(ctx: AppContext) {
  const app = new OpenAPIHono<HttpEnv>({ defaultHook: validationHook });
  app.onError(handleError);
  // What no route matches, outside the API's own router too (a path the URL parser resolved, `/api/v1/x/%2e%2e`
  // → `/api/v1/`, or a method the web UI does not serve): the same JSON error, never Hono's plain-text 404.
  app.notFound((c) => errorResponse(c, 404, 'not_found', `no route for ${c.req.method} ${c.req.path}`));
  app.use('*', async (c, next) => {
    c.set('ctx', ctx);
    await next();
  });

  const api = new OpenAPIHono<HttpEnv>({ defaultHook: validationHook });
  api.use('*', async (c, next) => {
    const limit = c.req.path.startsWith('/api/v1/import/') ? IMPORT_BODY_LIMIT_BYTES : API_BODY_LIMIT_BYTES;
    return bodyLimit({
      maxSize: limit,
      onError: (c) => errorResponse(c, 413, 'payload_too_large', `request body is larger than ${limit / 1024} KiB`),
    })(c, next);
  });
  api.get('/health', (c) => c.json({ status: 'ok' }));
  api.use('*', resolvePrincipal());
  api.use('*', inputGuard({ skipBodyOf: ['/api/v1/mcp'] }));
  api.route('/', authRoutes());
  api.route('/', userRoutes());
  api.route('/', apiKeyRoutes());
  api.route('/', webhookFilterRoutes());
  api.route('/', webhookRoutes());
  api.route('/', deliveryRoutes());
  api.route('/', eventRoutes());
  api.route('/', webhookRecoveryRoutes());
  api.route('/', webhookBackfillRoutes());
  api.route('/', webhookStatsRoutes());
  api.route('/', webhookSecretRoutes());
  api.route('/', recordRoutes());
  api.route('/', customColumnRoutes());
  api.route('/', importRoutes());
  api.route('/', mcpRoutes());

  api.get('/openapi.json', (c) => c.json(buildOpenApiDocument(api)));
  api.notFound((c) => errorResponse(c, 404, 'not_found', `no route for ${c.req.method} ${c.req.path}`));
  app.route('/api/v1', api);
  // Prometheus scrapes (spec §12): outside /api/v1 and its API keys; METRICS_TOKEN guards it when set.
  app.get('/metrics', (c) => handleMetrics(ctx, c));

  mountWebUi(app);
  return app;
}

export function buildOpenApiDocument(api: OpenAPIHono<HttpEnv>) {
  const document = api.getOpenAPI31Document({
    openapi: '3.1.0',
    info: { title: 'Switchboard API', version: '1', description: 'CRM records, webhooks and their deliveries.' },
    servers: [{ url: '/api/v1' }],
  });
  document.components = {
    ...document.components,
    securitySchemes: {
      apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
      bearer: { type: 'http', scheme: 'bearer' },
      session: { type: 'apiKey', in: 'cookie', name: 'switchboard_session' },
    },
  };
  document.security = [{ apiKey: [] }, { bearer: [] }, { session: [] }];
  return addEventWebhooks(document);
}

/** The built React UI (web/dist): hashed assets cached for a year, index.html never, SPA fallback for routes. */
function mountWebUi(app: OpenAPIHono<HttpEnv>) {
  const indexPath = path.join(WEB_DIST, 'index.html');
  app.use(
    '/assets/*',
    serveStatic({
      root: path.relative(process.cwd(), WEB_DIST),
      onFound: (_path, c) => c.header('Cache-Control', 'public, max-age=31536000, immutable'),
    }),
  );
  app.get('*', (c) => {
    if (c.req.path.startsWith('/api/')) return errorResponse(c, 404, 'not_found', `no route for ${c.req.method} ${c.req.path}`);
    // A chunk of an older build must 404, not load index.html as JavaScript (the UI then offers a reload).
    if (c.req.path.startsWith('/assets/')) return c.text('not found', 404);
    if (!fs.existsSync(indexPath)) return c.text('The web UI is not built; run `npm ci` (or `npm run prepare`).', 503);
    c.header('Cache-Control', 'no-cache');
    return c.html(fs.readFileSync(indexPath, 'utf8'));
  });
}
