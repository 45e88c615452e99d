// The event feed as a tool: the same reader as GET /events (src/events/feed.ts), `types` as an array.
import { EVENT_NAMES } from '../../events/catalog.js';
import { FEED_LIMIT_DEFAULT, FEED_LIMIT_MAX, LATEST, readEventFeed } from '../../events/feed.js';
import { FeedPageSchema, ListEventsToolInput } from '../../events/feed-schemas.js';
import { defineTool, READ_ONLY } from '../tool.js';

export const eventTools = [
  defineTool({
    name: 'list_events',
    title: 'List events (the event feed)',
    description:
      'Pages through every CRM event of the company exactly once, in one stable order (a record\'s events in recordVersion order): the same events webhooks receive, without needing a webhook. ' +
      'Each item has id (the event id), event, entityId, recordVersion (1 when the record was created, +1 for each later event about it), timestamp and envelope (the exact JSON a webhook receives). ' +
      `Optional: after (the nextCursor of the previous call; "${LATEST}" for a cursor at the current end; leave out to start at the oldest event kept), ` +
      `limit (1–${FEED_LIMIT_MAX}, default ${FEED_LIMIT_DEFAULT}), types (array of event names of: ${EVENT_NAMES.join(', ')}). ` +
      'Returns {items, nextCursor}; call again with after = nextCursor to continue. An empty items list means nothing newer has committed yet. ' +
      'A cursor from before events were deleted by retention is an error (HTTP 410 in REST): start again without after.',
    input: ListEventsToolInput,
    output: FeedPageSchema,
    annotations: READ_ONLY,
    run: (ctx, principal, input) => readEventFeed(ctx.db, principal, input),
  }),
];
