// X-Webhook-Signature: lowercase hex HMAC-SHA256(secret, raw body bytes), no prefix (spec §6).
import { createHmac } from 'node:crypto';

export function signBody(secret: string, body: string | Buffer): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** What the delivery log keeps of a signature: enough to match a receiver's log line, not enough to replay. */
export function maskSignature(signature: string): string {
  return `${signature.slice(0, 8)}…`;
}
