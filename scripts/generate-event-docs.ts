// `npm run docs`: renders the event catalog from src/events/schemas.ts into docs/webhooks.md, between
// <!-- events:start --> and <!-- events:end -->. The rest of the file is written by hand.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EVENTS_END, EVENTS_START, renderEventCatalog, replaceEventCatalog } from '../src/events/catalog-docs.js';

const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../docs/webhooks.md');
const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : `# Webhooks\n\n${EVENTS_START}\n${EVENTS_END}\n`;
const next = replaceEventCatalog(current, renderEventCatalog());
if (next === current) {
  console.log('docs/webhooks.md is up to date');
} else {
  fs.writeFileSync(file, next);
  console.log('docs/webhooks.md: event catalog updated');
}
