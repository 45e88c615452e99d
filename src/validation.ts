// How a zod failure reads, for every surface: the dotted field path first, then what is allowed.
// REST (src/http/errors.ts), MCP (src/mcp/server.ts) and the commands' own parsing (src/crm/validate.ts)
// all word their errors through here, so the same bad input gets the same message everywhere. Here too: the
// input guard every surface runs before its schemas (text PostgreSQL cannot store, runaway nesting) and the
// date schemas bounded to what PostgreSQL and JS both hold.
import { z } from 'zod';

/** The message of one issue; unknown keys are listed by name. */
export function zodIssueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  return issue.message;
}

/**
 * A rejected value as an error message quotes it: a string in quotes (cut at 100 characters), a number, boolean
 * or null as written, anything else by its kind. Never String(value): hostile JSON such as {"toString": 1} makes
 * that throw, and a message builder that throws turned a 400 into a 500.
 */
function quoteInput(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** The error of a z.enum: `"contact.merged" is not an event; allowed: contact.created, …` (`what` = "an event"). */
export function notOneOf(what: string, allowed: readonly string[]): (issue: { input?: unknown }) => string {
  return (issue) => `${quoteInput(issue.input)} is not ${what}; allowed: ${allowed.join(', ')}`;
}

/** "events.2: Invalid option: expected one of …" — the path first, so the field is named. */
export function describeZodError(error: z.ZodError): { message: string; field?: string } {
  const issue = error.issues[0];
  if (!issue) return { message: 'invalid input' };
  const field = issue.path.map(String).join('.');
  const message = zodIssueMessage(issue);
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem${error.issues.length > 2 ? 's' : ''})` : '';
  return field ? { message: `${field}: ${message}${more}`, field } : { message: `${message}${more}` };
}

/** How deep a JSON value may nest (Tiptap notes with lists in lists reach ~40); deeper input is refused. */
export const MAX_JSON_DEPTH = 100;

function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\ud800-\udfff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Why PostgreSQL could not store this text as sent, or null: NUL cannot be stored, a lone surrogate is not Unicode. */
function textProblem(text: string): string | null {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0) return 'must not contain the NUL character (\\u0000)';
    if (code >= 0xd800 && code <= 0xdfff) {
      const next = text.charCodeAt(i + 1);
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) i++;
      else return `must be valid Unicode text; it holds a lone surrogate (\\u${code.toString(16)})`;
    }
  }
  return null;
}

/**
 * The first part of any input that no field could store, whatever its schema: a string or property name
 * with NUL (PostgreSQL text cannot hold it) or a lone UTF-16 surrogate (not Unicode; jsonb refuses it and
 * text silently turns it into U+FFFD), or nesting deeper than MAX_JSON_DEPTH (the serializers recurse).
 * Iterative, so hostile nesting cannot overflow the stack here. `base` prefixes the dotted field path.
 */
export function findUnstorableInput(value: unknown, base = ''): { field?: string; message: string } | null {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value, path: base, depth: 0 }];
  const at = (path: string, message: string) => ({ ...(path ? { field: path } : {}), message: path ? `${path}: ${message}` : message });
  while (stack.length) {
    const { value: node, path, depth } = stack.pop()!;
    if (typeof node === 'string') {
      const problem = textProblem(node);
      if (problem) return at(path, problem);
      continue;
    }
    if (node === null || typeof node !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) return at(path, `nests deeper than ${MAX_JSON_DEPTH} levels`);
    const entries: Array<[string, unknown]> = Array.isArray(node) ? node.map((item, i) => [String(i), item]) : Object.keys(node).map((key) => [key, (node as Record<string, unknown>)[key]]);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i]!;
      const childPath = path ? `${path}.${printable(key)}` : printable(key);
      const keyProblem = Array.isArray(node) ? null : textProblem(key);
      if (keyProblem) return at(childPath, `the property name ${keyProblem}`);
      stack.push({ value: child, path: childPath, depth: depth + 1 });
    }
  }
  return null;
}

/** A date YYYY-MM-DD that PostgreSQL and JS both hold: years 0001–9999 (there is no year 0000). */
export function storableDate(message = 'must be a date as YYYY-MM-DD, years 0001–9999') {
  return z.iso.date({ error: message }).refine((value) => !value.startsWith('0000'), { error: message });
}

/** An ISO-8601 date-time with an offset, years 0001–9999 (zod already refuses hours past 23, so no 24:00). */
export function storableDateTime(message = 'must be an ISO-8601 date-time such as 2026-04-22T10:00:00Z, years 0001–9999') {
  // The year is checked on the instant too: 0001-01-01T00:30:00+01:00 is in year 0000 in UTC.
  return z.iso.datetime({ offset: true, error: message }).refine(
    (value) => {
      const year = new Date(value).getUTCFullYear();
      return !value.startsWith('0000') && year >= 1 && year <= 9999;
    },
    { error: message },
  );
}
