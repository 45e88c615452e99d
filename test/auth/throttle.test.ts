// Sign-in and sign-up throttles under bursts, through the real HTTP server: a burst of parallel attempts gets
// exactly the answers the same attempts get one after another. Each scenario speaks from its own loopback
// address (127.0.0.x as the socket's source), so per-address budgets of one scenario do not leak into another.
import { Agent, fetch } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../helpers/app.js';
import { listen } from '../helpers/http-server.js';
import { LOGIN_PER_ADDRESS, LOGIN_PER_EMAIL, SIGNUP_PER_ADDRESS } from '../../src/auth/throttle.js';

const t = await createTestApp();
const base = await listen(t);
const agents: Agent[] = [];
afterAll(() => Promise.all(agents.map((agent) => agent.close())));

let nextAddress = 2;
/** A client whose requests come from a loopback address no other scenario uses. */
function client() {
  const localAddress = `127.0.0.${nextAddress++}`;
  const agent = new Agent({ localAddress, connections: 256 });
  agents.push(agent);
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${base}/api/v1${path}`, { method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as any };
  };
  return {
    login: (email: string, password: string) => post('/auth/login', { email, password }),
    signup: (email: string) => post('/auth/signup', { companyName: 'Burst', firstName: 'B', lastName: 'U', email, password: 'burst-password-1' }),
  };
}

type Answer = Awaited<ReturnType<ReturnType<typeof client>['login']>>;

async function inSequence(n: number, attempt: (i: number) => Promise<Answer>): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let i = 0; i < n; i++) answers.push(await attempt(i));
  return answers;
}

const statuses = (answers: Answer[]) => answers.map((a) => a.status);
const count = (answers: Answer[], status: number) => answers.filter((a) => a.status === status).length;
/** Successes (or 401s) before the first 429. */
const passedBeforeRefusal = (answers: Answer[]) => answers.findIndex((a) => a.status === 429);

function expectRefusals(answers: Answer[], message: RegExp) {
  for (const answer of answers.filter((a) => a.status === 429)) {
    expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(answer.body.error).toMatchObject({ code: 'too_many_requests', message: expect.stringMatching(message) });
  }
}

describe('sign-in, per email', () => {
  it('200 parallel wrong passwords for one email get as many 401 as the same attempts in sequence; the rest 429', async () => {
    const one = await t.signup();
    const other = await t.signup();
    const sequential = await inSequence(8, (i) => client().login(one.email, `wrong password ${i}`));
    expect(passedBeforeRefusal(sequential)).toBe(LOGIN_PER_EMAIL.freeAttempts);
    expect(statuses(sequential).slice(LOGIN_PER_EMAIL.freeAttempts)).toEqual([429, 429, 429]);

    const from = client();
    const parallel = await Promise.all(Array.from({ length: 200 }, (_, i) => from.login(other.email, `wrong password ${i}`)));
    expect(count(parallel, 401)).toBe(LOGIN_PER_EMAIL.freeAttempts);
    expect(count(parallel, 429)).toBe(200 - LOGIN_PER_EMAIL.freeAttempts);
    expectRefusals(parallel, /^too many failed sign-ins for this email; try again in \d+ s$/);
    // The right password waits too: the email is throttled, not the guess.
    expect((await client().login(other.email, other.password)).status).toBe(429);
  });

  it('an unknown email is throttled exactly like a known one, with the same answers', async () => {
    const known = await t.signup();
    const from = client();
    const [forKnown, forUnknown] = await Promise.all([
      Promise.all(Array.from({ length: 50 }, (_, i) => from.login(known.email, `wrong password ${i}`))),
      Promise.all(Array.from({ length: 50 }, (_, i) => from.login('nobody-here@example.com', `wrong password ${i}`))),
    ]);
    expect(count(forUnknown, 401)).toBe(count(forKnown, 401));
    expect(count(forUnknown, 429)).toBe(count(forKnown, 429));
    expect(forUnknown.find((a) => a.status === 401)!.body).toEqual(forKnown.find((a) => a.status === 401)!.body);
    const refusal = (answers: Answer[]) => answers.find((a) => a.status === 429)!.body.error.message.replace(/\d+ s$/, 'N s');
    expect(refusal(forUnknown)).toBe(refusal(forKnown));
  });

  it('a successful sign-in clears the email’s failures', async () => {
    const user = await t.signup();
    const from = client();
    const before = await inSequence(LOGIN_PER_EMAIL.freeAttempts - 1, (i) => from.login(user.email, `wrong password ${i}`));
    expect(statuses(before).every((s) => s === 401)).toBe(true);
    expect((await from.login(user.email, user.password)).status).toBe(200);
    const after = await inSequence(LOGIN_PER_EMAIL.freeAttempts + 1, (i) => from.login(user.email, `wrong again ${i}`));
    expect(passedBeforeRefusal(after)).toBe(LOGIN_PER_EMAIL.freeAttempts);
  });

  it('the email budget holds across client addresses', async () => {
    const user = await t.signup();
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => client().login(user.email, `wrong password ${i}`)));
    expect(count(answers, 401)).toBe(LOGIN_PER_EMAIL.freeAttempts);
  });
});

describe('sign-in, per client address', () => {
  it('200 parallel guesses at different emails from one address get as many 401 as in sequence', async () => {
    const free = LOGIN_PER_ADDRESS.freeAttempts;
    const seqClient = client();
    const sequential = await inSequence(free + 3, (i) => seqClient.login(`seq-${i}@example.com`, 'wrong password'));
    expect(passedBeforeRefusal(sequential)).toBe(free);
    expect(statuses(sequential).slice(free)).toEqual([429, 429, 429]);

    const from = client();
    const parallel = await Promise.all(Array.from({ length: 200 }, (_, i) => from.login(`par-${i}@example.com`, 'wrong password')));
    expect(count(parallel, 401)).toBe(free);
    expect(count(parallel, 429)).toBe(200 - free);
    expectRefusals(parallel, /^too many failed sign-ins from your address; try again in \d+ s$/);
    // Another address is not affected.
    expect((await client().login('par-0@example.com', 'wrong password')).status).toBe(401);
  }, 120_000);
});

describe('sign-up, per client address', () => {
  it('a parallel burst of sign-ups creates as many companies as the same sign-ups in sequence', async () => {
    const free = SIGNUP_PER_ADDRESS.freeAttempts;
    const seqClient = client();
    const sequential = await inSequence(free + 2, (i) => seqClient.signup(`signup-seq-${i}@example.com`));
    expect(passedBeforeRefusal(sequential)).toBe(free);
    expect(statuses(sequential).slice(0, free).every((s) => s === 201)).toBe(true);

    const parClient = client();
    const parallel = await Promise.all(Array.from({ length: 40 }, (_, i) => parClient.signup(`signup-par-${i}@example.com`)));
    expect(count(parallel, 201)).toBe(free);
    expect(count(parallel, 429)).toBe(40 - free);
    expectRefusals(parallel, /^too many sign-ups from your address; try again in \d+ s$/);
    const { rows } = await t.database.pool.query(`SELECT count(*)::int AS n FROM users WHERE email LIKE 'signup-par-%'`);
    expect(rows[0].n).toBe(free);
  });
});

describe('the counters', () => {
  it('keep no email or address in the clear', async () => {
    const { rows } = await t.database.pool.query('SELECT scope, key_hash FROM auth_throttles');
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => r.scope))).toEqual(new Set(['login-email', 'login-address', 'signup-address']));
    expect(JSON.stringify(rows)).not.toMatch(/@|127\.0\.0/);
  });
});
