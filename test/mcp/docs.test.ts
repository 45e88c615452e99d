import fs from 'node:fs';
import { expect, it } from 'vitest';
import { renderToolCatalog, replaceToolCatalog } from '../../src/mcp/catalog-docs.js';
import { TOOLS } from '../../src/mcp/tools/index.js';

it('docs/mcp.md carries the catalog generated from the tool definitions (run `npm run docs` after changing a tool)', () => {
  const committed = fs.readFileSync(new URL('../../docs/mcp.md', import.meta.url), 'utf8');
  expect(replaceToolCatalog(committed, renderToolCatalog())).toBe(committed);
  for (const tool of TOOLS) expect(committed).toContain(`### \`${tool.name}\``);
});
