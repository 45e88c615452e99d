// The one place where errors become HTTP responses: {"error": {"code", "message"}} with the right status.
// Bad input never becomes a 500; an unexpected error does, with its details only in the log.
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ZodError } from 'zod';
import { AppError, fromDatabaseError } from '../errors.js';
import { describeZodError } from '../validation.js';
import type { HttpEnv } from './env.js';

export interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

export function errorResponse(c: Context, status: number, code: string, message: string, field?: string): Response {
  const body: ErrorBody = { error: { code, message, ...(field ? { field } : {}) } };
  return c.json(body, status as 400);
}

export function handleError(error: unknown, c: Context<HttpEnv>): Response {
  if (error instanceof AppError) return errorResponse(c, error.status, error.code, error.message, error.field);
  if (error instanceof ZodError) {
    const { message, field } = describeZodError(error);
    return errorResponse(c, 400, 'validation_error', message, field);
  }
  if (error instanceof HTTPException) {
    const status = error.status;
    if (status === 413) return errorResponse(c, 413, 'payload_too_large', error.message || 'request body is too large');
    if (status === 415) {
      const got = c.req.header('content-type') ?? 'none';
      return errorResponse(c, 415, 'unsupported_media_type', `Content-Type must be application/json; got ${got}`);
    }
    const message = error.message || 'bad request';
    const code = status === 401 ? 'unauthorized' : status === 403 ? 'forbidden' : status === 404 ? 'not_found' : 'bad_request';
    return errorResponse(c, status, code, /malformed json/i.test(message) ? 'request body is not valid JSON' : message);
  }
  const known = fromDatabaseError(error);
  if (known) {
    // A value the database refused is the caller's 400, but also a rule the input guard or a schema misses.
    if (known.code === 'validation_error') c.var.ctx?.log.warn({ err: error, path: c.req.path, method: c.req.method }, 'database refused a value that validation let through');
    return errorResponse(c, known.status, known.code, known.message);
  }
  c.var.ctx?.log.error({ err: error, path: c.req.path, method: c.req.method }, 'unhandled error');
  return errorResponse(c, 500, 'internal_error', 'internal error; the server log has the details');
}
