// The output shape of a custom column: the REST responses (src/http/routes/custom-columns.ts) and the UI's type
// (web/src/api/types.ts) both come from this schema.
import { z } from '@hono/zod-openapi';
import { RECORD_TYPES } from '../types.js';
import { COLUMN_TYPES } from './values.js';

export const CustomColumnSchema = z
  .object({
    id: z.uuid(),
    entityType: z.enum(RECORD_TYPES),
    name: z.string(),
    type: z.enum(COLUMN_TYPES),
    options: z.array(z.object({ value: z.string(), label: z.string() })),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('CustomColumn');
