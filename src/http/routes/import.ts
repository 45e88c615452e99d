// CSV import: POST /import/contacts and /import/organizations with {csv, mapping?, dryRun?} (10 MiB request limit).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { IMPORT_MAX_COLUMNS, IMPORT_MAX_CSV_BYTES, IMPORT_MAX_ROWS, ImportInput, importRecords, type ImportType } from '../../crm/import/csv-import.js';
import { ImportReportSchema } from '../../crm/import/schemas.js';
import type { HttpEnv } from '../env.js';
import { jsonBody, jsonResponse, principalOf, writeErrorResponses } from '../openapi.js';

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
        summary: `Import ${plural} from CSV; invalid rows are reported and skipped, the valid rows written in one transaction (all or nothing)`,
        description: `At most ${IMPORT_MAX_CSV_BYTES / 1024 / 1024} MiB of CSV (413 payload_too_large beyond), ${IMPORT_MAX_COLUMNS} columns and ${IMPORT_MAX_ROWS} data rows (400 naming csv beyond). If writing any valid row fails (e.g. 413 event_too_large), nothing is written and the error names the row.`,
        request: { body: jsonBody(ImportInput) },
        responses: { 200: jsonResponse(ImportReportSchema, 'What was (or, on a dry run, would be) imported'), ...writeErrorResponses },
      }),
      // The body as parsed (validated above, and again by the command): a `__proto__` key of `mapping` is kept.
      async (c) => c.json(await importRecords(c.var.ctx.db, principalOf(c), type, await c.req.json()), 200),
    );
  }
  return app;
}
