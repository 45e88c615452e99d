// Notes arrive as a Tiptap JSON document or as plain text and are always stored as a Tiptap document.
// Plain text becomes one paragraph per line (empty lines stay as empty paragraphs, so spacing survives).
import { validationError } from '../errors.js';

export interface TiptapNode {
  type: string;
  attrs?: Record<string, unknown>;
  content?: TiptapNode[];
  marks?: Array<{ type: string; attrs?: Record<string, unknown> }>;
  text?: string;
}
export interface TiptapDoc extends TiptapNode {
  type: 'doc';
}

export const NOTES_MAX_BYTES = 100 * 1024;
const MAX_DEPTH = 30;

export function plainTextToDoc(text: string): TiptapDoc {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  return {
    type: 'doc',
    content: lines.map((line) => (line === '' ? { type: 'paragraph' } : { type: 'paragraph', content: [{ type: 'text', text: line }] })),
  };
}

/** Normalizes notes input: null/empty → null, text → doc, doc → checked doc. Throws naming `field`. */
export function normalizeNotes(input: unknown, field = 'notes'): TiptapDoc | null {
  if (input === null || input === undefined) return null;
  if (typeof input === 'string') {
    if (input.trim() === '') return null;
    if (Buffer.byteLength(input) > NOTES_MAX_BYTES) throw validationError(field, `must be at most ${NOTES_MAX_BYTES / 1024} KiB`);
    return plainTextToDoc(input);
  }
  const problem = checkNode(input, 0, true);
  if (problem) throw validationError(field, `must be plain text or a Tiptap document ({"type":"doc","content":[…]}); ${problem}`);
  if (Buffer.byteLength(JSON.stringify(input)) > NOTES_MAX_BYTES) throw validationError(field, `must be at most ${NOTES_MAX_BYTES / 1024} KiB`);
  return input as TiptapDoc;
}

function checkNode(node: unknown, depth: number, isRoot: boolean): string | null {
  if (depth > MAX_DEPTH) return `nested deeper than ${MAX_DEPTH} levels`;
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return 'every node must be an object';
  const n = node as Record<string, unknown>;
  if (typeof n.type !== 'string' || n.type === '') return 'every node needs a string "type"';
  if (isRoot && n.type !== 'doc') return `the root node must have type "doc", got "${n.type}"`;
  if (n.text !== undefined && typeof n.text !== 'string') return '"text" must be a string';
  if (n.attrs !== undefined && (typeof n.attrs !== 'object' || n.attrs === null || Array.isArray(n.attrs))) return '"attrs" must be an object';
  if (n.marks !== undefined && (!Array.isArray(n.marks) || n.marks.some((m) => typeof m !== 'object' || m === null || typeof (m as { type?: unknown }).type !== 'string'))) {
    return '"marks" must be an array of {type}';
  }
  if (n.content !== undefined) {
    if (!Array.isArray(n.content)) return '"content" must be an array';
    for (const child of n.content) {
      const problem = checkNode(child, depth + 1, false);
      if (problem) return problem;
    }
  }
  return null;
}
