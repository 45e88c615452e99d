// Plug point between the outbox and the delivery engine: for each published event, one delivery row per
// enabled webhook of its company subscribed to that event, inserted in the same transaction.
import type { Tx } from '../db/pool.js';
import type { PublishedEvent } from '../events/publish.js';

export async function enqueueDeliveries(_tx: Tx, _events: readonly PublishedEvent[]): Promise<void> {
  // Filled in by the delivery engine (webhook subscriptions do not exist yet).
}
