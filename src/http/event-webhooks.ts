// The OpenAPI 3.1 `webhooks` section: one entry per event, a POST whose body is the envelope with that event's
// payload. Built from src/events/schemas.ts, the same schemas the event catalog in docs/webhooks.md renders.
import { OpenAPIHono } from '@hono/zod-openapi';
import { EVENT_NAMES } from '../events/catalog.js';
import { describeEvent, envelopeSchema } from '../events/schemas.js';
import { exampleEnvelope } from '../events/examples.js';

type Document = ReturnType<OpenAPIHono['getOpenAPI31Document']>;

export function addEventWebhooks(document: Document): Document {
  const registry = new OpenAPIHono();
  for (const name of EVENT_NAMES) {
    registry.openAPIRegistry.registerWebhook({
      method: 'post',
      path: name,
      summary: name,
      description: describeEvent(name),
      request: {
        body: {
          required: true,
          description: 'The envelope; sign-check the raw bytes with X-Webhook-Signature before parsing',
          content: { 'application/json': { schema: envelopeSchema(name), example: exampleEnvelope(name) } },
        },
      },
      responses: { 200: { description: 'Any 2xx answer within the timeout marks the delivery successful' } },
    });
  }
  const generated = registry.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 'events', version: '1' } });
  return {
    ...document,
    webhooks: generated.webhooks,
    components: { ...document.components, schemas: { ...document.components?.schemas, ...generated.components?.schemas } },
  };
}
