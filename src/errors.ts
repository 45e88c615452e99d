// Domain errors carry a stable `code` and a message that names the field, the value received and what is
// allowed. They are thrown by commands and mapped to HTTP (src/http/errors.ts) and MCP (isError) in one place each.
export type ErrorCode =
  | 'validation_error'
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
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
  payload_too_large: 413,
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
 * PostgreSQL errors that are the caller's to retry, not bugs: two writes that touch the same records in
 * opposite order can deadlock (40P01), and one of them is rolled back whole. Nothing was half-written.
 */
export function fromDatabaseError(error: unknown): AppError | null {
  const code = databaseErrorCode(error);
  if (code === '40P01' || code === '40001') {
    return new AppError('conflict', 'the write collided with a concurrent write to the same records and was rolled back; retry it');
  }
  return null;
}

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
