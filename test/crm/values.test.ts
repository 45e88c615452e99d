import { describe, expect, it } from 'vitest';
import { checkColumnValue, type ColumnDef, type ColumnType } from '../../src/crm/custom-columns/values.js';
import { normalizeNotes, plainTextToDoc } from '../../src/crm/notes.js';

const column = (type: ColumnType): ColumnDef => ({ id: 'c', name: 'Col', type, options: [{ value: 'won', label: 'Won' }] });

describe('custom values by column type', () => {
  const cases: Array<[ColumnType, string, string | null]> = [
    ['text', ' any text ', ' any text '],
    ['number', '42', '42'],
    ['number', '-3.50', '-3.5'],
    ['number', '1e3', '1000'],
    ['number', 'twelve', null],
    ['number', '1,5', null],
    ['currency', '1200.5', '1200.50'],
    ['currency', '19.999', null],
    ['date', '2026-02-28', '2026-02-28'],
    ['date', '2026-02-30', null],
    ['date', '28.02.2026', null],
    ['singleSelect', 'won', 'won'],
    ['singleSelect', 'WON', 'won'],
    ['singleSelect', 'lost', null],
    ['email', 'Ada@Example.com', 'ada@example.com'],
    ['email', 'ada@', null],
    ['phone', '+49 (30) 123-456', '+49 (30) 123-456'],
    ['phone', 'call me', null],
    ['link', 'https://example.com/x', 'https://example.com/x'],
    ['link', 'javascript:alert(1)', null],
    ['link', 'example.com', null],
  ];
  it.each(cases)('%s %j', (type, raw, expected) => {
    const result = checkColumnValue(column(type), raw);
    if (expected === null) {
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.message).toContain(raw);
    } else {
      expect(result).toEqual({ ok: true, value: expected });
    }
  });
});

describe('notes', () => {
  it('turns plain text into one paragraph per line', () => {
    expect(plainTextToDoc('a\n\nb')).toEqual({
      type: 'doc',
      content: [{ type: 'paragraph', content: [{ type: 'text', text: 'a' }] }, { type: 'paragraph' }, { type: 'paragraph', content: [{ type: 'text', text: 'b' }] }],
    });
  });

  it('keeps a Tiptap document, clears on null or blank, rejects other shapes naming the field', () => {
    const doc = { type: 'doc', content: [{ type: 'heading', attrs: { level: 2 }, content: [{ type: 'text', text: 'x', marks: [{ type: 'bold' }] }] }] };
    expect(normalizeNotes(doc)).toBe(doc);
    expect(normalizeNotes(null)).toBeNull();
    expect(normalizeNotes('   ')).toBeNull();
    expect(() => normalizeNotes({ type: 'paragraph' }, 'items.2.notes')).toThrow(/^items\.2\.notes: .*root node/);
    expect(() => normalizeNotes({ type: 'doc', content: [{ text: 'no type' }] })).toThrow(/type/);
    expect(() => normalizeNotes('x'.repeat(200 * 1024))).toThrow(/KiB/);
  });
});
