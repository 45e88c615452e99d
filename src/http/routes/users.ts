// Admins manage the users of their company; members may list them (to assign records).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { USER_ROLES } from '../../auth/principal.js';
import { UserSchema } from '../../auth/schemas.js';
import { createUser, deleteUser, getUserOrThrow, listUsers, updateUser } from '../../auth/users.js';
import type { HttpEnv } from '../env.js';
import { errorResponses, IdParam, jsonBody, jsonResponse, principalOf } from '../openapi.js';

const Role = z.enum(USER_ROLES, { error: 'must be one of "admin", "member"' });
const CreateUserInput = z
  .strictObject({
    email: z.email({ error: 'must be an email address such as ada@example.com' }).max(254),
    firstName: z.string().trim().min(1).max(200),
    lastName: z.string().trim().min(1).max(200),
    role: Role,
    password: z.string().min(10, { error: 'must be at least 10 characters' }).max(200),
  })
  .openapi('CreateUserInput');
const UpdateUserInput = CreateUserInput.partial().openapi('UpdateUserInput');

export function userRoutes() {
  const app = new OpenAPIHono<HttpEnv>();

  app.openapi(
    createRoute({ method: 'get', path: '/users', tags: ['users'], summary: 'List the users of your company', responses: { 200: jsonResponse(z.object({ items: z.array(UserSchema) }), 'Users'), 401: errorResponses[401] } }),
    async (c) => c.json({ items: await listUsers(c.var.ctx.db, principalOf(c)) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/users',
      tags: ['users'],
      summary: 'Add a user to your company (admins)',
      request: { body: jsonBody(CreateUserInput) },
      responses: { 201: jsonResponse(UserSchema, 'Created'), ...errorResponses },
    }),
    async (c) => c.json(await createUser(c.var.ctx.db, principalOf(c), c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({ method: 'get', path: '/users/{id}', tags: ['users'], summary: 'One user', request: { params: IdParam }, responses: { 200: jsonResponse(UserSchema, 'The user'), ...errorResponses } }),
    async (c) => c.json(await getUserOrThrow(c.var.ctx.db, principalOf(c), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/users/{id}',
      tags: ['users'],
      summary: 'Change a user (admins)',
      request: { params: IdParam, body: jsonBody(UpdateUserInput) },
      responses: { 200: jsonResponse(UserSchema, 'Updated'), ...errorResponses },
    }),
    async (c) => c.json(await updateUser(c.var.ctx.db, principalOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
  );

  app.openapi(
    createRoute({ method: 'delete', path: '/users/{id}', tags: ['users'], summary: 'Remove a user (admins)', request: { params: IdParam }, responses: { 204: { description: 'Removed' }, ...errorResponses } }),
    async (c) => {
      await deleteUser(c.var.ctx.db, principalOf(c), c.req.valid('param').id);
      return c.body(null, 204);
    },
  );

  return app;
}
