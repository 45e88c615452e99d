// Opens what every role needs: the database (embedded or DATABASE_URL), migrations, the secret key, the context.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { parseSecretKey, type Config } from './config.js';
import type { AppContext } from './context.js';
import { findRunningEmbeddedUrl, startEmbeddedDatabase } from './db/embedded.js';
import { migrate } from './db/migrate.js';
import { createDb, createPool } from './db/pool.js';
import { checkServerVersion } from './db/server-version.js';
import type { Logger } from './log.js';
import { countEncryptedSecrets } from './webhooks/secret-box.js';

export interface Runtime {
  ctx: AppContext;
  close(): Promise<void>;
}

/**
 * The generated key file is missing while the database holds secrets encrypted under a key: generating a new
 * one would make every webhook secret undecryptable, silently. Start-up refuses instead (exit code 2).
 */
export class SecretKeyMissingError extends Error {
  override name = 'SecretKeyMissingError';
  constructor(file: string, encryptedSecrets: number) {
    super(
      `${file} (DATA_DIR/secret.key) is missing, but the database holds ${encryptedSecrets} webhook secret(s) encrypted with it. ` +
        `Restore that file from a backup of DATA_DIR, or set SECRET_KEY to its content (32 bytes, base64). ` +
        `A new key would leave every existing webhook secret unreadable, so none is generated.`,
    );
  }
}

async function resolveSecretKey(config: Config, pool: pg.Pool): Promise<Buffer> {
  if (config.secretKey) return config.secretKey;
  // Only reachable with the embedded default (loadConfig requires SECRET_KEY with DATABASE_URL).
  const file = path.join(config.dataDir, 'secret.key');
  if (!fs.existsSync(file)) {
    const encrypted = await countEncryptedSecrets(pool);
    if (encrypted > 0) throw new SecretKeyMissingError(path.resolve(file), encrypted);
    fs.mkdirSync(config.dataDir, { recursive: true });
    try {
      fs.writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    } catch (error) {
      // Another process sharing DATA_DIR wrote it first: use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
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
    await checkServerVersion(pool);
    const applied = await migrate(pool);
    if (applied.length > 0) log.info({ applied }, 'database migrated');
    const ctx: AppContext = Object.freeze({ config, secretKey: await resolveSecretKey(config, pool), pool, db: createDb(pool), log });
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
