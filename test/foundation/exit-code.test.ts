// Process-level behaviour of the embedded PostgreSQL: the package's exit hooks (which call process.exit(0) on
// beforeExit) are removed, so a failing test run or CLI keeps its exit code; and a DATA_DIR the `postgres`
// user cannot reach is refused up front with advice, not deep inside initdb.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { runToCompletion } from '../helpers/server-process.js';

it('a process that started and stopped the embedded PostgreSQL exits with its own exit code', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-exitcode-'));
  try {
    const result = await runToCompletion('test/fixtures/exit-code-probe.ts', [dir], {});
    expect(result.stdout, result.stderr).toContain('stopped');
    expect(result.code).toBe(3);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

it.runIf(process.getuid?.() === 0)('as root, a DATA_DIR inside a private folder is refused with a clear message', async () => {
  const privateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-private-'));
  fs.chmodSync(privateDir, 0o700);
  try {
    const result = await runToCompletion('src/main.ts', [], { DATA_DIR: path.join(privateDir, 'data'), PORT: '0' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot enter .*switchboard-private-.* \(mode 700\); set DATA_DIR to a folder outside it/);
  } finally {
    fs.rmSync(privateDir, { recursive: true, force: true });
  }
});
