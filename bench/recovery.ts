// Crash recovery: a worker process (src/main.ts --role worker) is killed with SIGKILL while it holds claims on
// slow requests (the receiver answers after 500 ms; WEBHOOK_TIMEOUT_MS is 30 s), and a worker in this process,
// started at once, takes over. The figure is the time from the kill to the receipt of the resent request, for
// every delivery the killed worker held: what the lease (WEBHOOK_LEASE_MS, renewed by a heartbeat while a
// request runs) costs after a crash. Before heartbeats the lease was 2 × timeout + 2 s: 62 s here.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { signup } from '../src/auth/users.js';
import { createRecords } from '../src/crm/index.js';
import { startWorker } from '../src/delivery/worker.js';
import { createWebhook } from '../src/webhooks/webhooks.js';
import { startHttpsReceiver } from '../test/helpers/https-receiver.js';
import { openBenchDatabase, percentile } from './harness.js';

const ROUNDS = Number(process.env.RECOVERY_ROUNDS ?? 3);
const TIMEOUT_MS = '30000';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runRecoveryBench(): Promise<void> {
  const bench = await openBenchDatabase({ WEBHOOK_ALLOW_PRIVATE: '127.0.0.1/32', WEBHOOK_TIMEOUT_MS: TIMEOUT_MS });
  const receiver = await startHttpsReceiver({ responder: () => ({ status: 200, delayMs: 500 }) });
  try {
    const { ctx } = bench;
    const { company, user } = await signup(ctx.db, { companyName: 'Recovery', firstName: 'R', lastName: 'R', email: 'recovery@bench.example', password: 'bench-password-1' });
    const principal = { companyId: company.id, userId: user.id, role: 'admin' as const, via: 'system' as const };
    await createWebhook(ctx, principal, { url: `${receiver.url}/recovery`, events: ['contact.created'] }, { resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
    const waits: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('src/main.ts'), '--role', 'worker'], {
        env: { ...process.env, DATABASE_URL: bench.url, SECRET_KEY: ctx.secretKey.toString('base64'), WEBHOOK_ALLOW_PRIVATE: '127.0.0.1/32', WEBHOOK_TIMEOUT_MS: TIMEOUT_MS, NODE_EXTRA_CA_CERTS: receiver.caCertPath, LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve) => {
        let seen = '';
        child.stdout!.on('data', (chunk: Buffer) => (seen += chunk.toString()).includes('delivery worker started') && resolve());
      });
      const before = receiver.requests.length;
      await createRecords(ctx.db, principal, 'contact', Array.from({ length: 40 }, (_, i) => ({ firstName: `R${round}-${i}`, lastName: 'Recovery' })));
      while (receiver.requests.length < before + 10) await sleep(5);
      child.kill('SIGKILL');
      const killedAt = Date.now();
      await new Promise((r) => child.once('exit', r));
      const afterExit = receiver.requests.length; // anything later comes from the worker that takes over
      const held = (await ctx.pool.query<{ id: string }>('SELECT delivery_id AS id FROM webhook_delivery_queue WHERE company_id = $1 AND claim_token IS NOT NULL', [company.id])).rows.map((r) => r.id);
      const worker = startWorker(ctx, { sender: { ca: fs.readFileSync(receiver.caCertPath) } });
      const resent = new Map<string, number>();
      const deadline = Date.now() + 120_000;
      while (resent.size < held.length && Date.now() < deadline) {
        for (const r of receiver.requests.slice(afterExit)) {
          const id = r.headers['x-webhook-delivery'] as string;
          if (held.includes(id) && !resent.has(id)) resent.set(id, r.receivedAt - killedAt);
        }
        await sleep(20);
      }
      const roundWaits = [...resent.values()];
      waits.push(...roundWaits);
      console.log(`round ${round}: ${held.length} claims held at the kill, resent after ${fmtS(Math.min(...roundWaits))}–${fmtS(Math.max(...roundWaits))}`);
      while ((await ctx.pool.query('SELECT 1 FROM webhook_delivery_queue WHERE company_id = $1 LIMIT 1', [company.id])).rowCount) await sleep(50);
      await worker.stop();
    }
    console.log(
      `database: ${bench.kind}; lease ${ctx.config.webhookLeaseMs} ms (heartbeat every quarter), request timeout ${TIMEOUT_MS} ms: kill → resent p50 ${fmtS(percentile(waits, 50))}, max ${fmtS(Math.max(...waits))} over ${waits.length} deliveries (the lease sized by the timeout held them ${fmtS(2 * Number(TIMEOUT_MS) + 2_000)})`,
    );
  } finally {
    await receiver.close();
    await bench.close();
  }
}

const fmtS = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
