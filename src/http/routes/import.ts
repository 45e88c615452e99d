// CSV import: POST /import/contacts and /import/organizations with {csv, mapping?, dryRun?} (10 MiB limit).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { ImportInput, importRecords, type ImportType } from '../../crm/import/csv-import.js';
import type { HttpEnv } from '../env.js';
import { errorResponses, jsonBody, jsonResponse, principalOf } from '../openapi.js';

const ImportReportSchema = z
  .object({
    dryRun: z.boolean(),
    total: z.number().int().describe('data rows in the file'),
    valid: z.number().int(),
    created: z.number().int().describe('0 on a dry run'),
    errors: z.array(z.object({ row: z.number().int().describe('spreadsheet row; the header is row 1'), field: z.string().optional(), message: z.string() })),
  })
  .openapi('ImportReport');

export function importRoutes() {
  const app = new OpenAPIHono<HttpEnv>();
  for (const [type, plural] of [
    ['contact', 'contacts'],
    ['organization', 'organizations'],
  ] as Array<[ImportType, string]>) {
    app.openapi(
      createRoute({
        method: 'post',
        path: `/import/${plural}`,
        tags: ['import'],
        summary: `Import ${plural} from CSV; invalid rows are reported and skipped, valid rows written in batches of 100`,
        request: { body: jsonBody(ImportInput) },
        responses: { 200: jsonResponse(ImportReportSchema, 'What was (or, on a dry run, would be) imported'), ...errorResponses },
      }),
      async (c) => c.json(await importRecords(c.var.ctx.db, principalOf(c), type, c.req.valid('json')), 200),
    );
  }
  return app;
}
