// Custom columns per record type: GET|POST /custom-columns, GET|PATCH|DELETE /custom-columns/{id}.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import {
  createCustomColumn,
  CreateCustomColumnInput,
  deleteCustomColumn,
  getCustomColumnOrThrow,
  listCustomColumns,
  RECORD_TYPES,
  updateCustomColumn,
  UpdateCustomColumnInput,
} from '../../crm/index.js';
import { CustomColumnSchema } from '../../crm/custom-columns/schemas.js';
import type { HttpEnv } from '../env.js';
import { errorResponses, IdParam, jsonBody, jsonResponse, principalOf } from '../openapi.js';

const ListQuery = z.object({
  entityType: z.enum(RECORD_TYPES, { error: `must be one of ${RECORD_TYPES.join(', ')}` }).optional(),
});

export function customColumnRoutes() {
  const app = new OpenAPIHono<HttpEnv>();
  const tags = ['custom-columns'];

  app.openapi(
    createRoute({
      method: 'get',
      path: '/custom-columns',
      tags,
      summary: 'List custom columns, optionally of one record type',
      request: { query: ListQuery },
      responses: { 200: jsonResponse(z.object({ items: z.array(CustomColumnSchema) }), 'Columns'), ...errorResponses },
    }),
    async (c) => c.json({ items: await listCustomColumns(c.var.ctx.db, principalOf(c), c.req.valid('query').entityType) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/custom-columns',
      tags,
      summary: 'Define a custom column for a record type (admins)',
      request: { body: jsonBody(CreateCustomColumnInput) },
      responses: { 201: jsonResponse(CustomColumnSchema, 'Created'), 409: errorResponses[400], ...errorResponses },
    }),
    async (c) => c.json(await createCustomColumn(c.var.ctx.db, principalOf(c), c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({ method: 'get', path: '/custom-columns/{id}', tags, summary: 'One custom column', request: { params: IdParam }, responses: { 200: jsonResponse(CustomColumnSchema, 'The column'), ...errorResponses } }),
    async (c) => c.json(await getCustomColumnOrThrow(c.var.ctx.db, principalOf(c), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/custom-columns/{id}',
      tags,
      summary: 'Rename a column or change its options (admins; records holding a removed option lose that value)',
      request: { params: IdParam, body: jsonBody(UpdateCustomColumnInput) },
      responses: { 200: jsonResponse(CustomColumnSchema, 'Updated'), ...errorResponses },
    }),
    async (c) => c.json(await updateCustomColumn(c.var.ctx.db, principalOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/custom-columns/{id}',
      tags,
      summary: 'Delete a column and its values (admins; each record that held one gets *.updated)',
      request: { params: IdParam },
      responses: { 204: { description: 'Deleted' }, ...errorResponses },
    }),
    async (c) => {
      await deleteCustomColumn(c.var.ctx.db, principalOf(c), c.req.valid('param').id);
      return c.body(null, 204);
    },
  );

  return app;
}
