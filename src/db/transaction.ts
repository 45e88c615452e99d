import type { Db, Tx } from './pool.js';

/** Runs `work` in a transaction; every record, event and delivery row it writes commits or rolls back together. */
export function withTransaction<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(work);
}
