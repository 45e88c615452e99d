// The REST input guard, run on every /api/v1 request before routing: query values and the JSON body are
// refused with a 400 naming the field when they hold what no field can store (NUL, lone surrogates) or nest
// deeper than MAX_JSON_DEPTH. One check for every route, present and future, so a schema that forgets a rule
// cannot turn such input into a PostgreSQL error (a 500). The MCP server runs the same check on tool arguments.
import type { MiddlewareHandler } from 'hono';
import { findUnstorableInput } from '../validation.js';
import type { HttpEnv } from './env.js';
import { errorResponse } from './errors.js';

const JSON_TYPE = /^application\/([\w.+-]+\+)?json\b/i;

export function inputGuard(options: { skipBodyOf: string[] }): MiddlewareHandler<HttpEnv> {
  return async (c, next) => {
    for (const [name, values] of Object.entries(c.req.queries())) {
      for (const value of values) {
        // As a one-key object, so a bad parameter name is caught too and the field is the parameter's name.
        const problem = findUnstorableInput({ [name]: value });
        if (problem) return errorResponse(c, 400, 'validation_error', problem.message, problem.field);
      }
    }
    // A JSON body is read once here (Hono caches the text for the route's validator). The MCP transport reads
    // the raw request itself, so its path is skipped: the MCP server checks tool arguments the same way.
    const contentType = c.req.header('content-type') ?? '';
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && JSON_TYPE.test(contentType) && !options.skipBodyOf.includes(c.req.path)) {
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        return next(); // malformed JSON: the route's validator answers with its usual 400
      }
      const problem = findUnstorableInput(body);
      if (problem) return errorResponse(c, 400, 'validation_error', problem.message, problem.field);
    }
    return next();
  };
}
