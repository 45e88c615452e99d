// A real HTTPS webhook receiver on loopback, with a test CA generated at run time by the openssl CLI.
// Trust it in-process by passing `ca` (readFileSync(caCertPath)) to createDeliverySender, or in a child process
// with NODE_EXTRA_CA_CERTS=caCertPath. `untrusted: true` serves a certificate from a CA nobody trusts.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The raw body as received (UTF-8). */
  body: string;
  receivedAt: number;
}

export interface ReceiverResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Wait this long before answering (a slow endpoint); the receiver's close() cuts it short. */
  delayMs?: number;
  /** Never answer (a tarpit): the connection stays open until the client gives up or close() runs. */
  hang?: boolean;
}

export type Responder = (request: ReceivedRequest) => ReceiverResponse | Promise<ReceiverResponse>;

export interface HttpsReceiver {
  /** https://127.0.0.1:PORT (no trailing slash): append a path. */
  url: string;
  port: number;
  /** The PEM file of the CA that signed the trusted certificate. */
  caCertPath: string;
  requests: ReceivedRequest[];
  setResponder(fn: Responder): void;
  /** Resolves once `count` requests have arrived in total; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export interface HttpsReceiverOptions {
  untrusted?: boolean;
  responder?: Responder;
  /** Keep received requests in `requests` (default true; a benchmark turns this off to save memory). The responder always sees them. */
  record?: boolean;
  port?: number;
}

interface TestPki {
  dir: string;
  caCertPath: string;
  trusted: { key: Buffer; cert: Buffer };
  untrusted: { key: Buffer; cert: Buffer };
}

let pki: TestPki | null = null;

function openssl(args: string[], cwd: string) {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function issue(dir: string, caName: string, serverName: string) {
  const ext = path.join(dir, `${serverName}.ext`);
  fs.writeFileSync(
    ext,
    'subjectAltName=DNS:localhost,DNS:*.switchboard.test,DNS:switchboard.test,IP:127.0.0.1,IP:::1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n',
  );
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${serverName}.key`, '-out', `${serverName}.csr`, '-subj', '/CN=localhost'], dir);
  openssl(['x509', '-req', '-in', `${serverName}.csr`, '-CA', `${caName}.crt`, '-CAkey', `${caName}.key`, '-CAcreateserial', '-out', `${serverName}.crt`, '-days', '2', '-extfile', ext], dir);
  return { key: fs.readFileSync(path.join(dir, `${serverName}.key`)), cert: fs.readFileSync(path.join(dir, `${serverName}.crt`)) };
}

function makeCa(dir: string, name: string, cn: string) {
  openssl(
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${cn}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    dir,
  );
}

/** The test CA and two server certificates, generated once per process into a temp dir removed at exit. */
export function testPki(): TestPki {
  if (pki) return pki;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-test-ca-'));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  makeCa(dir, 'ca', 'Switchboard Test CA');
  makeCa(dir, 'rogue-ca', 'Untrusted Test CA');
  pki = { dir, caCertPath: path.join(dir, 'ca.crt'), trusted: issue(dir, 'ca', 'server'), untrusted: issue(dir, 'rogue-ca', 'rogue-server') };
  return pki;
}

export async function startHttpsReceiver(options: HttpsReceiverOptions = {}): Promise<HttpsReceiver> {
  const { caCertPath, trusted, untrusted } = testPki();
  const requests: ReceivedRequest[] = [];
  const record = options.record ?? true;
  let responder: Responder = options.responder ?? (() => ({ status: 200, body: 'ok' }));
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const pending = new Set<NodeJS.Timeout>();

  const server = https.createServer({ ...(options.untrusted ? untrusted : trusted), keepAliveTimeout: 5_000 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const received: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: { ...req.headers },
        body: Buffer.concat(chunks).toString('utf8'),
        receivedAt: Date.now(),
      };
      if (record) requests.push(received);
      for (const waiter of [...waiters]) {
        if (requests.length >= waiter.count) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
      let answer: ReceiverResponse;
      try {
        answer = await responder(received);
      } catch (error) {
        answer = { status: 500, body: String(error) };
      }
      if (answer.hang) return;
      const reply = () => {
        if (res.destroyed) return;
        res.writeHead(answer.status ?? 200, answer.headers ?? {});
        res.end(answer.body ?? '');
      };
      if (answer.delayMs) {
        const timer = setTimeout(() => {
          pending.delete(timer);
          reply();
        }, answer.delayMs);
        pending.add(timer);
      } else reply();
    });
  });
  // A client that gives up (timeout, TLS refusal) resets its socket; that is expected here.
  server.on('clientError', (_error, socket) => socket.destroy());
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `https://127.0.0.1:${port}`,
    port,
    caCertPath,
    requests,
    setResponder(fn) {
      responder = fn;
    },
    waitFor(count, timeoutMs = 10_000) {
      if (requests.length >= count) return Promise.resolve(requests.slice());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`receiver got ${requests.length} of ${count} requests within ${timeoutMs} ms`));
        }, timeoutMs);
        const waiter = {
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve(requests.slice());
          },
        };
        waiters.push(waiter);
      });
    },
    async close() {
      for (const timer of pending) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
