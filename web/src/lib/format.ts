// Display helpers shared by tables and drawers.
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return date.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(2)} s`;
}

export function prettyJson(text: string | null | undefined): string {
  if (!text) return '';
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** Plain text of a Tiptap document (notes), for editing in a textarea. */
export function notesToText(notes: unknown): string {
  if (notes === null || notes === undefined) return '';
  if (typeof notes === 'string') return notes;
  const blocks: string[] = [];
  const walk = (node: unknown, out: string[]) => {
    if (!node || typeof node !== 'object') return;
    const { type, text, content } = node as { type?: string; text?: string; content?: unknown[] };
    if (typeof text === 'string') out.push(text);
    if (type === 'hardBreak') out.push('\n');
    if (Array.isArray(content)) for (const child of content) walk(child, out);
  };
  const top = (notes as { content?: unknown[] }).content ?? [];
  for (const block of top) {
    const parts: string[] = [];
    walk(block, parts);
    blocks.push(parts.join(''));
  }
  return blocks.join('\n');
}

export function randomSecret(bytes = 32): string {
  const buffer = new Uint8Array(bytes);
  crypto.getRandomValues(buffer);
  return Array.from(buffer, (b) => b.toString(16).padStart(2, '0')).join('');
}
