// The shape of every record write: read the before-image of each record the write may change (locked),
// change rows, read the after-image, and publish one event per record that moved — `created`, `deleted`, or
// `updated` with its `changes` — in the caller's transaction. Records whose DTO did not move get no event and
// keep their `updatedAt`. Fan-out (the other side of a link, deals of a repriced service) is just more ids
// tracked before the change.
import type { Principal } from '../auth/principal.js';
import type { Tx } from '../db/pool.js';
import type { EventDraft } from '../events/publish.js';
import { publishEvents } from '../events/publish.js';
import { computeChanges, hasChanges } from './changes.js';
import { loadDtos, touchRecords, type LoadedRecord } from './store.js';

export interface RecordWrite {
  /** Reads and locks the before-image of records this write may change. Call before changing them. */
  track(ids: Iterable<string>): Promise<void>;
  /**
   * Marks records inserted by this write (they get `created`). `inserted` may hold their after-images when the
   * caller already read them back and nothing else in the write changes them; the others are read in finish.
   */
  created(ids: Iterable<string>, inserted?: ReadonlyMap<string, LoadedRecord>): void;
  /** Marks tracked records this write deletes (they get `deleted` with their before-image). */
  deleted(ids: Iterable<string>): void;
  before(id: string): LoadedRecord | undefined;
  /** Publishes the events; returns the after-image of every record still present. */
  finish(): Promise<Map<string, LoadedRecord>>;
}

export function openWrite(tx: Tx, principal: Principal): RecordWrite {
  const order: string[] = [];
  const seen = new Set<string>();
  const before = new Map<string, LoadedRecord>();
  const created = new Set<string>();
  const deleted = new Set<string>();
  const known = new Map<string, LoadedRecord>();
  const remember = (id: string) => {
    if (!seen.has(id)) {
      seen.add(id);
      order.push(id);
    }
  };

  return {
    async track(ids) {
      const fresh = [...new Set(ids)].filter((id) => !seen.has(id));
      if (fresh.length === 0) return;
      const loaded = await loadDtos(tx, principal.companyId, fresh, { lock: true });
      for (const id of fresh) {
        remember(id);
        const dto = loaded.get(id);
        if (dto) before.set(id, dto);
      }
    },
    created(ids, inserted) {
      for (const id of ids) {
        remember(id);
        created.add(id);
        const row = inserted?.get(id);
        if (row) known.set(id, row);
      }
    },
    deleted(ids) {
      for (const id of ids) deleted.add(id);
    },
    before: (id) => before.get(id),
    async finish() {
      const after = await loadDtos(tx, principal.companyId, order.filter((id) => !deleted.has(id) && !known.has(id)));
      for (const [id, row] of known) after.set(id, row);
      const now = new Date();
      const drafts: EventDraft[] = [];
      const moved: string[] = [];
      // Created and deleted records first, then the records the write reached through links.
      const rank = (id: string) => (created.has(id) ? 0 : deleted.has(id) ? 1 : 2);
      for (const id of [...order].sort((a, b) => rank(a) - rank(b))) {
        const previous = before.get(id);
        const current = after.get(id);
        // Record versions: 1 for `created` (the row's default); otherwise the version read under the lock + 1,
        // which touchRecords stores for updates. The lock is held to commit, so versions follow commit order; the
        // feed position is at least the previous event's (xidFloor), so the feed lists them in that order too.
        if (created.has(id) && current) {
          drafts.push({ name: `${current.type}.created`, entityId: id, recordVersion: current.version, payload: { [current.type]: current.dto } });
        } else if (deleted.has(id) && previous) {
          const { type, dto } = previous;
          drafts.push({ name: `${type}.deleted`, entityId: id, recordVersion: previous.version + 1, xidFloor: previous.lastEventXid, payload: { [`${type}Id`]: id, [type]: dto } });
        } else if (previous && current) {
          const changes = computeChanges(previous.dto as Record<string, unknown>, current.dto as Record<string, unknown>);
          if (!hasChanges(changes)) continue;
          current.dto.updatedAt = now.toISOString();
          moved.push(id);
          drafts.push({ name: `${current.type}.updated`, entityId: id, recordVersion: previous.version + 1, xidFloor: previous.lastEventXid, payload: { [current.type]: current.dto, changes } });
        }
      }
      await touchRecords(tx, moved, now.toISOString());
      await publishEvents(tx, { companyId: principal.companyId, userId: principal.userId }, drafts, now);
      return after;
    },
  };
}
