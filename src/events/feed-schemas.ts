// Shapes of the event feed (spec §9): the page REST and MCP return, and the inputs each surface accepts.
// REST takes `types` as a comma list, MCP as an array; both end in readEventFeed (src/events/feed.ts), which
// checks cursors, limits and names, so the two surfaces answer bad input with the same words.
import { z } from 'zod';
import { EVENT_NAMES, type EventName } from './catalog.js';
import { FEED_LIMIT_DEFAULT, FEED_LIMIT_MAX, LATEST } from './feed.js';

const EventName = z.enum(EVENT_NAMES as [EventName, ...EventName[]]);

export const FeedEnvelopeSchema = z
  .object({
    event: EventName,
    data: z.object({
      userId: z.uuid().nullable(),
      companyId: z.uuid(),
      entityId: z.uuid(),
      payload: z.record(z.string(), z.unknown()).describe('as in the event catalog (docs/webhooks.md)'),
    }),
    timestamp: z.string(),
  })
  .describe('the envelope exactly as webhooks receive it (the same JSON, parsed)');

export const FeedItemSchema = z.object({
  id: z.uuid().describe('the event id: the webhook-id header of its deliveries'),
  event: EventName,
  entityId: z.uuid().describe('the record the event is about'),
  recordVersion: z
    .number()
    .int()
    .nullable()
    .describe('1 for the event that created the record, +1 for each later event about it (X-Webhook-Record-Version)'),
  timestamp: z.string().describe('when the write committed (ISO-8601 UTC)'),
  envelope: FeedEnvelopeSchema,
});

export const FeedPageSchema = z.object({
  items: z.array(FeedItemSchema).describe('events in feed order (stable; per record in recordVersion order); empty when nothing new has committed yet'),
  nextCursor: z.string().describe('pass as `after` to get the events after this page; always present (an empty page returns the cursor it was given)'),
});

const AFTER_TEXT = `a nextCursor from an earlier page; "${LATEST}" for a cursor at the current end (no items); leave out to start at the oldest event kept`;
const LIMIT_ERROR = `must be a whole number from 1 to ${FEED_LIMIT_MAX}`;

export const ListEventsQuery = z.strictObject({
  after: z.string().max(200, { error: 'is not a cursor of this feed' }).optional().describe(AFTER_TEXT),
  limit: z.coerce
    .number({ error: LIMIT_ERROR })
    .int({ error: LIMIT_ERROR })
    .min(1, { error: LIMIT_ERROR })
    .max(FEED_LIMIT_MAX, { error: LIMIT_ERROR })
    .default(FEED_LIMIT_DEFAULT)
    .describe(`events per page, 1–${FEED_LIMIT_MAX} (default ${FEED_LIMIT_DEFAULT})`),
  types: z.string().max(1000, { error: 'is too long' }).optional().describe(`comma-separated event names (of: ${EVENT_NAMES.join(', ')}); default all`),
});

export const ListEventsToolInput = z.strictObject({
  after: z.string({ error: 'must be a string' }).max(200, { error: 'is not a cursor of this feed' }).optional().describe(AFTER_TEXT),
  limit: z
    .number({ error: LIMIT_ERROR })
    .int({ error: LIMIT_ERROR })
    .min(1, { error: LIMIT_ERROR })
    .max(FEED_LIMIT_MAX, { error: LIMIT_ERROR })
    .optional()
    .describe(`events per page, 1–${FEED_LIMIT_MAX} (default ${FEED_LIMIT_DEFAULT})`),
  types: z
    .array(z.string({ error: 'must be an event name' }), { error: 'must be an array of event names' })
    .max(EVENT_NAMES.length * 2, { error: `must hold at most ${EVENT_NAMES.length} event names` })
    .optional()
    .describe(`only these events (of: ${EVENT_NAMES.join(', ')}); default all`),
});
