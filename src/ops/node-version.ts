// The Node.js versions Switchboard supports are package.json's `engines.node`, e.g. `^20.19.0 || >=22.12.0`
// (what vite, which builds the UI at install, and undici require). Checked before anything else loads: on an
// older Node the failure would otherwise surface later as an obscure missing API or syntax error. Imported
// first by src/main.ts for its side effect; exits with code 2, like a configuration error.
import fs from 'node:fs';

type Version = [number, number, number];
interface Comparator {
  /** `^` keeps the major; `>=` does not. */
  op: '^' | '>=';
  floor: Version;
}

function parseVersion(text: string): Version | null {
  const match = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(text.trim());
  return match ? [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)] : null;
}

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** `^20.19.0 || >=22.12.0` → its comparators; null when any part is something else (then nothing is enforced). */
export function parseEngineRange(range: string): Comparator[] | null {
  const parts = range.split('||').map((part) => /^(\^|>=)\s*(\S+)$/.exec(part.trim()));
  const comparators: Comparator[] = [];
  for (const part of parts) {
    const floor = part ? parseVersion(part[2]!) : null;
    if (!part || !floor) return null;
    comparators.push({ op: part[1] as Comparator['op'], floor });
  }
  return comparators.length > 0 ? comparators : null;
}

export function satisfiesEngines(version: string, range: string): boolean {
  const comparators = parseEngineRange(range);
  const current = parseVersion(version);
  if (!comparators || !current) return true;
  return comparators.some(({ op, floor }) => compare(current, floor) >= 0 && (op === '>=' || current[0] === floor[0]));
}

/** Null when `version` (e.g. `20.19.1` or `v22.12.0`) is supported, else a message saying what to do. */
export function unsupportedNodeMessage(version: string, range: string): string | null {
  if (satisfiesEngines(version, range)) return null;
  const wanted = parseEngineRange(range)!.map(({ op, floor }) => (op === '^' ? `${floor.join('.')} or a later ${floor[0]}.x` : `${floor.join('.')} or newer`));
  return `Switchboard needs Node.js ${range} (package.json "engines"); this is Node.js ${version.replace(/^v/, '')}. Install Node.js ${wanted.join(', or ')} (an LTS release) and run it again.`;
}

const packageJson = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { engines?: { node?: string } };
const problem = unsupportedNodeMessage(process.versions.node, packageJson.engines?.node ?? '');
if (problem) {
  console.error(problem);
  process.exit(2);
}
