// The Node.js versions Switchboard supports are package.json's `engines.node` (a `>=x.y.z` floor). Checked
// before anything else loads: on an older Node the failure would otherwise surface later as an obscure
// missing API or syntax error. Imported first by src/main.ts for its side effect; exits with code 2, like
// a configuration error.
import fs from 'node:fs';

/** `>=20.19.0` → [20, 19, 0]; null when the range is not a plain floor. */
export function parseEngineFloor(range: string): [number, number, number] | null {
  const match = /^>=\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(range.trim());
  return match ? [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)] : null;
}

/** Null when `version` (e.g. `20.19.1` or `v22.3.0`) satisfies the floor, else a message saying what to do. */
export function unsupportedNodeMessage(version: string, range: string): string | null {
  const floor = parseEngineFloor(range);
  const parts = version.replace(/^v/, '').split('.').map(Number);
  if (!floor || parts.length < 3 || parts.some((n) => !Number.isInteger(n))) return null;
  for (let i = 0; i < 3; i++) {
    if (parts[i]! > floor[i]!) return null;
    if (parts[i]! < floor[i]!) {
      return `Switchboard needs Node.js ${range} (package.json "engines"); this is Node.js ${version.replace(/^v/, '')}. Install Node.js ${floor.join('.')} or newer (an LTS release: 20, 22 or 24) and run it again.`;
    }
  }
  return null;
}

const packageJson = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { engines?: { node?: string } };
const problem = unsupportedNodeMessage(process.versions.node, packageJson.engines?.node ?? '');
if (problem) {
  console.error(problem);
  process.exit(2);
}
