// The CSV reader behind import: RFC 4180 quoting ("" inside quotes), \n, \r\n or \r line ends, a leading BOM,
// fields trimmed, empty lines skipped, and the delimiter guessed from the header line (",", ";" or tab — the
// same guess the UI makes when it shows the columns to map). One pass over the text, so time is linear in its
// size; limits are checked as records grow (a header of a million empty columns is refused after the
// 251st comma, before any row work), and the reader yields to the event loop every few milliseconds so other
// requests keep their latency while a large file is read.
import { validationError } from '../../errors.js';

export interface CsvLimits {
  /** Cells per record (header included). */
  maxColumns: number;
  /** Data records after the header. */
  maxRows: number;
}

export interface CsvTable {
  headers: string[];
  rows: string[][];
}

/** How long synchronous work runs before it lets other callbacks in; ~5 ms keeps others' p99 far below 200 ms. */
export const SLICE_MS = 5;

/** Returns a function to await often: it yields to the event loop (setImmediate) once SLICE_MS has passed. */
export function yielder(sliceMs = SLICE_MS): () => Promise<void> | undefined {
  let sliceStart = performance.now();
  return () => {
    if (performance.now() - sliceStart < sliceMs) return undefined;
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        sliceStart = performance.now();
        resolve();
      }),
    );
  };
}

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;
const SPACE = 0x20;
const TAB = 0x09;

export function guessDelimiter(text: string): number {
  let end = text.search(/[\r\n]/);
  if (end < 0) end = text.length;
  const line = text.slice(0, end);
  let best = ',';
  let bestCount = -1;
  for (const candidate of [',', ';', '\t']) {
    let count = 0;
    for (let i = line.indexOf(candidate); i >= 0; i = line.indexOf(candidate, i + 1)) count++;
    if (count > bestCount) {
      best = candidate;
      bestCount = count;
    }
  }
  return best.charCodeAt(0);
}

/** 1-based line of a character offset, for error messages (computed once, on error). */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

export async function readCsv(text: string, limits: CsvLimits): Promise<CsvTable> {
  const pause = yielder();
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const delimiter = guessDelimiter(text.slice(start, start + 64 * 1024));
  const n = text.length;
  const records: string[][] = [];
  let record: string[] = [];
  let i = start;
  const isBlank = (code: number) => code === SPACE || code === TAB;

  while (i <= n) {
    // One field, starting at i.
    while (i < n && isBlank(text.charCodeAt(i))) i++;
    let value: string;
    let quoted = false;
    if (i < n && text.charCodeAt(i) === QUOTE) {
      quoted = true;
      const opened = i;
      let parts = '';
      i++;
      for (;;) {
        const close = text.indexOf('"', i);
        if (close < 0) throw validationError('csv', `is not valid CSV: the quote opened on line ${lineAt(text, opened)} is never closed`);
        parts += text.slice(i, close);
        if (text.charCodeAt(close + 1) === QUOTE) {
          parts += '"';
          i = close + 2;
        } else {
          i = close + 1;
          break;
        }
      }
      value = parts;
      while (i < n && isBlank(text.charCodeAt(i))) i++;
      const next = i < n ? text.charCodeAt(i) : -1;
      if (next !== -1 && next !== delimiter && next !== CR && next !== LF) {
        throw validationError('csv', `is not valid CSV: unexpected text after a closing quote on line ${lineAt(text, i)}; a quote inside a quoted value is written ""`);
      }
    } else {
      const from = i;
      while (i < n) {
        const code = text.charCodeAt(i);
        if (code === delimiter || code === CR || code === LF) break;
        i++;
      }
      value = text.slice(from, i).trim();
    }
    record.push(value);
    const paused = pause();
    if (paused) await paused;
    if (record.length > limits.maxColumns) {
      const where = records.length === 0 ? 'the header row' : `row ${records.length + 1}`;
      throw validationError('csv', `${where} has more than ${limits.maxColumns} columns; an import takes at most ${limits.maxColumns}`);
    }

    const code = i < n ? text.charCodeAt(i) : -1;
    if (code === delimiter) {
      i++;
      continue;
    }
    // End of record: a line end or the end of the text.
    if (code === CR && text.charCodeAt(i + 1) === LF) i += 2;
    else i++;
    const empty = record.length === 1 && record[0] === '' && !quoted;
    if (!empty) {
      records.push(record);
      if (records.length > limits.maxRows + 1) {
        throw validationError('csv', `has more than ${limits.maxRows} rows after the header; an import takes at most ${limits.maxRows}: split the file`);
      }
    }
    record = [];
  }

  const [headers, ...rows] = records;
  if (!headers) throw validationError('csv', 'needs a header row');
  return { headers, rows };
}
