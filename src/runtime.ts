// Opens what every role needs: the database (embedded or DATABASE_URL), migrations, the secret key, the context.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseSecretKey, type Config } from './config.js';
import type { AppContext } from './context.js';
import { findRunningEmbeddedUrl, startEmbeddedDatabase } from './db/embedded.js';
import { migrate } from './db/migrate.js';
import { createDb, createPool } from './db/pool.js';
import type { Logger } from './log.js';

export interface Runtime {
  ctx: AppContext;
  close(): Promise<void>;
}

function resolveSecretKey(config: Config): Buffer {
  if (config.secretKey) return config.secretKey;
  // Only reachable with the embedded default (loadConfig requires SECRET_KEY with DATABASE_URL).
  const file = path.join(config.dataDir, 'secret.key');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(config.dataDir, { recursive: true });
    fs.writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  }
  return parseSecretKey(fs.readFileSync(file, 'utf8'), `SECRET_KEY (from ${file})`);
}

export async function openRuntime(config: Config, log: Logger, options: { shareRunningEmbedded?: boolean } = {}): Promise<Runtime> {
  let url = config.databaseUrl;
  let stopEmbedded = async () => {};
  if (url === null) {
    const running = options.shareRunningEmbedded ? findRunningEmbeddedUrl(config.dataDir) : null;
    if (running) {
      url = running;
    } else {
      const embedded = await startEmbeddedDatabase({ dataDir: config.dataDir, log });
      url = embedded.url;
      stopEmbedded = embedded.stop;
    }
  }
  const pool = createPool(url);
  try {
    const applied = await migrate(pool);
    if (applied.length > 0) log.info({ applied }, 'database migrated');
    const ctx: AppContext = Object.freeze({ config, secretKey: resolveSecretKey(config), pool, db: createDb(pool), log });
    return {
      ctx,
      async close() {
        await pool.end().catch(() => {});
        await stopEmbedded();
      },
    };
  } catch (error) {
    await pool.end().catch(() => {});
    await stopEmbedded();
    throw error;
  }
}
