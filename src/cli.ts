// `npm run cli -- bootstrap --company NAME --email E --password P` creates a company, its first admin and an
// API key, and prints {companyId, userId, apiKey} as JSON. Works whether or not the app is running.
// `npm run cli -- listen --forward-to <http(s) URL>` forwards the event feed to a local receiver (src/cli/listen.ts).
import { parseArgs } from 'node:util';
import { createApiKey } from './auth/api-keys.js';
import { signup } from './auth/users.js';
import { loadConfig } from './config.js';
import { AppError } from './errors.js';
import { createLogger } from './log.js';
import { openRuntime } from './runtime.js';

const USAGE = 'usage: npm run cli -- bootstrap --company NAME --email EMAIL --password PASSWORD [--first-name F] [--last-name L]';

async function bootstrap(args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      company: { type: 'string' },
      email: { type: 'string' },
      password: { type: 'string' },
      'first-name': { type: 'string', default: 'Admin' },
      'last-name': { type: 'string', default: 'User' },
    },
  });
  if (!values.company || !values.email || !values.password) throw new Error(USAGE);
  if (values.password.length < 10) throw new Error('--password: must be at least 10 characters');
  const config = loadConfig(process.env, []);
  const runtime = await openRuntime(config, createLogger('warn'), { shareRunningEmbedded: true });
  try {
    const { company, user } = await signup(runtime.ctx.db, {
      companyName: values.company,
      email: values.email,
      password: values.password,
      firstName: values['first-name']!,
      lastName: values['last-name']!,
    });
    const key = await createApiKey(runtime.ctx.db, { userId: user.id, companyId: company.id, role: 'admin', via: 'system' }, 'bootstrap');
    console.log(JSON.stringify({ companyId: company.id, userId: user.id, apiKey: key.key }));
  } finally {
    await runtime.close();
  }
}

const [command, ...rest] = process.argv.slice(2);
// `listen` talks to a running server over HTTP only (src/cli/listen.ts); it never opens the database.
const run = command === 'bootstrap' ? bootstrap(rest) : command === 'listen' ? import('./cli/listen.js').then((m) => m.runListen(rest)) : Promise.reject(new Error(`${USAGE}\n   or: npm run cli -- listen --forward-to <http(s) URL> (see --help)`));
run.catch((error: unknown) => {
  console.error(error instanceof AppError || error instanceof Error ? error.message : error);
  process.exit(1);
});
