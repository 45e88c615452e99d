// The UI's API types are inferred from the server's zod schemas (web/src/api/types.ts); a DTO written by hand there
// would drift from what the server answers. This reads the file with the TypeScript parser and fails on any
// interface or object-shaped type alias other than the few UI-only shapes, and on a value import of a server
// module there (type imports are erased, so no server code reaches the bundle).
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const FILE = new URL('../../web/src/api/types.ts', import.meta.url);
/** UI-side shapes with no server schema of their own: a generic page, a draft filter, a record seen generically. */
const UI_ONLY = new Set(['Page', 'WebhookFilter', 'RecordData']);
/** Server modules whose values (plain constants, no dependencies) the UI may bundle. */
const VALUE_IMPORTS_ALLOWED = new Set(['../../../src/events/catalog.js']);

function handWritten(source: ts.SourceFile): string[] {
  const objectShaped = (type: ts.TypeNode): boolean =>
    ts.isTypeLiteralNode(type) ||
    ((ts.isUnionTypeNode(type) || ts.isIntersectionTypeNode(type)) && type.types.some(objectShaped)) ||
    (ts.isParenthesizedTypeNode(type) && objectShaped(type.type));
  const names: string[] = [];
  for (const statement of source.statements) {
    if (ts.isInterfaceDeclaration(statement)) names.push(statement.name.text);
    if (ts.isTypeAliasDeclaration(statement) && objectShaped(statement.type)) {
      // `Omit<Server, 'x'> & { x: … }` narrows a server type: allowed when the alias also names a server type.
      const narrowsServerType = ts.isIntersectionTypeNode(statement.type) && statement.type.types.some((t) => ts.isTypeReferenceNode(t));
      if (!narrowsServerType) names.push(statement.name.text);
    }
  }
  return names.filter((name) => !UI_ONLY.has(name));
}

function valueImportsOfServer(source: ts.SourceFile): string[] {
  return source.statements
    .filter(ts.isImportDeclaration)
    .filter((d) => !d.importClause?.isTypeOnly)
    .filter((d) => {
      const bindings = d.importClause?.namedBindings;
      // `import { type A, type B }` is erased as well.
      return !(bindings && ts.isNamedImports(bindings) && bindings.elements.every((e) => e.isTypeOnly));
    })
    .map((d) => (d.moduleSpecifier as ts.StringLiteral).text)
    .filter((specifier) => specifier.includes('/src/') && !VALUE_IMPORTS_ALLOWED.has(specifier));
}

const parse = (text: string) => ts.createSourceFile('types.ts', text, ts.ScriptTarget.Latest, true);

describe('web/src/api/types.ts', () => {
  const source = parse(readFileSync(FILE, 'utf8'));

  it('declares no DTO by hand: every DTO is z.output of a server schema', () => {
    expect(handWritten(source)).toEqual([]);
    expect(source.text).toMatch(/export type Webhook = Omit<z\.output<typeof WebhookSchema>/);
    expect(source.text).toMatch(/export type Delivery = z\.output<typeof DeliverySchema>/);
  });

  it('imports server modules as types only', () => {
    expect(valueImportsOfServer(source)).toEqual([]);
  });

  it('would catch a hand-written DTO or a value import', () => {
    const drifted = parse(
      "import { WebhookSchema } from '../../../src/webhooks/schemas.js';\n" +
        'export interface Webhook { id: string }\nexport type Delivery = { id: string; status: string };\nexport type Page<T> = { items: T[] };\n',
    );
    expect(handWritten(drifted)).toEqual(['Webhook', 'Delivery']);
    expect(valueImportsOfServer(drifted)).toEqual(['../../../src/webhooks/schemas.js']);
  });
});
