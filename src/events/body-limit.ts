// The upper bound of an event body (spec §11). Receivers size their raw-body limit by it (docs/webhooks.md),
// and every body is checked against it before it is stored, so a write that would publish a larger event is
// refused whole (413 `event_too_large`), never truncated. The check is pure: the body is already serialized.
//
// Why 1 MiB: an `*.updated` event carries a link field three times (the DTO, `changes.previous`,
// `changes.current`), ~39 bytes per id, so 1 MiB still fits a record with about 8 900 links; 256 KiB would
// stop at about 2 200 contacts per organization, which real CRMs exceed.
import { AppError } from '../errors.js';

export const MAX_EVENT_BODY_BYTES = 1024 * 1024;

export interface SizedDraft {
  name: string;
  entityId: string;
  payload: Record<string, unknown>;
}

/** `event_too_large`, with the record whose event it is (CSV import maps it back to a row). */
export class EventTooLargeError extends AppError {
  constructor(
    message: string,
    field: string | undefined,
    readonly entityId: string,
  ) {
    super('event_too_large', message, field);
  }
}

/** Throws `event_too_large`, naming the record and its largest field, when `body` exceeds the bound. */
export function assertEventBodyFits(body: string, draft: SizedDraft): void {
  // Cheap first: a UTF-8 body is at most 3 bytes per UTF-16 unit, and at least 1.
  if (body.length * 3 <= MAX_EVENT_BODY_BYTES) return;
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes <= MAX_EVENT_BODY_BYTES) return;
  const largest = largestField(draft.payload);
  const what = largest ? `; its largest field is ${largest.field} (${describe(largest)})` : '';
  throw new EventTooLargeError(
    `${largest ? `${largest.field}: ` : ''}this write would publish ${draft.name} for ${draft.entityId} with a ${bytes}-byte body${what}; ` +
      `an event body holds at most ${MAX_EVENT_BODY_BYTES} bytes (1 MiB). Nothing was written: link fewer records or store less in custom fields or notes.`,
    largest?.field,
    draft.entityId,
  );
}

interface FieldSize {
  field: string;
  bytes: number;
  items: number | null;
}

/**
 * The record field that weighs most in the payload: a DTO field counted together with its `changes` entry
 * (previous and current), so a link field names the relation that made the event large.
 */
export function largestField(payload: Record<string, unknown>): FieldSize | null {
  const sizes = new Map<string, FieldSize>();
  const add = (field: string, value: unknown, items: number | null) => {
    const bytes = Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
    const known = sizes.get(field);
    if (known) known.bytes += bytes;
    else sizes.set(field, { field, bytes, items });
  };
  for (const [key, value] of Object.entries(payload)) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) continue;
    for (const [field, inner] of Object.entries(value as Record<string, unknown>)) {
      if (key === 'changes') add(field, inner, null);
      else add(field, inner, Array.isArray(inner) ? inner.length : null);
    }
  }
  let largest: FieldSize | null = null;
  for (const size of sizes.values()) if (!largest || size.bytes > largest.bytes) largest = size;
  return largest;
}

function describe(size: FieldSize): string {
  const kib = `${Math.round(size.bytes / 1024)} KiB`;
  if (size.items === null) return kib;
  return `${size.items} ${size.field.endsWith('Ids') || size.field === 'services' ? 'links' : 'entries'}, ${kib}`;
}
