// Domain errors carry a stable `code` and a message that names the field, the value received and what is
// allowed. They are thrown by commands and mapped to HTTP (src/http/errors.ts) and MCP (isError) in one place each.
export type ErrorCode =
  | 'validation_error'
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'gone'
  | 'payload_too_large'
  | 'event_too_large'
  | 'unsupported_media_type'
  | 'too_many_requests'
  | 'internal_error';

const STATUS: Record<ErrorCode, number> = {
  validation_error: 400,
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  payload_too_large: 413,
  event_too_large: 413,
  unsupported_media_type: 415,
  too_many_requests: 429,
  internal_error: 500,
};

export class AppError extends Error {
  override name = 'AppError';
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** The input field the error is about, as a dotted path, when there is one. */
    readonly field?: string,
  ) {
    super(message);
    this.status = STATUS[code];
  }
}

export const validationError = (field: string, message: string) => new AppError('validation_error', `${field}: ${message}`, field);
export const notFound = (what: string, id: string) => new AppError('not_found', `${what} ${id} was not found`);
export const forbidden = (message: string) => new AppError('forbidden', message);

/**
 * PostgreSQL errors that are the caller's, not bugs, mapped once for REST and MCP. Two writes that touch the
 * same records in opposite order can deadlock (40P01): one is rolled back whole, to retry. A value PostgreSQL
 * cannot hold (class 22: NUL in text, a date out of range, a number out of range, malformed JSON text) or
 * nesting beyond its stack (54001) is bad input: the statement failed, so nothing was half-written. Input
 * validation (src/validation.ts) refuses these first, naming the field; this is the last line of defence.
 */
export function fromDatabaseError(error: unknown): AppError | null {
  const code = databaseErrorCode(error);
  if (code === '40P01' || code === '40001') {
    return new AppError('conflict', 'the write collided with a concurrent write to the same records and was rolled back; retry it');
  }
  if (code === '54001') return new AppError('validation_error', 'the input is nested too deeply to store');
  if (code?.startsWith('22')) return new AppError('validation_error', DATA_ERROR_MESSAGES[code] ?? `a value cannot be stored (SQLSTATE ${code})`);
  return null;
}

const DATA_ERROR_MESSAGES: Record<string, string> = {
  '22P05': 'a text value holds a character that cannot be stored, such as NUL (\\u0000)',
  '22021': 'a text value holds a character that cannot be stored, such as NUL (\\u0000)',
  '22008': 'a date or time is outside the range that can be stored (years 0001–9999)',
  '22007': 'a date or time is not in a form that can be stored; use ISO-8601 such as 2026-04-22T10:00:00Z',
  '22003': 'a number is outside the range that can be stored',
  '22P02': 'a value is not in a form that can be stored (invalid text for its type, or a lone Unicode surrogate)',
  '22001': 'a text value is longer than can be stored',
};

/** The SQLSTATE of a PostgreSQL error, whether pg threw it directly or Drizzle wrapped it as `cause`. */
export function databaseErrorCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; cause?: { code?: unknown } } | null | undefined;
  const code = typeof e?.code === 'string' ? e.code : e?.cause?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A unique constraint refused the write (SQLSTATE 23505): a duplicate name or email. */
export function isUniqueViolation(error: unknown): boolean {
  return databaseErrorCode(error) === '23505';
}
