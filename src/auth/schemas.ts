// Output shapes of users, sessions and API keys: the REST responses (src/http/routes/users.ts, auth.ts, api-keys.ts) and the
// UI's types (web/src/api/types.ts) both come from these schemas.
import { z } from '@hono/zod-openapi';
import { USER_ROLES } from './principal.js';

export const UserSchema = z
  .object({
    id: z.uuid(),
    companyId: z.uuid(),
    email: z.string(),
    firstName: z.string(),
    lastName: z.string(),
    role: z.enum(USER_ROLES),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('User');

/** The answer of signup (with the new company) and login. */
export const SessionSchema = z.object({ user: UserSchema, company: z.object({ id: z.uuid(), name: z.string() }).optional() }).openapi('Session');

export const ApiKeySchema = z
  .object({ id: z.uuid(), name: z.string(), start: z.string(), userId: z.uuid(), createdAt: z.string(), lastUsedAt: z.string().nullable() })
  .openapi('ApiKey');
export const CreatedApiKeySchema = ApiKeySchema.extend({ key: z.string().openapi({ description: 'The key itself: shown only in this response' }) }).openapi('CreatedApiKey');
