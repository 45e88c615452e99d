// Starts one PostgreSQL for the whole run (embedded, or the server in DATABASE_URL), migrates a template
// database once, and hands its name to the test files, each of which clones its own database from it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import type { TestProject } from 'vitest/node';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../../src/db/embedded.js';
import { migrate } from '../../src/db/migrate.js';
import { createPool, databaseUrlFor } from '../../src/db/pool.js';

declare module 'vitest' {
  export interface ProvidedContext {
    adminUrl: string;
    templateDatabase: string;
  }
}

let embedded: EmbeddedDatabase | null = null;
let tempDir: string | null = null;

export async function setup(project: TestProject) {
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-test-pg-'));
    embedded = await startEmbeddedDatabase({ dataDir: tempDir, log: pino({ level: 'warn' }), durable: false, lock: false });
    adminUrl = embedded.url;
  }
  const templateDatabase = `switchboard_template_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${templateDatabase}`);
  await admin.query(`CREATE DATABASE ${templateDatabase}`);
  const pool = createPool(databaseUrlFor(adminUrl, templateDatabase), 2);
  await migrate(pool);
  await pool.end();
  await admin.end();
  project.provide('adminUrl', adminUrl);
  project.provide('templateDatabase', templateDatabase);

  return async () => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    const leftovers = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE $2`,
      [templateDatabase, `switchboard_test_${process.pid}_%`],
    );
    for (const { datname } of leftovers.rows) await client.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    await client.end();
    await embedded?.stop();
    if (tempDir) fs.rmSync(tempDir, { recursive: true, force: true });
  };
}
