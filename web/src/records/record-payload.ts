// Turns form state into the body of a create or a PATCH. An edit sends only what moved, so saving an unchanged
// form is a no-op on the server (no event, no new updatedAt).
import type { CustomFieldValue, RecordData, RecordType } from '../api/types.js';
import { notesToText } from '../lib/format.js';
import { RECORD_CONFIG } from './record-config.js';

export interface FormState {
  values: Record<string, unknown>;
  custom: Record<string, string>;
  notes: string;
}

export function initialForm(type: RecordType, record: RecordData | null): FormState {
  const config = RECORD_CONFIG[type];
  const values: Record<string, unknown> = {};
  for (const field of config.fields) {
    const current = record?.[field.key];
    if (field.kind === 'emails') values[field.key] = (current as string[] | undefined) ?? [];
    else if (field.kind === 'money') values[field.key] = current ?? '';
    else if (field.kind === 'status') values[field.key] = current ?? 'open';
    else values[field.key] = current ?? '';
  }
  for (const link of config.links) values[link.key] = (record?.[link.key] as string[] | undefined) ?? [];
  if (type === 'deal') values.services = (record?.services as unknown[] | undefined) ?? [];
  values.userIds = (record?.userIds as string[] | undefined) ?? [];
  const custom: Record<string, string> = {};
  for (const entry of (record?.customFieldValues as CustomFieldValue[] | undefined) ?? []) custom[entry.columnId] = entry.value;
  return { values, custom, notes: notesToText(record?.notes) };
}

function normalize(key: string, value: unknown): unknown {
  if (key === 'dueDate') return value === '' ? null : value;
  if (key === 'amount') return value === '' ? undefined : Number(value);
  if (key === 'services') return (value as { serviceId: string; quantity: number }[]).filter((row) => row.serviceId);
  return value;
}

const sameSet = (a: unknown[], b: unknown[]) => {
  const key = (x: unknown) => JSON.stringify(x);
  const left = new Set(a.map(key));
  return left.size === new Set(b.map(key)).size && b.every((x) => left.has(key(x)));
};

/** `required` fields are sent even when empty on a create, so the server names them in its error. */
export function buildPayload(form: FormState, original: RecordData | null, required: string[] = []): Record<string, unknown> {
  const payload: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(form.values)) {
    const value = normalize(key, raw);
    if (value === undefined) continue;
    if (!original) {
      if ((value === '' && !required.includes(key)) || (Array.isArray(value) && value.length === 0)) continue;
      payload[key] = value;
      continue;
    }
    const previous = original[key] ?? (Array.isArray(value) ? [] : null);
    const moved = Array.isArray(value) ? !sameSet(value, (previous as unknown[]) ?? []) : value !== previous && !(value === '' && previous === null);
    if (moved) payload[key] = value;
  }
  const customValues = Object.entries(form.custom)
    .filter(([, value]) => value !== '')
    .map(([columnId, value]) => ({ columnId, value }));
  const originalCustom = (original?.customFieldValues as CustomFieldValue[] | undefined) ?? [];
  if (original ? !sameSet(customValues, originalCustom) : customValues.length > 0) payload.customFieldValues = customValues;
  const originalNotes = notesToText(original?.notes);
  if (form.notes !== originalNotes && (original || form.notes.trim())) payload.notes = form.notes.trim() ? form.notes : null;
  return payload;
}
