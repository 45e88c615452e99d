// Responsiveness during the largest allowed CSV import (spec §11: the import never blocks other requests of the
// process for more than a few milliseconds at a time). One process serves everything in-process
// (app.request: routing, auth, validation, the database), as the API role would: while a 20 000-row import runs
// through POST /import/contacts, a probe keeps listing another company's contacts one request at a time. Its
// latency is compared with the same probe on an idle process (the baseline, measured first in the same run),
// and the event-loop delay is sampled throughout. Figures to watch: the probe's p99 during the import (must
// stay under 200 ms) and its ratio to the idle p99.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { IMPORT_MAX_CSV_BYTES, IMPORT_MAX_ROWS } from '../src/crm/import/csv-import.js';
import { createApp } from '../src/http/app.js';
import { createWebhook } from '../src/webhooks/webhooks.js';
import { openBenchDatabase, percentile } from './harness.js';

const BASELINE_MS = 5_000;
const WEBHOOKS = 3;

interface Tenant {
  companyId: string;
  userId: string;
  key: string;
}

export async function runImportBench(): Promise<void> {
  const bench = await openBenchDatabase();
  try {
    const app = createApp(bench.ctx);
    const call = (method: string, path: string, key?: string, body?: unknown) =>
      Promise.resolve(
        app.request(`http://localhost/api/v1${path}`, {
          method,
          headers: { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}) },
          body: body === undefined ? undefined : JSON.stringify(body),
        }),
      );
    const signup = async (name: string): Promise<Tenant> => {
      const email = `${name}@bench.example`;
      const response = await call('POST', '/auth/signup', undefined, { companyName: name, firstName: 'Bench', lastName: 'Mark', email, password: 'bench-password-1' });
      const { company, user } = (await response.json()) as { company: { id: string }; user: { id: string } };
      const cookie = response.headers.get('set-cookie')!.split(';')[0]!;
      const keyResponse = await app.request('http://localhost/api/v1/api-keys', { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify({ name: 'bench' }) });
      return { companyId: company.id, userId: user.id, key: ((await keyResponse.json()) as { key: string }).key };
    };

    const importer = await signup('importer');
    const other = await signup('other');
    for (let i = 0; i < WEBHOOKS; i++) {
      await createWebhook(
        bench.ctx,
        { companyId: importer.companyId, userId: importer.userId, role: 'admin', via: 'system' },
        { url: `https://hooks-${i}.example.com/crm`, events: ['contact.created'] },
        { resolve: async () => [{ address: '93.184.216.34', family: 4 }] },
      );
    }
    await call('POST', '/contacts/many', other.key, { items: Array.from({ length: 100 }, (_, i) => ({ firstName: `Other ${i}`, emails: [`o${i}@other.example`] })) });

    // The largest allowed import: IMPORT_MAX_ROWS rows filling most of IMPORT_MAX_CSV_BYTES (long notes).
    const lines = ['First Name,Last Name,Email,Notes'];
    const filler = 'Met at the fair; asked about pricing, delivery times and support hours. '.repeat(5);
    for (let i = 0; i < IMPORT_MAX_ROWS; i++) lines.push(`Person${i},Imported,p${i}@import.example,"Table ${i % 40}. ${filler}"`);
    const csv = lines.join('\n');
    if (Buffer.byteLength(csv) > IMPORT_MAX_CSV_BYTES) throw new Error('the bench file is larger than the import limit');

    /** Sequential probe requests until `stop()` says so; returns per-request latencies in ms. */
    const probe = async (stop: () => boolean): Promise<number[]> => {
      const latencies: number[] = [];
      while (!stop()) {
        const started = performance.now();
        const response = await call('GET', '/contacts?pageSize=25', other.key);
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`probe answered ${response.status}`);
        latencies.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      return latencies;
    };

    await probe(((until) => () => performance.now() > until)(performance.now() + 1_000)); // warm-up
    const idleLoop = monitorEventLoopDelay({ resolution: 1 });
    idleLoop.enable();
    const idle = await probe(((until) => () => performance.now() > until)(performance.now() + BASELINE_MS));
    idleLoop.disable();

    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    let done = false;
    const started = performance.now();
    const importing = call('POST', '/import/contacts', importer.key, { csv }).then(async (response) => {
      const report = (await response.json()) as { created?: number; error?: unknown };
      done = true;
      if (response.status !== 200) throw new Error(`import answered ${response.status}: ${JSON.stringify(report)}`);
      return report;
    });
    const during = await probe(() => done);
    const report = await importing;
    const importMs = performance.now() - started;
    loop.disable();
    // No worker runs here: the first read of the importer's delivery log expands every fan-out row of the import
    // itself (what a read finds when it comes before the workers are through). Its time, and a second read's.
    const readLog = async () => {
      const at = performance.now();
      const response = await call('GET', '/webhook-deliveries?pageSize=25', importer.key);
      const page = (await response.json()) as { total?: number };
      if (response.status !== 200) throw new Error(`the delivery log answered ${response.status}`);
      return { ms: performance.now() - at, total: page.total ?? 0 };
    };
    const firstRead = await readLog();
    const secondRead = await readLog();

    const ms = (n: number) => n.toFixed(1);
    console.log(`database: ${bench.kind}; import of ${IMPORT_MAX_ROWS} contacts (${(Buffer.byteLength(csv) / 1024 / 1024).toFixed(1)} MiB CSV, ${WEBHOOKS} webhooks subscribed) while another company's list is probed one request at a time`);
    console.log(`import: ${report.created} created in ${ms(importMs / 1000)} s (${Math.round((report.created! * 1000) / importMs)} rows/s, one transaction)`);
    console.log(`probe idle:          ${idle.length} requests, p50 ${ms(percentile(idle, 50))} ms, p99 ${ms(percentile(idle, 99))} ms, max ${ms(Math.max(...idle))} ms`);
    console.log(`probe during import: ${during.length} requests, p50 ${ms(percentile(during, 50))} ms, p99 ${ms(percentile(during, 99))} ms, max ${ms(Math.max(...during))} ms`);
    console.log(`probe p99 during import: ${(percentile(during, 99) / percentile(idle, 99)).toFixed(2)}× of idle (bound: 200 ms absolute)`);
    console.log(`the importer's delivery log, no worker running: first read ${ms(firstRead.ms)} ms (expands the import's fan-out rows: ${firstRead.total}${firstRead.total >= 10_000 ? '+' : ''} deliveries), then ${ms(secondRead.ms)} ms`);
    console.log(`event-loop delay: idle p99 ${ms(idleLoop.percentile(99) / 1e6)} ms, max ${ms(idleLoop.max / 1e6)} ms | during import p99 ${ms(loop.percentile(99) / 1e6)} ms, max ${ms(loop.max / 1e6)} ms`);
  } finally {
    await bench.close();
  }
}
