// Adding and removing links one relation at a time (MCP's link_entities / unlink_entities, the UI's link
// pickers). Both sides of each pair that moved get `*.updated`.
import type { Principal } from '../auth/principal.js';
import type { DbOrTx } from '../db/pool.js';
import { notFound, validationError } from '../errors.js';
import { linkedIds } from './commands.js';
import { deleteLinks, insertLinks, linkRow } from './mutations.js';
import { MAX_LINKS_PER_FIELD } from './schemas.js';
import { RECORD_PLURALS, RELATIONS, type RecordDtoByType, type RecordType } from './types.js';
import { openWrite } from './write.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Accepts the DTO field (`organizationIds`, `services`) or the plural type name (`organizations`). */
export function resolveRelation(type: RecordType, relation: string): { field: string; target: RecordType } {
  const relations = RELATIONS[type] as Record<string, RecordType>;
  for (const [field, target] of Object.entries(relations)) {
    if (relation === field || relation === RECORD_PLURALS[target] || relation === target || relation === `${target}Ids`) return { field, target };
  }
  const allowed = Object.keys(relations).map((f) => `"${f}"`).join(', ');
  throw validationError('relation', `"${relation}" is not a relation of ${type} records; allowed: ${allowed}`);
}

function checkIds(ids: unknown): string[] {
  if (!Array.isArray(ids) || ids.length < 1 || ids.length > MAX_LINKS_PER_FIELD) throw validationError('ids', `must hold 1 to ${MAX_LINKS_PER_FIELD} ids`);
  ids.forEach((id, index) => {
    if (typeof id !== 'string' || !UUID.test(id)) throw validationError(`ids.${index}`, 'must be a UUID');
  });
  return [...new Set(ids as string[])];
}

async function changeLinks<T extends RecordType>(
  db: DbOrTx,
  principal: Principal,
  type: T,
  sourceId: string,
  relation: string,
  rawIds: unknown,
  mode: 'link' | 'unlink',
): Promise<RecordDtoByType[T]> {
  const { field, target } = resolveRelation(type, relation);
  const ids = checkIds(rawIds);
  if (typeof sourceId !== 'string' || !UUID.test(sourceId)) throw validationError('sourceId', 'must be a UUID');
  return db.transaction(async (tx) => {
    const write = openWrite(tx, principal);
    await write.track([sourceId]);
    const source = write.before(sourceId);
    if (!source || source.type !== type) throw notFound(type, sourceId);
    const targets = ids.map((id) => ({ id, quantity: target === 'service' && type === 'deal' ? 1 : null }));
    // Lock the targets before checking them: a target deleted after an unlocked check would make the link
    // insert fail on its foreign key. Locked, a concurrent delete either committed first (the target is
    // missing here: a 400) or waits for this write's commit.
    await write.track(ids);
    const missing = ids.findIndex((id) => write.before(id)?.type !== target);
    if (missing >= 0) throw validationError(`ids.${missing}`, `${target} ${ids[missing]} was not found`);
    if (mode === 'link') {
      // An existing deal → service link keeps its quantity: linking again is a no-op.
      const current = new Set(linkedIds(source.dto as Record<string, unknown>, field));
      await insertLinks(tx, targets.filter((t) => !current.has(t.id)).map((t) => linkRow(principal.companyId, type, sourceId, target, t)));
    } else {
      await deleteLinks(tx, type, sourceId, target, { only: ids });
    }
    const after = await write.finish();
    return after.get(sourceId)!.dto as RecordDtoByType[T];
  });
}

export function linkRecords<T extends RecordType>(db: DbOrTx, principal: Principal, type: T, sourceId: string, relation: string, ids: string[]) {
  return changeLinks(db, principal, type, sourceId, relation, ids, 'link');
}

export function unlinkRecords<T extends RecordType>(db: DbOrTx, principal: Principal, type: T, sourceId: string, relation: string, ids: string[]) {
  return changeLinks(db, principal, type, sourceId, relation, ids, 'unlink');
}
