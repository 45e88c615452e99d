// REST for the five record types, generated from one table: GET|POST /{type}, POST /{type}/many,
// GET|PATCH|DELETE /{type}/{id}. Each handler parses, calls the CRM command or query, and returns the DTO.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import {
  CREATE_SCHEMAS,
  createRecord,
  createRecords,
  deleteRecords,
  getRecordOrThrow,
  listRecords,
  ListQuery,
  MAX_BULK_ITEMS,
  RECORD_PLURALS,
  RECORD_TYPES,
  UPDATE_SCHEMAS,
  updateRecord,
  type RecordType,
} from '../../crm/index.js';
import { RECORD_DTO_SCHEMAS } from '../../events/schemas.js';
import type { HttpEnv } from '../env.js';
import { errorResponses, IdParam, jsonBody, jsonResponse, principalOf, writeErrorResponses } from '../openapi.js';

export function recordRoutes() {
  const app = new OpenAPIHono<HttpEnv>();
  for (const type of RECORD_TYPES) addRecordRoutes(app, type);
  return app;
}

function addRecordRoutes(app: OpenAPIHono<HttpEnv>, type: RecordType) {
  const plural = RECORD_PLURALS[type];
  const Dto = RECORD_DTO_SCHEMAS[type];
  const tags = [plural];
  const Page = z.object({ items: z.array(Dto), total: z.number().int(), page: z.number().int(), pageSize: z.number().int() });

  app.openapi(
    createRoute({
      method: 'get',
      path: `/${plural}`,
      tags,
      summary: `List ${plural}, newest first, with search and pagination`,
      request: { query: ListQuery.strip() },
      responses: { 200: jsonResponse(Page, `A page of ${plural}`), ...errorResponses },
    }),
    async (c) => c.json(await listRecords(c.var.ctx.db, principalOf(c), type, c.req.valid('query')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: `/${plural}`,
      tags,
      summary: `Create a ${type}`,
      request: { body: jsonBody(CREATE_SCHEMAS[type]) },
      responses: { 201: jsonResponse(Dto, 'Created'), ...writeErrorResponses },
    }),
    async (c) => c.json(await createRecord(c.var.ctx.db, principalOf(c), type, c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: `/${plural}/many`,
      tags,
      summary: `Create 1–${MAX_BULK_ITEMS} ${plural} in one transaction (all or nothing)`,
      request: { body: jsonBody(z.strictObject({ items: z.array(CREATE_SCHEMAS[type]).min(1).max(MAX_BULK_ITEMS) })) },
      responses: { 201: jsonResponse(z.object({ items: z.array(Dto) }), 'Created, in the order given'), ...writeErrorResponses },
    }),
    async (c) => c.json({ items: await createRecords(c.var.ctx.db, principalOf(c), type, c.req.valid('json').items) }, 201),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: `/${plural}/{id}`,
      tags,
      summary: `One ${type}`,
      request: { params: IdParam },
      responses: { 200: jsonResponse(Dto, `The ${type}`), ...errorResponses },
    }),
    async (c) => c.json(await getRecordOrThrow(c.var.ctx.db, principalOf(c), type, c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: `/${plural}/{id}`,
      tags,
      summary: `Change a ${type}: fields given are set, link arrays replace the current set, custom values merge by column`,
      request: { params: IdParam, body: jsonBody(UPDATE_SCHEMAS[type]) },
      responses: { 200: jsonResponse(Dto, 'Updated (unchanged when nothing moved)'), ...writeErrorResponses },
    }),
    async (c) => c.json(await updateRecord(c.var.ctx.db, principalOf(c), type, c.req.valid('param').id, c.req.valid('json')), 200),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: `/${plural}/{id}`,
      tags,
      summary: `Delete a ${type}; linked records lose the link`,
      request: { params: IdParam },
      responses: { 204: { description: 'Deleted' }, ...writeErrorResponses },
    }),
    async (c) => {
      await deleteRecords(c.var.ctx.db, principalOf(c), type, [c.req.valid('param').id]);
      return c.body(null, 204);
    },
  );
}
