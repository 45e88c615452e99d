// Renders the MCP tool catalog into docs/mcp.md between <!-- tools:start --> and <!-- tools:end -->.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { replaceToolCatalog } from '../src/mcp/catalog-docs.js';

const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../docs/mcp.md');
const current = fs.readFileSync(file, 'utf8');
const next = replaceToolCatalog(current);
if (next === current) console.log('docs/mcp.md is up to date');
else {
  fs.writeFileSync(file, next);
  console.log('docs/mcp.md: tool catalog updated');
}
