// Custom request headers per webhook (spec §10), e.g. `Authorization` for an API gateway in front of the
// receiver. The rules decide what a sender may put on the wire without breaking the request or the contract:
//   - names are HTTP tokens (RFC 9110 §5.6.2), at most 100 characters, each name once (case-insensitively);
//   - our own headers are refused (host, content-length, content-type, user-agent, x-webhook-*, webhook-*): a
//     receiver must be able to trust them, and a custom signature header would shadow the real one;
//   - hop-by-hop and framing headers are refused (connection, keep-alive, proxy-*, te, trailer,
//     transfer-encoding, upgrade, expect, http2-settings): they describe one connection, not the request, and
//     the HTTP client refuses or rewrites them;
//   - values are at most 2,000 characters of visible ASCII, space or tab, not starting or ending with
//     whitespace: no CR, LF or NUL (header injection), nothing the client would re-encode.
// Stored encrypted (secret-box.ts, purpose "headers") with the names in the clear beside them, so lists show the
// names without decrypting, and the delivery log shows the values as "••••" (headers.ts).
import { z } from 'zod';
import { decryptSecret, encryptSecret } from './secret-box.js';

export const MAX_CUSTOM_HEADERS = 10;
export const MAX_HEADER_NAME_LENGTH = 100;
export const MAX_HEADER_VALUE_LENGTH = 2000;
const HEADERS_PURPOSE = 'headers';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const RESERVED_EXACT = new Set(['host', 'content-length', 'content-type', 'user-agent']);
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect', 'http2-settings']);
const RESERVED_PREFIXES = ['x-webhook-', 'webhook-'];

export const REFUSED_HEADER_NAMES_TEXT =
  'host, content-length, content-type, user-agent, x-webhook-*, webhook-* (set by Switchboard) and the hop-by-hop ' +
  'headers connection, keep-alive, proxy-*, te, trailer, transfer-encoding, upgrade, expect, http2-settings';

/** Why a header name cannot be used, or null when it can. */
export function headerNameProblem(name: string): string | null {
  if (name.length === 0) return 'a header name must not be empty';
  if (name.length > MAX_HEADER_NAME_LENGTH) return `header names are at most ${MAX_HEADER_NAME_LENGTH} characters`;
  if (!TOKEN.test(name)) return `"${name}" is not a valid header name: use letters, digits and !#$%&'*+-.^_\`|~ only`;
  const lower = name.toLowerCase();
  // A valid token, but as an object key it is the prototype: it would never reach the wire. (A JSON body's
  // "__proto__" key is already dropped when the record is copied; this guards direct callers.)
  if (lower === '__proto__') return `"${name}" cannot be used as a header name`;
  if (RESERVED_EXACT.has(lower) || RESERVED_PREFIXES.some((p) => lower.startsWith(p))) {
    return `"${name}" is set by Switchboard and cannot be replaced; refused names: ${REFUSED_HEADER_NAMES_TEXT}`;
  }
  if (HOP_BY_HOP.has(lower) || lower.startsWith('proxy-')) {
    return `"${name}" is a hop-by-hop header that describes one connection, not the request; refused names: ${REFUSED_HEADER_NAMES_TEXT}`;
  }
  return null;
}

/** Why a header value cannot be used, or null when it can. */
export function headerValueProblem(value: string): string | null {
  if (value.length > MAX_HEADER_VALUE_LENGTH) return `must be at most ${MAX_HEADER_VALUE_LENGTH} characters`;
  if (/[\r\n\u0000]/.test(value)) return 'must not contain CR, LF or NUL';
  if (!/^[\t\u0020-\u007e]*$/.test(value)) return 'must be visible ASCII characters, spaces or tabs';
  if (/^[\t ]|[\t ]$/.test(value)) return 'must not start or end with whitespace';
  return null;
}

export const CustomHeadersInput = z
  .record(z.string(), z.string({ error: 'must be a string' }), { error: 'must be an object of header name → value' })
  .superRefine((headers, ctx) => {
    const names = Object.keys(headers);
    if (names.length > MAX_CUSTOM_HEADERS) {
      ctx.addIssue({ code: 'custom', message: `at most ${MAX_CUSTOM_HEADERS} headers; got ${names.length}` });
      return;
    }
    const seen = new Map<string, string>();
    for (const name of names) {
      const nameProblem = headerNameProblem(name);
      if (nameProblem) {
        ctx.addIssue({ code: 'custom', path: [name], message: nameProblem });
        continue;
      }
      const earlier = seen.get(name.toLowerCase());
      if (earlier !== undefined) ctx.addIssue({ code: 'custom', path: [name], message: `"${name}" repeats "${earlier}" (header names ignore case)` });
      seen.set(name.toLowerCase(), name);
      const valueProblem = headerValueProblem(headers[name]!);
      if (valueProblem) ctx.addIssue({ code: 'custom', path: [name], message: valueProblem });
    }
  })
  .nullable()
  .describe(
    `extra request headers sent with every delivery, e.g. {"Authorization": "Bearer …"} for a gateway: at most ${MAX_CUSTOM_HEADERS}, ` +
      `values up to ${MAX_HEADER_VALUE_LENGTH} visible ASCII characters; stored encrypted, listed by name only (headerNames), masked in the delivery log; ` +
      `refused names: ${REFUSED_HEADER_NAMES_TEXT}. Replaces the whole set; null or {} removes them`,
  );

/** The columns that store a header set: ciphertext and names (both empty for no headers). */
export function sealCustomHeaders(key: Buffer, webhookId: string, headers: Record<string, string> | null): { headersCiphertext: Buffer | null; headerNames: string[] } {
  const names = Object.keys(headers ?? {});
  if (!headers || names.length === 0) return { headersCiphertext: null, headerNames: [] };
  return { headersCiphertext: encryptSecret(key, webhookId, JSON.stringify(headers), HEADERS_PURPOSE), headerNames: names };
}

export function openCustomHeaders(key: Buffer, webhookId: string, ciphertext: Buffer): Record<string, string> {
  return JSON.parse(decryptSecret(key, webhookId, ciphertext, HEADERS_PURPOSE)) as Record<string, string>;
}
