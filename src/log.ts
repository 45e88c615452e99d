import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: undefined,
    // Secrets and keys must never reach the logs, whatever object a caller passes.
    redact: { paths: ['secret', '*.secret', 'password', '*.password', 'key', 'headers["x-api-key"]', 'headers.authorization'], censor: '[redacted]' },
  });
}
