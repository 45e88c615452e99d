// The start-up check of the Node.js version: a table of versions against package.json's floor, and the real
// entry point refusing an older Node with exit code 2 and a message naming both versions.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEngineRange, unsupportedNodeMessage } from '../../src/ops/node-version.js';
import { childEnv, ROOT } from '../helpers/server-process.js';

const RANGE = '^20.19.0 || >=22.12.0';

describe('unsupportedNodeMessage', () => {
  it.each([
    ['20.19.0', true],
    ['v20.20.2', true],
    ['22.12.0', true],
    ['24.3.1', true],
    ['20.18.9', false],
    ['21.7.3', false],
    ['22.11.0', false],
    ['18.20.4', false],
    ['v16.0.0', false],
  ])('%s against %s', (version, supported) => {
    const message = unsupportedNodeMessage(version, RANGE);
    if (supported) expect(message).toBeNull();
    else {
      expect(message).toContain(`needs Node.js ^20.19.0 || >=22.12.0 (package.json "engines"); this is Node.js ${version.replace(/^v/, '')}.`);
      expect(message).toContain('Install Node.js 20.19.0 or a later 20.x, or 22.12.0 or newer');
    }
  });

  it('reads ^ and >= comparators joined by ||, and enforces nothing it cannot read', () => {
    expect(parseEngineRange('>=20.19.0')).toEqual([{ op: '>=', floor: [20, 19, 0] }]);
    expect(parseEngineRange('^20.19.0 || >= 22')).toEqual([{ op: '^', floor: [20, 19, 0] }, { op: '>=', floor: [22, 0, 0] }]);
    expect(parseEngineRange('20.x')).toBeNull();
    expect(unsupportedNodeMessage('10.0.0', '20.x')).toBeNull();
  });

  it("is package.json's range", async () => {
    const { default: pkg } = await import('../../package.json', { with: { type: 'json' } });
    expect(pkg.engines.node).toBe(RANGE);
  });
});

describe('npm start on an older Node', () => {
  it('exits 2 before loading the app, saying which versions are supported', async () => {
    // The start script's own command line (npm start = sh -c "<script>"), on a Node that reports 18.20.4: the
    // check reads process.versions.node, and NODE_OPTIONS preloads run before the script's --import.
    const { default: pkg } = await import('../../package.json', { with: { type: 'json' } });
    const pretend = `--import=data:text/javascript,Object.defineProperty(process.versions,'node',{value:'18.20.4'})`;
    const env = childEnv({ NODE_OPTIONS: pretend, PATH: `${path.join(ROOT, 'node_modules/.bin')}:${process.env.PATH}`, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    const child = spawn('sh', ['-c', pkg.scripts.start], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(output).toContain('Switchboard needs Node.js ^20.19.0 || >=22.12.0');
    expect(output).toContain('this is Node.js 18.20.4');
    expect(output).not.toContain('SECRET_KEY'); // stopped before the configuration was read
  });
});
