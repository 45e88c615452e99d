// The envelope receivers parse, serialized exactly once per event. Key order is fixed here (event, data,
// timestamp; userId, companyId, entityId, payload) and the resulting string is what gets stored, signed and sent.
import type { EventName, TestEventName } from './catalog.js';

export interface Envelope {
  event: EventName | TestEventName;
  data: {
    userId: string | null;
    companyId: string;
    entityId: string;
    payload: Record<string, unknown>;
  };
  timestamp: string;
}

export function serializeEnvelope(envelope: Envelope): string {
  const { event, data, timestamp } = envelope;
  return JSON.stringify({
    event,
    data: { userId: data.userId, companyId: data.companyId, entityId: data.entityId, payload: data.payload },
    timestamp,
  });
}
