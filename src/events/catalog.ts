// The fifteen event names of the contract: five record types × created | updated | deleted.
export const RECORD_TYPES = ['contact', 'organization', 'deal', 'service', 'task'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

export const EVENT_ACTIONS = ['created', 'updated', 'deleted'] as const;
export type EventAction = (typeof EVENT_ACTIONS)[number];

export type EventName = `${RecordType}.${EventAction}`;

export const EVENT_NAMES = RECORD_TYPES.flatMap((type) => EVENT_ACTIONS.map((action) => `${type}.${action}` as EventName));

/**
 * The test event (POST /webhooks/{id}/test): sent to one webhook on an admin's request. It is not a CRM change,
 * so it is never fanned out to other webhooks, never recovered and never listed in the event feed.
 */
export const TEST_EVENT_NAME = 'webhook.test';
export type TestEventName = typeof TEST_EVENT_NAME;

export function isEventName(value: unknown): value is EventName {
  return typeof value === 'string' && (EVENT_NAMES as readonly string[]).includes(value);
}

/**
 * Snapshot events (spec §13): the current state of one record, sent by a backfill to the one webhook it was
 * started for (src/webhooks/backfill.ts), payload `{X: dto}`. Not CRM changes: webhooks cannot subscribe to
 * them, they are never fanned out and the event feed does not list them.
 */
export const SNAPSHOT_EVENT_NAMES = RECORD_TYPES.map((type) => `${type}.snapshot` as const);
export type SnapshotEventName = (typeof SNAPSHOT_EVENT_NAMES)[number];
