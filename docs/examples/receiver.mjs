// A Switchboard webhook receiver in plain Node (node:http, no framework) — written from docs/webhooks.md alone.
//
//   npm install standardwebhooks
//   WEBHOOK_SECRET=… PORT=8080 node receiver.mjs
//
// It reads the raw body (up to 1 MiB, the largest body Switchboard sends), verifies webhook-signature with the
// `standardwebhooks` library (5-minute replay window) and X-Webhook-Signature with a plain HMAC, deduplicates on
// webhook-id, orders each record's events by X-Webhook-Record-Version (upserts, tombstones for deletes), answers
// 204 at once and prints one JSON line per delivery. State lives in memory here; keep it in your database.
// TLS_CERT_FILE and TLS_KEY_FILE serve HTTPS instead of HTTP (a webhook URL must be https://).
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { Webhook } from 'standardwebhooks';

const SECRET = process.env.WEBHOOK_SECRET;
if (!SECRET) throw new Error('set WEBHOOK_SECRET');
const MAX_BODY_BYTES = 1024 * 1024;
const standard = new Webhook(Buffer.from(SECRET, 'utf8'), { format: 'raw' }); // the secret's UTF-8 bytes, as is

const seen = new Set(); // webhook-id of every event handled (use a unique index in your database)
const records = new Map(); // entityId → { version, deleted, data }

function readRawBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) reject(Object.assign(new Error('body too large'), { status: 413 }));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function briefSignatureOk(raw, received) {
  const expected = crypto.createHmac('sha256', SECRET).update(raw).digest('hex');
  return typeof received === 'string' && received.length === expected.length && crypto.timingSafeEqual(Buffer.from(received), Buffer.from(expected));
}

function apply(envelope, version) {
  const id = envelope.data.entityId;
  const known = records.get(id);
  if (known && version <= known.version) return 'stale'; // older than what we have, or a tombstone's
  const gap = known ? version - known.version - 1 : version - 1;
  const deleted = envelope.event.endsWith('.deleted');
  records.set(id, { version, deleted, data: envelope.data.payload });
  return gap > 0 ? `applied (missed ${gap})` : deleted ? 'deleted (tombstone kept)' : known ? 'applied' : 'upserted';
}

async function handle(req, res) {
  if (req.method !== 'POST') return res.writeHead(405).end();
  let raw;
  try {
    raw = await readRawBody(req);
  } catch (error) {
    return res.writeHead(error.status ?? 400).end();
  }
  try {
    standard.verify(raw, req.headers); // webhook-id, webhook-timestamp, webhook-signature
  } catch {
    console.log(JSON.stringify({ result: 'rejected', reason: 'webhook-signature' }));
    return res.writeHead(401).end();
  }
  if (!briefSignatureOk(raw, req.headers['x-webhook-signature'])) {
    console.log(JSON.stringify({ result: 'rejected', reason: 'x-webhook-signature' }));
    return res.writeHead(401).end();
  }
  res.writeHead(204).end(); // answer fast; the work below happens after the answer
  const eventId = req.headers['webhook-id'];
  if (seen.has(eventId)) return console.log(JSON.stringify({ eventId, result: 'duplicate' }));
  seen.add(eventId);
  const envelope = JSON.parse(raw.toString('utf8'));
  if (envelope.event === 'webhook.test') return console.log(JSON.stringify({ eventId, event: envelope.event, result: 'test' }));
  const version = Number(req.headers['x-webhook-record-version']);
  console.log(JSON.stringify({ eventId, event: envelope.event, entityId: envelope.data.entityId, version, result: apply(envelope, version) }));
}

const tls = process.env.TLS_CERT_FILE && process.env.TLS_KEY_FILE;
const server = tls
  ? https.createServer({ cert: fs.readFileSync(process.env.TLS_CERT_FILE), key: fs.readFileSync(process.env.TLS_KEY_FILE) }, handle)
  : http.createServer(handle);
server.listen(Number(process.env.PORT ?? 8080), '127.0.0.1', () => console.log(`listening on ${server.address().port}`));
