// Resolves who is calling: an API key (x-api-key or Authorization: Bearer) or a session cookie.
// A key that is sent but wrong is a 401 at once — never a silent fall-back to the cookie.
import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { findApiKeyPrincipal } from '../auth/api-keys.js';
import { findSessionPrincipal, SESSION_COOKIE } from '../auth/sessions.js';
import type { HttpEnv } from './env.js';
import { errorResponse } from './errors.js';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function presentedApiKey(headers: { get(name: string): string | null | undefined }): string | null {
  const header = headers.get('x-api-key');
  if (header) return header.trim();
  const authorization = headers.get('authorization');
  const match = authorization?.match(/^Bearer\s+(.+)$/i);
  return match ? match[1]!.trim() : null;
}

/**
 * The host of an Origin header, or null when it names none: `null` (sandboxed frames, file: pages, some
 * redirects) and anything unparsable count as foreign, never as a server error.
 */
function originHost(origin: string): string | null {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.host : null;
  } catch {
    return null;
  }
}

export function resolvePrincipal(): MiddlewareHandler<HttpEnv> {
  return async (c, next) => {
    const { db } = c.var.ctx;
    c.set('principal', null);
    const key = presentedApiKey({ get: (name) => c.req.header(name) });
    if (key !== null) {
      const principal = await findApiKeyPrincipal(db, key);
      if (!principal) return errorResponse(c, 401, 'unauthorized', 'the API key is invalid or has been revoked');
      c.set('principal', principal);
      return next();
    }
    const token = getCookie(c, SESSION_COOKIE);
    if (token) {
      // Cookies ride along on cross-site requests; SameSite=Lax stops most, and a foreign Origin stops the rest.
      const origin = c.req.header('origin');
      if (UNSAFE.has(c.req.method) && origin && originHost(origin) !== new URL(c.req.url).host) {
        return errorResponse(c, 403, 'forbidden', `cross-site request from ${JSON.stringify(origin.slice(0, 200))} refused`);
      }
      c.set('principal', await findSessionPrincipal(db, token));
    }
    return next();
  };
}
