// `npm run bench -- sender`: node CPU per delivery attempt in the HTTPS sender against a bare undici request.
// Both POST the same ~1 KB body to the benchmark's HTTPS receiver process, 96 in flight (the worker's default
// for three webhooks), connections opened first; `raw` is undici's `request()` with 4 fixed headers on a
// keep-alive agent, `sender` is `createDeliverySender().send()` (headers and both signatures built per request,
// the name resolved through the cached resolver, the address guard, the deadline, the capped body read).
// `sender` runs twice: to the receiver's IP literal (as the end-to-end delivery benchmark's webhooks do) and to a
// name (hooks.switchboard.test, answered by an injected source and cached, as production webhooks are).
// Rounds alternate raw, sender, sender (name), raw… so load from elsewhere hits both alike; the figures are the medians
// of the rounds, and sender − raw is what the sender adds per delivery. CPU is process.cpuUsage() of this
// process (user + system) divided by the requests; the receiver's CPU is its own process's.
import { createHmac, randomUUID } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import { Agent, request } from 'undici';
import { createDeliverySender } from '../src/delivery/sender.js';
import type { Cidr } from '../src/webhooks/address-policy.js';
import { spawnReceiver } from './delivery.js';

const REQUESTS = Number(process.env.SENDER_BENCH_REQUESTS ?? 12_000);
const ROUNDS = Number(process.env.SENDER_BENCH_ROUNDS ?? 4);
const IN_FLIGHT = 96;
const WARM_UP = 2_000;

interface Round {
  cpuUs: number;
  userUs: number;
  systemUs: number;
  rate: number;
}

/** `count` requests, IN_FLIGHT at a time. */
async function drive(count: number, one: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < count) await one(next++);
    }),
  );
}

/**
 * Runs `one` REQUESTS times after WARM_UP unmeasured ones; CPU µs per request and requests/s. The warm-up lets
 * undici's pool open every connection it will use (it grows past IN_FLIGHT while answers are being read: ~2 TLS
 * handshakes per slot), so handshakes are not counted against one side more than the other.
 */
async function measure(one: (i: number) => Promise<void>): Promise<Round> {
  await drive(WARM_UP, one);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await drive(REQUESTS, one);
  const cpu = process.cpuUsage(cpu0);
  const seconds = (performance.now() - t0) / 1000;
  return { cpuUs: (cpu.user + cpu.system) / REQUESTS, userUs: cpu.user / REQUESTS, systemUs: cpu.system / REQUESTS, rate: REQUESTS / seconds };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const show = (label: string, r: Round) =>
  `${label.padEnd(7)} ${r.cpuUs.toFixed(0).padStart(4)} µs CPU/request (user ${r.userUs.toFixed(0)}, system ${r.systemUs.toFixed(0)})  ${r.rate.toFixed(0).padStart(6)} requests/s`;

export async function runSenderBench(): Promise<void> {
  const receiver = await spawnReceiver('ok');
  const body = JSON.stringify({ event: 'contact.created', data: { padding: 'x'.repeat(940) }, timestamp: new Date().toISOString() });
  const agent = new Agent({ connect: { ca: receiver.ca } });
  const rawHeaders = {
    'content-type': 'application/json',
    'x-webhook-event': 'contact.created',
    'x-webhook-delivery': randomUUID(),
    'x-webhook-signature': createHmac('sha256', 'bench-secret').update(body).digest('hex'),
  };
  // The receiver listens on 127.0.0.1; its certificate also covers *.switchboard.test, the name the second sender
  // resolves (through the cache, which is how every delivery to a name starts) and the guard checks at connect.
  const sender = createDeliverySender({
    timeoutMs: 10_000,
    allowPrivate: [ipaddr.parseCIDR('127.0.0.1/32') as Cidr],
    ca: receiver.ca,
    resolve: async () => [{ address: '127.0.0.1', family: 4 }],
  });
  const namedUrl = receiver.url.replace('127.0.0.1', 'hooks.switchboard.test');
  const raw = async () => {
    const response = await request(`${receiver.url}/raw`, { method: 'POST', headers: rawHeaders, body, dispatcher: agent });
    await response.body.text();
  };
  const send = (base: string) => async () => {
    const outcome = await sender.send({
      deliveryId: randomUUID(),
      eventId: randomUUID(),
      url: `${base}/hook`,
      event: 'contact.created',
      body,
      secret: 'whsec_benchbenchbenchbenchbench',
      recordVersion: 3,
    });
    if (outcome.status !== 'success') throw new Error(`sender bench: ${outcome.error?.kind}: ${outcome.error?.message}`);
  };
  console.log(`${REQUESTS} requests per round, ${IN_FLIGHT} in flight, ${ROUNDS} rounds alternating (SENDER_BENCH_ROUNDS, SENDER_BENCH_REQUESTS)`);
  const raws: Round[] = [];
  const senders: Round[] = [];
  const named: Round[] = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      const r = await measure(raw);
      const s = await measure(send(receiver.url));
      const n = await measure(send(namedUrl));
      raws.push(r);
      senders.push(s);
      named.push(n);
      console.log(`round ${round}: ${show('raw', r)}`);
      console.log(`         ${show('sender', s)}  sender ÷ raw ${(s.cpuUs / r.cpuUs).toFixed(2)}×`);
      console.log(`         ${show('(name)', n)}  sender ÷ raw ${(n.cpuUs / r.cpuUs).toFixed(2)}×`);
    }
  } finally {
    await sender.close();
    await agent.close();
    receiver.child.kill();
  }
  const of = (rounds: Round[], key: keyof Round) => median(rounds.map((r) => r[key]));
  const rawCpu = of(raws, 'cpuUs');
  for (const [label, rounds] of [['sender', senders], ['(name)', named]] as const) {
    const cpu = of(rounds, 'cpuUs');
    const ratios = rounds.map((r, i) => r.cpuUs / raws[i]!.cpuUs);
    console.log(
      `median ${label}: ${cpu.toFixed(0)} µs CPU/request vs raw ${rawCpu.toFixed(0)} µs → sender − raw ${(cpu - rawCpu).toFixed(0)} µs; ` +
        `sender ÷ raw CPU ${median(ratios).toFixed(2)}× (median of the rounds' ratios), rate ${(of(rounds, 'rate') / of(raws, 'rate')).toFixed(2)}×`,
    );
  }
}
