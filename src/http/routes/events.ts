// REST for the event feed (spec §9): GET /events pages through every event of the company once, in a stable order.
// Any signed-in user or API key may read it; it is scoped to the caller's company.
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { readEventFeed } from '../../events/feed.js';
import { FeedPageSchema, ListEventsQuery } from '../../events/feed-schemas.js';
import type { HttpEnv } from '../env.js';
import { errorResponses, jsonResponse, principalOf } from '../openapi.js';

export function eventRoutes() {
  const app = new OpenAPIHono<HttpEnv>();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/events',
      tags: ['events'],
      summary: 'The event feed: every event of your company exactly once, in a stable order, page by page',
      description:
        'Call with `after` = the previous page’s `nextCursor` to continue; an empty page means nothing newer has committed yet (poll again). ' +
        'An event shows up once its write, and every transaction that was writing when it was written, have ended: a long-running transaction on the database server delays the feed (never skips). ' +
        'A cursor from before events were deleted by retention answers 410.',
      request: { query: ListEventsQuery },
      responses: {
        200: jsonResponse(FeedPageSchema.openapi('EventFeedPage'), 'One page of events'),
        400: errorResponses[400],
        401: errorResponses[401],
        410: { description: 'The cursor points to events that were deleted (retention); start again without `after`', content: errorResponses[400].content },
      },
    }),
    async (c) => c.json(await readEventFeed(c.var.ctx.db, principalOf(c), c.req.valid('query')), 200),
  );

  return app;
}
