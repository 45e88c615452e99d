import { createHash, randomInt } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `length` characters from [A-Za-z0-9], uniformly (crypto.randomInt has no modulo bias). */
export function randomToken(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}

/** Keys and session tokens carry ≥ 190 bits of entropy, so a fast hash is the right lookup hash for them. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
