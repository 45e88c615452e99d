// Serves a test app on a real loopback socket (for clients that must speak real HTTP: the MCP SDK client).
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { afterAll } from 'vitest';
import type { TestApp } from './app.js';

export async function listen(t: TestApp): Promise<string> {
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
