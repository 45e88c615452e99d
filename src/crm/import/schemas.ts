// The report of a CSV import: the REST response (src/http/routes/import.ts) and the UI's type (web/src/api/types.ts)
// both come from this schema.
import { z } from '@hono/zod-openapi';

export const ImportReportSchema = z
  .object({
    dryRun: z.boolean(),
    total: z.number().int().describe('data rows in the file'),
    valid: z.number().int(),
    created: z.number().int().describe('0 on a dry run'),
    errors: z.array(z.object({ row: z.number().int().describe('spreadsheet row; the header is row 1'), field: z.string().optional(), message: z.string() })),
  })
  .openapi('ImportReport');
