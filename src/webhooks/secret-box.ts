// Webhook secrets at rest: AES-256-GCM under SECRET_KEY, bound to the webhook id (associated data), so a
// database dump alone reveals nothing and a ciphertext moved to another row fails to decrypt.
// Layout: 1 version byte | 12-byte IV | 16-byte tag | ciphertext. The version byte is where a future key
// rotation (SECRET_KEY_PREVIOUS) plugs in: decrypt by version, re-encrypt under the current key.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type pg from 'pg';

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * `purpose` separates what else a webhook keeps encrypted (its custom headers: "headers") from its secrets, so a
 * ciphertext copied from one column to another fails to decrypt. The secret and the previous secret of a
 * rotation share the default purpose: a rotation moves the current ciphertext into previous_secret as it is.
 */
function associatedData(webhookId: string, purpose?: string): Buffer {
  return Buffer.from(purpose ? `webhook:${webhookId}:${purpose}` : `webhook:${webhookId}`);
}

export function encryptSecret(key: Buffer, webhookId: string, secret: string, purpose?: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(associatedData(webhookId, purpose));
  const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), ciphertext]);
}

export function decryptSecret(key: Buffer, webhookId: string, box: Buffer, purpose?: string): string {
  if (box.length < 1 + IV_BYTES + TAG_BYTES || box[0] !== VERSION) throw new Error(`webhook ${webhookId}: unknown secret format`);
  const iv = box.subarray(1, 1 + IV_BYTES);
  const tag = box.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(associatedData(webhookId, purpose));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(box.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
}

/** How many webhooks hold a secret encrypted under some key: the data a replaced key would make unreadable. */
export async function countEncryptedSecrets(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ count: number }>('SELECT count(*)::int AS count FROM webhooks WHERE secret_ciphertext IS NOT NULL');
  return rows[0]?.count ?? 0;
}
