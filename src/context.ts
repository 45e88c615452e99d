// The explicit context built once at start-up and passed to every surface and worker (no DI container).
import type pg from 'pg';
import type { Config } from './config.js';
import type { Db } from './db/pool.js';
import type { Logger } from './log.js';

export interface AppContext {
  readonly config: Config;
  /** 32-byte key for secrets at rest (resolved: generated into DATA_DIR for the embedded default). */
  readonly secretKey: Buffer;
  readonly pool: pg.Pool;
  readonly db: Db;
  readonly log: Logger;
}
