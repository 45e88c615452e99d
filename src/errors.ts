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
