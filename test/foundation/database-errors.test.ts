import { expect, it } from 'vitest';
import { fromDatabaseError } from '../../src/errors.js';
import { createTestDatabase } from '../helpers/db.js';

const database = await createTestDatabase();

it('a real deadlock becomes a retryable 409 conflict, other database errors stay unmapped', async () => {
  await database.pool.query('CREATE TABLE deadlock_demo (id int PRIMARY KEY); INSERT INTO deadlock_demo VALUES (1), (2)');
  const a = await database.pool.connect();
  const b = await database.pool.connect();
  try {
    await a.query('BEGIN');
    await b.query('BEGIN');
    await a.query('SELECT * FROM deadlock_demo WHERE id = 1 FOR UPDATE');
    await b.query('SELECT * FROM deadlock_demo WHERE id = 2 FOR UPDATE');
    const outcomes = await Promise.allSettled([
      a.query('SELECT * FROM deadlock_demo WHERE id = 2 FOR UPDATE'),
      b.query('SELECT * FROM deadlock_demo WHERE id = 1 FOR UPDATE'),
    ]);
    const failure = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(failure.reason.code).toBe('40P01');
    const mapped = fromDatabaseError(failure.reason);
    expect(mapped).toMatchObject({ code: 'conflict', status: 409 });
    expect(mapped!.message).toMatch(/retry/);
  } finally {
    await a.query('ROLLBACK');
    await b.query('ROLLBACK');
    a.release();
    b.release();
  }
  const other = await database.pool.query('SELECT * FROM no_such_table').catch((e) => e);
  expect(fromDatabaseError(other)).toBeNull();
});
