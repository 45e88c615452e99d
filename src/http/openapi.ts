// Small helpers shared by every route module: the error schema, a required JSON body, the validation hook
// and principal access. Route modules stay declarative: schema in, command call, DTO out.
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ZodType } from 'zod';
import { AppError } from '../errors.js';
import type { Principal } from '../auth/principal.js';
import type { HttpEnv } from './env.js';
import { errorResponse } from './errors.js';
import { describeZodError } from '../validation.js';

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'validation_error' }),
      message: z.string().openapi({ example: 'url: must use https://' }),
      field: z.string().optional(),
    }),
  })
  .openapi('Error');

const errorContent = { 'application/json': { schema: ErrorSchema } };
export const errorResponses = {
  400: { description: 'Invalid input; the message names the field and what is allowed', content: errorContent },
  401: { description: 'Missing or invalid credentials', content: errorContent },
  403: { description: 'The role does not allow this', content: errorContent },
  404: { description: 'Not found (also for ids of another company)', content: errorContent },
} as const;

/** Record writes may also be refused for size: an event body above its bound (`event_too_large`), an oversized upload. */
export const writeErrorResponses = {
  ...errorResponses,
  413: { description: '`event_too_large`: an event of this write would exceed 1 MiB (the message names the field); or `payload_too_large`', content: errorContent },
} as const;

/** A JSON request body that must be present (zod-openapi skips validation of optional bodies). */
export function jsonBody<T extends ZodType>(schema: T, description?: string) {
  return { required: true, description, content: { 'application/json': { schema } } } as const;
}

export function jsonResponse<T extends ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } } as const;
}

/** The OpenAPIHono defaultHook: validation failures become 400 with the field named. */
export function validationHook(result: { success: boolean; error?: unknown; target?: string }, c: Context<HttpEnv>) {
  if (!result.success) {
    const { message, field } = describeZodError(result.error as z.ZodError);
    return errorResponse(c, 400, 'validation_error', message, field);
  }
  return undefined;
}

export function principalOf(c: Context<HttpEnv>): Principal {
  const principal = c.var.principal;
  if (!principal) throw new AppError('unauthorized', 'sign in, or send an API key as x-api-key or Authorization: Bearer');
  return principal;
}

export const IdParam = z.object({
  id: z.uuid({ error: 'must be a UUID' }).openapi({ param: { name: 'id', in: 'path' } }),
});
