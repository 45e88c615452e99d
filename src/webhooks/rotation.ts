// Secret rotation (spec §10): POST /webhooks/{id}/secret/rotate, MCP rotate_webhook_secret, the UI's
// "Rotate secret". The new secret signs everything from the next send on (X-Webhook-Signature and the first
// webhook-signature entry); the replaced secret signs a second webhook-signature entry until the overlap ends,
// so a receiver verifying webhook-signature switches secrets whenever it likes within the overlap.
//
// One UPDATE does it, reading the row's current secret as it replaces it, so two rotations at once cannot both
// keep the same previous secret: the later one's "previous" is the earlier one's new secret. Only the newest
// previous secret is kept (a second rotation ends the first one's overlap). The ciphertext moves from one
// column to the other as it is: both are bound to the webhook with the same associated data (secret-box.ts).
// An expired previous secret stays in its column until the next rotation or secret change; the claim ignores
// it (queue.ts), and so do the DTO and this module.
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import { requireAdmin } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import { notFound } from '../errors.js';
import { MAX_WEBHOOK_SECRET_LENGTH, MIN_WEBHOOK_SECRET_LENGTH } from './schemas.js';
import { encryptSecret } from './secret-box.js';

export const MAX_OVERLAP_HOURS = 168;
export const DEFAULT_OVERLAP_HOURS = 24;
const OVERLAP_ERROR = `must be a whole number of hours from 0 to ${MAX_OVERLAP_HOURS}`;

export const RotateSecretInput = z.strictObject({
  secret: z
    .string({ error: 'must be a string' })
    .min(MIN_WEBHOOK_SECRET_LENGTH, { error: `must be at least ${MIN_WEBHOOK_SECRET_LENGTH} characters (use a random string)` })
    .max(MAX_WEBHOOK_SECRET_LENGTH, { error: `must be at most ${MAX_WEBHOOK_SECRET_LENGTH} characters` })
    .optional()
    .describe('the new secret; leave out to have a random one generated (returned once in the answer)'),
  overlapHours: z
    .number({ error: OVERLAP_ERROR })
    .int({ error: OVERLAP_ERROR })
    .min(0, { error: OVERLAP_ERROR })
    .max(MAX_OVERLAP_HOURS, { error: OVERLAP_ERROR })
    .optional()
    .describe(`how long the previous secret keeps signing a second webhook-signature entry: 0–${MAX_OVERLAP_HOURS} hours, default ${DEFAULT_OVERLAP_HOURS}; 0 ends it at once`),
});
export type RotateSecretInput = z.input<typeof RotateSecretInput>;

export const RotateSecretResultSchema = z.object({
  secret: z.string().describe('the new secret: it signs every delivery from now on; shown here once (later only through the reveal)'),
  previousSecretExpiresAt: z
    .string()
    .nullable()
    .describe('until when the previous secret also signs webhook-signature; null when there was no previous secret or overlapHours was 0'),
});
export type RotateSecretResult = z.infer<typeof RotateSecretResultSchema>;

/** A random secret: 32 bytes as base64url (43 characters), usable as is by every HMAC library. */
export function generateWebhookSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** The end of a rotation's overlap while it lasts, else null (what the webhook DTO shows). */
export function activePreviousSecretExpiry(row: { previousSecretCiphertext: Buffer | null; previousSecretExpiresAt: string | null }, nowMs = Date.now()): string | null {
  if (row.previousSecretCiphertext === null || row.previousSecretExpiresAt === null) return null;
  const expires = new Date(row.previousSecretExpiresAt);
  return expires.getTime() > nowMs ? expires.toISOString() : null;
}

export async function rotateWebhookSecret(
  ctx: Pick<AppContext, 'db' | 'secretKey'>,
  principal: Principal,
  id: string,
  input: RotateSecretInput,
): Promise<RotateSecretResult> {
  requireAdmin(principal, 'rotate webhook secrets');
  const parsed = RotateSecretInput.parse(input);
  const secret = parsed.secret ?? generateWebhookSecret();
  const overlapHours = parsed.overlapHours ?? DEFAULT_OVERLAP_HOURS;
  const { rows } = await ctx.db.execute<{ previous_secret_expires_at: string | null }>(sql`
    UPDATE webhooks SET
      previous_secret_ciphertext = CASE WHEN secret_ciphertext IS NOT NULL AND ${overlapHours}::int > 0 THEN secret_ciphertext END,
      previous_secret_expires_at = CASE WHEN secret_ciphertext IS NOT NULL AND ${overlapHours}::int > 0 THEN now() + ${overlapHours}::int * interval '1 hour' END,
      secret_ciphertext = ${encryptSecret(ctx.secretKey, id, secret)},
      updated_at = now()
    WHERE id = ${id} AND company_id = ${principal.companyId}
    RETURNING previous_secret_expires_at`);
  const row = rows[0];
  if (!row) throw notFound('webhook', id);
  return { secret, previousSecretExpiresAt: row.previous_secret_expires_at === null ? null : new Date(row.previous_secret_expires_at).toISOString() };
}
