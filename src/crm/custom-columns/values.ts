// Custom field values are strings; each column type decides what a valid string is and how it is normalized
// (numbers canonical, emails lower-cased, a singleSelect option given by value or label stored as its value).
export const COLUMN_TYPES = ['text', 'number', 'currency', 'date', 'singleSelect', 'email', 'phone', 'link'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

export interface SelectOption {
  value: string;
  label: string;
}

export interface ColumnDef {
  id: string;
  name: string;
  type: ColumnType;
  options: SelectOption[];
}

export type ValueCheck = { ok: true; value: string } | { ok: false; message: string };

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^\+?[0-9 ().\-/]{3,40}$/;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const CURRENCY = /^[+-]?\d+(\.\d{1,2})?$/;

export function isValidIsoDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** Checks one non-empty value against its column; returns the normalized string or a message saying what is allowed. */
export function checkColumnValue(column: ColumnDef, raw: string): ValueCheck {
  const value = raw.trim();
  switch (column.type) {
    case 'text':
      return { ok: true, value: raw };
    case 'number':
      if (!NUMBER.test(value) || !Number.isFinite(Number(value))) return { ok: false, message: `"${raw}" is not a number (e.g. 42 or -3.5)` };
      return { ok: true, value: String(Number(value)) };
    case 'currency':
      if (!CURRENCY.test(value)) return { ok: false, message: `"${raw}" is not an amount with at most 2 decimals (e.g. 1200.50)` };
      return { ok: true, value: Number(value).toFixed(2) };
    case 'date':
      if (!isValidIsoDate(value)) return { ok: false, message: `"${raw}" is not a date as YYYY-MM-DD` };
      return { ok: true, value };
    case 'singleSelect': {
      const option =
        column.options.find((o) => o.value === value) ?? column.options.find((o) => o.label.toLowerCase() === value.toLowerCase());
      if (!option) {
        const allowed = column.options.map((o) => `"${o.value}"`).join(', ') || 'none defined';
        return { ok: false, message: `"${raw}" is not an option of "${column.name}"; allowed values: ${allowed}` };
      }
      return { ok: true, value: option.value };
    }
    case 'email':
      if (value.length > 254 || !EMAIL.test(value)) return { ok: false, message: `"${raw}" is not an email address such as ada@example.com` };
      return { ok: true, value: value.toLowerCase() };
    case 'phone':
      if (!PHONE.test(value) || (value.match(/\d/g)?.length ?? 0) < 3) return { ok: false, message: `"${raw}" is not a phone number (digits, spaces, + ( ) - . /)` };
      return { ok: true, value };
    case 'link': {
      let url: URL | null = null;
      try {
        url = new URL(value);
      } catch {
        url = null;
      }
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) return { ok: false, message: `"${raw}" is not an http(s) URL` };
      return { ok: true, value };
    }
  }
}
