// Sign-up, sign-in and sign-out for the web UI (cookie sessions) and the current user.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Context } from 'hono';
import type { IncomingMessage } from 'node:http';
import { createSession, deleteSession, SESSION_COOKIE, SESSION_TTL_MS } from '../../auth/sessions.js';
import { addressKey, loginKeys, reserveAttempt, settleLoginAttempt, SIGNUP_PER_ADDRESS, type ThrottleKey } from '../../auth/throttle.js';
import { authenticate, getUserOrThrow, signup } from '../../auth/users.js';
import { AppError } from '../../errors.js';
import type { HttpEnv } from '../env.js';
import { errorResponses, jsonBody, jsonResponse, principalOf } from '../openapi.js';
import { SessionSchema as SessionResult, UserSchema } from '../../auth/schemas.js';

const Email = z.email({ error: 'must be an email address such as ada@example.com' }).max(254);
const Password = z.string().min(10, { error: 'must be at least 10 characters' }).max(200, { error: 'must be at most 200 characters' });
const Name = (what: string) => z.string().trim().min(1, { error: `${what} is required` }).max(200);

const SignupInput = z
  .strictObject({ companyName: Name('company name'), firstName: Name('first name'), lastName: Name('last name'), email: Email, password: Password })
  .openapi('SignupInput');
const LoginInput = z.strictObject({ email: z.string().max(254), password: z.string().max(200) }).openapi('LoginInput');

function startSessionCookie(c: Context<HttpEnv>, token: string) {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Lax',
    path: '/',
    secure: new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https',
    maxAge: Math.floor(SESSION_TTL_MS / 1000),
  });
}

const tooMany = 'Too many attempts (per email, per client address); the Retry-After header gives the seconds to wait';
const tooManyAttempts = { ...errorResponses[400], description: tooMany };

/**
 * The client's address from the socket, or null for in-process calls (no socket), which are then throttled
 * per email only. Behind a reverse proxy every client shares the proxy's address (docs/operations.md).
 */
function clientAddress(c: Context<HttpEnv>): string | null {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  const remote = incoming?.socket?.remoteAddress;
  return remote ? addressKey(remote) : null;
}

/** Reserves the attempt before any hashing; a refusal is a 429 with Retry-After in whole seconds. */
async function reserveOrThrow(c: Context<HttpEnv>, keys: ThrottleKey[]): Promise<void> {
  const reservation = await reserveAttempt(c.var.ctx.db, keys);
  if (reservation.ok) return;
  const seconds = Math.max(1, Math.ceil(reservation.retryAfterMs / 1000));
  c.header('Retry-After', String(seconds));
  throw new AppError('too_many_requests', `${reservation.refusal}; try again in ${seconds} s`);
}

export function authRoutes() {
  const app = new OpenAPIHono<HttpEnv>();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/auth/signup',
      tags: ['auth'],
      summary: 'Create a company and its first admin, and start a session',
      request: { body: jsonBody(SignupInput) },
      responses: { 201: jsonResponse(SessionResult, 'Signed up and signed in'), 400: errorResponses[400], 409: errorResponses[400], 429: tooManyAttempts },
    }),
    async (c) => {
      const { db } = c.var.ctx;
      const address = clientAddress(c);
      await reserveOrThrow(c, address ? [{ policy: SIGNUP_PER_ADDRESS, value: address }] : []);
      const result = await signup(db, c.req.valid('json'));
      startSessionCookie(c, await createSession(db, result.user.id));
      return c.json(result, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/auth/login',
      tags: ['auth'],
      summary: 'Sign in with email and password (sets an HTTP-only session cookie)',
      request: { body: jsonBody(LoginInput) },
      responses: { 200: jsonResponse(SessionResult, 'Signed in'), 401: errorResponses[401], 429: tooManyAttempts },
    }),
    async (c) => {
      const { db } = c.var.ctx;
      const { email, password } = c.req.valid('json');
      const address = clientAddress(c);
      await reserveOrThrow(c, loginKeys(email, address));
      const user = await authenticate(db, email, password);
      await settleLoginAttempt(db, email, address, user !== null);
      if (!user) throw new AppError('unauthorized', 'email or password is incorrect');
      startSessionCookie(c, await createSession(db, user.id));
      return c.json({ user }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/auth/logout',
      tags: ['auth'],
      summary: 'End the current session',
      responses: { 204: { description: 'Signed out' } },
    }),
    async (c) => {
      const token = getCookie(c, SESSION_COOKIE);
      if (token) await deleteSession(c.var.ctx.db, token);
      deleteCookie(c, SESSION_COOKIE, { path: '/' });
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/users/me',
      tags: ['users'],
      summary: 'The signed-in user (or the API key’s user)',
      responses: { 200: jsonResponse(UserSchema, 'The current user'), 401: errorResponses[401] },
    }),
    async (c) => {
      const principal = principalOf(c);
      return c.json(await getUserOrThrow(c.var.ctx.db, principal, principal.userId), 200);
    },
  );

  return app;
}
