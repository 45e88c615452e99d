import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { createApiKey, listApiKeys, revokeApiKey } from '../../auth/api-keys.js';
import { ApiKeySchema, CreatedApiKeySchema } from '../../auth/schemas.js';
import type { HttpEnv } from '../env.js';
import { errorResponses, IdParam, jsonBody, jsonResponse, principalOf } from '../openapi.js';

const CreateApiKeyInput = z.strictObject({ name: z.string().trim().min(1, { error: 'is required' }).max(100, { error: 'must be at most 100 characters' }) }).openapi('CreateApiKeyInput');

export function apiKeyRoutes() {
  const app = new OpenAPIHono<HttpEnv>();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api-keys',
      tags: ['api-keys'],
      summary: 'Create an API key for yourself; the key is shown once',
      request: { body: jsonBody(CreateApiKeyInput) },
      responses: { 201: jsonResponse(CreatedApiKeySchema, 'Created'), 400: errorResponses[400], 401: errorResponses[401] },
    }),
    async (c) => c.json(await createApiKey(c.var.ctx.db, principalOf(c), c.req.valid('json').name), 201),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api-keys',
      tags: ['api-keys'],
      summary: 'List API keys: your own, or everyone’s in the company for admins',
      responses: { 200: jsonResponse(z.object({ items: z.array(ApiKeySchema) }), 'Keys'), 401: errorResponses[401] },
    }),
    async (c) => c.json({ items: await listApiKeys(c.var.ctx.db, principalOf(c)) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api-keys/{id}',
      tags: ['api-keys'],
      summary: 'Revoke an API key (your own; admins: any in the company)',
      request: { params: IdParam },
      responses: { 204: { description: 'Revoked' }, ...errorResponses },
    }),
    async (c) => {
      await revokeApiKey(c.var.ctx.db, principalOf(c), c.req.valid('param').id);
      return c.body(null, 204);
    },
  );

  return app;
}
