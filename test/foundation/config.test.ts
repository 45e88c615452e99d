import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

const KEY = Buffer.alloc(32, 1).toString('base64');

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({}, []);
    expect(config).toMatchObject({ role: 'all', port: 3000, host: '127.0.0.1', databaseUrl: null, webhookTimeoutMs: 10000 });
    expect(config.dataDir.endsWith('/data')).toBe(true);
    expect(config.webhookAllowPrivate).toEqual([]);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it.each([
    [{ PORT: 'abc' }, [], /PORT: must be a whole number/],
    [{ PORT: '70000' }, [], /PORT: must be between 0 and 65535/],
    [{ WEBHOOK_TIMEOUT_MS: '5' }, [], /WEBHOOK_TIMEOUT_MS: must be between/],
    [{ WEBHOOK_LEASE_MS: '100' }, [], /WEBHOOK_LEASE_MS: must be between 500 and 600000/],
    [{ DATABASE_URL: 'mysql://x' }, [], /DATABASE_URL: must start with postgres/],
    [{ DATABASE_URL: 'postgres://x/db' }, [], /SECRET_KEY: is required with DATABASE_URL/],
    [{ SECRET_KEY: 'short' }, [], /SECRET_KEY: must be 32 random bytes/],
    [{ WEBHOOK_ALLOW_PRIVATE: '127.0.0.1/32,nonsense' }, [], /WEBHOOK_ALLOW_PRIVATE: "nonsense" is not a CIDR/],
    [{}, ['--role', 'cook'], /--role: must be one of api, worker, all/],
    [{ WEBHOOK_RETRY_SCHEDULE: '5s,,1m' }, [], /WEBHOOK_RETRY_SCHEDULE: must be a comma-separated list of 1 to 20 durations/],
    [{ WEBHOOK_RETRY_SCHEDULE: '5s,soon' }, [], /WEBHOOK_RETRY_SCHEDULE: "soon" is not a duration/],
    [{ WEBHOOK_RETRY_SCHEDULE: '0s' }, [], /WEBHOOK_RETRY_SCHEDULE: "0s" is not a duration from 1ms to 30d/],
    [{ WEBHOOK_RETRY_SCHEDULE: Array(21).fill('1s').join(',') }, [], /WEBHOOK_RETRY_SCHEDULE: must be a comma-separated list of 1 to 20/],
    [{ WEBHOOK_DISABLE_AFTER: '5 days' }, [], /WEBHOOK_DISABLE_AFTER: "5 days" is not a duration/],
    [{ WEBHOOK_DISABLE_AFTER: '31d' }, [], /WEBHOOK_DISABLE_AFTER: "31d" is not a duration from 1ms to 30d/],
  ] as const)('rejects %j %j naming the variable', (env, argv, message) => {
    expect(() => loadConfig(env, argv)).toThrow(message);
  });

  it('reads the retry schedule and the auto-disable window', () => {
    expect(loadConfig({}, [])).toMatchObject({ webhookRetryScheduleMs: [5e3, 3e5, 18e5, 72e5, 18e6, 36e6, 36e6], webhookDisableAfterMs: 5 * 86400e3 });
    expect(loadConfig({ WEBHOOK_RETRY_SCHEDULE: ' 500ms, 1s,2m ,1h,1d', WEBHOOK_DISABLE_AFTER: '30s' }, [])).toMatchObject({
      webhookRetryScheduleMs: [500, 1e3, 12e4, 36e5, 864e5],
      webhookDisableAfterMs: 30e3,
    });
  });

  it('reads role, key and allow-list', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u@h/db', SECRET_KEY: KEY, WEBHOOK_ALLOW_PRIVATE: '127.0.0.1/32, ::1/128' }, ['--role=worker']);
    expect(config.role).toBe('worker');
    expect(config.secretKey?.length).toBe(32);
    expect(config.webhookAllowPrivate.map(([a, bits]) => `${a.toString()}/${bits}`)).toEqual(['127.0.0.1/32', '::1/128']);
    expect(loadConfig({}, ['--role', 'api']).role).toBe('api');
  });
});
