// The start-up check of the Node.js version: a table of versions against package.json's floor, and the real
// entry point refusing an older Node with exit code 2 and a message naming both versions.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseEngineFloor, unsupportedNodeMessage } from '../../src/ops/node-version.js';
import { childEnv, ROOT } from '../helpers/server-process.js';

describe('unsupportedNodeMessage', () => {
  it.each([
    ['20.19.0', null],
    ['20.19.1', null],
    ['v20.20.2', null],
    ['22.0.0', null],
    ['24.3.1', null],
    ['20.18.9', 'Node.js 20.18.9'],
    ['18.20.4', 'Node.js 18.20.4'],
    ['v16.0.0', 'Node.js 16.0.0'],
  ])('%s against >=20.19.0', (version, expected) => {
    const message = unsupportedNodeMessage(version, '>=20.19.0');
    if (expected === null) expect(message).toBeNull();
    else expect(message).toMatch(new RegExp(`needs Node.js >=20\\.19\\.0 .*this is ${expected.replace(/\./g, '\\.')}\\. Install Node.js 20\\.19\\.0 or newer`));
  });

  it('reads plain floors only', () => {
    expect(parseEngineFloor('>=20.19.0')).toEqual([20, 19, 0]);
    expect(parseEngineFloor('>= 22')).toEqual([22, 0, 0]);
    expect(parseEngineFloor('^20.19.0 || >=22.12.0')).toBeNull();
  });
});

describe('npm start on an older Node', () => {
  it('exits 2 before loading anything, saying which version is needed', async () => {
    // Pretend to be Node 18 for the entry point: the check reads process.versions.node.
    const pretend = `data:text/javascript,Object.defineProperty(process.versions,'node',{value:'18.20.4'})`;
    const child = spawn(process.execPath, ['--import', pretend, '--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env: childEnv({ DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' }), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(output).toContain('Switchboard needs Node.js >=20.19.0');
    expect(output).toContain('this is Node.js 18.20.4');
    expect(output).not.toContain('SECRET_KEY'); // stopped before the configuration was read
  });
});
