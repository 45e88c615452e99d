// The request headers of one delivery, in one pure function: what goes on the wire and what the delivery log
// keeps. The sender (every webhook delivery, test events included) and `listen` (forwarding to localhost) both
// call it, so a receiver sees the same headers from either.
//
//   spec §6   content-type, user-agent, x-webhook-event, x-webhook-delivery, x-webhook-signature (hex HMAC of
//             the body under the newest secret)
//   spec §10  webhook-id (the event id), webhook-timestamp (unix seconds at sending), webhook-signature (one
//             "v1,<base64 HMAC of '<id>.<timestamp>.<body>'>" per active secret, space-separated, newest first),
//             x-webhook-record-version, and the webhook's custom headers
//
// Cost: the body is encoded to UTF-8 once, then 1 + (active secrets) HMAC-SHA256 passes over it per send; the
// signed content of webhook-signature is fed to the HMAC in pieces, so the body is never copied into a new string.
// The log keeps signatures cut to 8 characters and custom header values as "••••": enough to match a receiver's
// log line, not enough to replay a request or learn a gateway's credential.
import { createHmac } from 'node:crypto';
import fs from 'node:fs';

const PACKAGE_VERSION = (JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
export const USER_AGENT = `Switchboard-Webhooks/${PACKAGE_VERSION}`;

/** What a custom header's value becomes in the delivery log. */
export const MASKED_VALUE = '••••';

export interface HeaderInput {
  /** The event id: webhook-id, the same for every delivery of one event (retry, resend, recover). */
  eventId: string;
  deliveryId: string;
  event: string;
  /** The envelope exactly as stored; signed and sent as these bytes (UTF-8). */
  body: string;
  /** Unix seconds at sending: webhook-timestamp. */
  timestampSeconds: number;
  /**
   * Active secrets, newest first. The first signs X-Webhook-Signature; each signs one webhook-signature entry
   * (during a rotation's overlap: the new and the previous secret). Empty: the delivery is not signed.
   */
  secrets: readonly string[];
  recordVersion?: number | null;
  /** The webhook's custom headers (names already validated: custom-headers.ts refuses ours and hop-by-hop ones). */
  customHeaders?: Readonly<Record<string, string>> | null;
}

export interface DeliveryHeaders {
  sent: Record<string, string>;
  recorded: Record<string, string>;
}

/** Lowercase hex HMAC-SHA256(secret, body): X-Webhook-Signature (spec §6). */
export function signBodyHex(secret: string, body: string | Buffer): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** "v1,<base64 HMAC-SHA256(secret UTF-8, '<id>.<timestamp>.<body>')>": one webhook-signature entry (Standard Webhooks). */
export function signStandard(secret: string, id: string, timestampSeconds: number, body: string | Buffer): string {
  return `v1,${createHmac('sha256', secret).update(`${id}.${timestampSeconds}.`, 'utf8').update(body).digest('base64')}`;
}

const cut = (signature: string) => `${signature.slice(0, 8)}…`;

export function buildDeliveryHeaders(input: HeaderInput): DeliveryHeaders {
  const sent: Record<string, string> = {};
  const recorded: Record<string, string> = {};
  // Custom headers first: the names are disjoint from ours by validation, and writing ours after them would
  // win anyway should a stored name ever collide.
  for (const [name, value] of Object.entries(input.customHeaders ?? {})) {
    sent[name.toLowerCase()] = value;
    recorded[name.toLowerCase()] = MASKED_VALUE;
  }
  const own: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
    'x-webhook-event': input.event,
    'x-webhook-delivery': input.deliveryId,
    'webhook-id': input.eventId,
    'webhook-timestamp': String(input.timestampSeconds),
  };
  if (input.recordVersion != null) own['x-webhook-record-version'] = String(input.recordVersion);
  Object.assign(sent, own);
  Object.assign(recorded, own);
  const [newest] = input.secrets;
  if (newest !== undefined) {
    const bytes = Buffer.from(input.body, 'utf8'); // encoded once for every HMAC below
    const hex = signBodyHex(newest, bytes);
    const entries = input.secrets.map((secret) => signStandard(secret, input.eventId, input.timestampSeconds, bytes));
    sent['x-webhook-signature'] = hex;
    sent['webhook-signature'] = entries.join(' ');
    recorded['x-webhook-signature'] = cut(hex);
    recorded['webhook-signature'] = entries.map(cut).join(' ');
  }
  return { sent, recorded };
}
