// Cost of the sign-in throttle: a sign-in through the real HTTP server (reservation in PostgreSQL, scrypt
// verify, settle, session) against the scrypt verify alone, measured alternately in the same run; and the time
// a burst of 200 parallel wrong passwords for one email takes to be answered, with how many got through.
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { Agent, fetch } from 'undici';
import { DUMMY_PASSWORD_HASH, verifyPassword } from '../src/auth/passwords.js';
import { LOGIN_PER_EMAIL } from '../src/auth/throttle.js';
import { signup } from '../src/auth/users.js';
import { createApp } from '../src/http/app.js';
import { openBenchDatabase, percentile, time } from './harness.js';

const ROUNDS = 5;
const PER_ROUND = 20;
const BURST = 200;

export async function runSignInBench(): Promise<void> {
  const bench = await openBenchDatabase();
  const server = serve({ fetch: createApp(bench.ctx).fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
  const agent = new Agent({ connections: BURST + 10 });
  try {
    const { db } = bench.ctx;
    const account = { email: 'signin@bench.example', password: 'bench-password-1' };
    await signup(db, { companyName: 'Sign-in Bench', firstName: 'S', lastName: 'I', ...account });
    const login = async (email: string, password: string) => {
      const response = await fetch(`${base}/auth/login`, { method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
      await response.arrayBuffer();
      return response.status;
    };

    const signInMs: number[] = [];
    const verifyMs: number[] = [];
    await time(5, async () => void (await login(account.email, account.password))); // warm-up
    for (let r = 0; r < ROUNDS; r++) {
      signInMs.push(...(await time(PER_ROUND, async () => void (await login(account.email, account.password)))));
      verifyMs.push(...(await time(PER_ROUND, async () => void (await verifyPassword(account.password, DUMMY_PASSWORD_HASH)))));
    }
    const p50 = (values: number[]) => percentile(values, 50);
    console.log(
      `sign-in over HTTP p50 ${p50(signInMs).toFixed(1)} ms, scrypt verify alone p50 ${p50(verifyMs).toFixed(1)} ms: ` +
        `ratio ${(p50(signInMs) / p50(verifyMs)).toFixed(2)} (the rest is HTTP, the throttle's statements and the session insert)`,
    );

    const started = performance.now();
    const statuses = await Promise.all(Array.from({ length: BURST }, (_, i) => login('victim@bench.example', `guess number ${i}`)));
    const burstMs = performance.now() - started;
    const through = statuses.filter((s) => s === 401).length;
    console.log(
      `${BURST} parallel wrong passwords for one email: answered in ${burstMs.toFixed(0)} ms ` +
        `(${(burstMs / p50(verifyMs)).toFixed(1)} × one verify); ${through} got 401 (budget ${LOGIN_PER_EMAIL.freeAttempts}), ` +
        `${statuses.filter((s) => s === 429).length} got 429`,
    );
  } finally {
    await agent.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await bench.close();
  }
}
