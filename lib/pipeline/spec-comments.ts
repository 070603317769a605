import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ts from 'typescript';

// The `/** ... */` comments of zod object fields, read from the TypeScript source so that the spec's JSON Schema and
// docs/SPEC.md describe each field in the words written next to it (no second copy to keep in step). zod keeps no
// comments at runtime, so an object of the generated schema is matched to the object literal that declared it by
// its field names. Used at generation time only (`npm run spec:schema`) and by the test that checks it is current.

/** One `z.strictObject({...})` / `z.object({...})` / `.extend({...})` literal of the source. */
export interface ObjectComments {
  file: string;
  keys: ReadonlySet<string>;
  /** Field name → its comment (fields without one are absent). */
  fields: ReadonlyMap<string, string>;
  /** Fields fixed to a string literal (`transform: z.literal('onehot')`): which union member the literal is. */
  consts: ReadonlyMap<string, string>;
  /** The comment on the object itself (on its declaration or before it in a list). */
  comment?: string;
}

/** `z.literal('x')` → 'x'. */
function literalValue(property: ts.ObjectLiteralElementLike): string | undefined {
  if (!ts.isPropertyAssignment(property)) return undefined;
  const init = property.initializer;
  if (!ts.isCallExpression(init) || !ts.isPropertyAccessExpression(init.expression)) return undefined;
  const [arg] = init.arguments;
  return init.expression.name.text === 'literal' && arg && ts.isStringLiteral(arg) ? arg.text : undefined;
}

const OBJECT_BUILDERS = new Set(['strictObject', 'object', 'looseObject', 'extend']);

/** The text of the last doc comment before `node`, on one line. */
function docComment(node: ts.Node, source: ts.SourceFile): string | undefined {
  const ranges = ts.getLeadingCommentRanges(source.text, node.getFullStart()) ?? [];
  const last = ranges.filter((r) => source.text.startsWith('/**', r.pos)).at(-1);
  if (!last) return undefined;
  const text = source.text
    .slice(last.pos + 3, last.end - 2)
    .split('\n')
    .map((line) => line.replace(/^\s*\*?\s?/, '').trim())
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text || undefined;
}

/** The comment of the object built by `call`: on its own expression, a list element, or the const it is bound to. */
function objectComment(call: ts.CallExpression, source: ts.SourceFile): string | undefined {
  let node: ts.Node = call;
  // Climb chained calls (`z.strictObject({...}).refine(...)`) to the whole expression.
  while (
    (ts.isPropertyAccessExpression(node.parent) && node.parent.expression === node) ||
    (ts.isCallExpression(node.parent) && node.parent.expression === node)
  ) {
    node = node.parent;
  }
  const own = docComment(node, source);
  if (own) return own;
  if (ts.isVariableDeclaration(node.parent) && ts.isVariableStatement(node.parent.parent.parent)) {
    return docComment(node.parent.parent.parent, source);
  }
  return undefined;
}

function propertyName(property: ts.ObjectLiteralElementLike): string | undefined {
  if (!ts.isPropertyAssignment(property) && !ts.isShorthandPropertyAssignment(property)) return undefined;
  const name = property.name;
  return ts.isIdentifier(name) || ts.isStringLiteral(name) ? name.text : undefined;
}

/** The doc comments of the file's top-level consts (`/** ... *\/ const numericImpute = ...`), by name. */
function constComments(source: ts.SourceFile): Map<string, string> {
  const out = new Map<string, string>();
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    const comment = docComment(statement, source);
    for (const declaration of statement.declarationList.declarations) {
      if (comment && ts.isIdentifier(declaration.name)) out.set(declaration.name.text, comment);
    }
  }
  return out;
}

/** A field written as a const of the same file (`column,` or `impute: numericImpute`): that const's comment. */
function sharedComment(property: ts.ObjectLiteralElementLike, consts: Map<string, string>): string | undefined {
  if (ts.isShorthandPropertyAssignment(property)) return consts.get(property.name.text);
  if (ts.isPropertyAssignment(property) && ts.isIdentifier(property.initializer)) {
    return consts.get(property.initializer.text);
  }
  return undefined;
}

function objectsOfFile(file: string, text: string): ObjectComments[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const named = constComments(source);
  const found: ObjectComments[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      OBJECT_BUILDERS.has(node.expression.name.text) &&
      node.arguments[0] &&
      ts.isObjectLiteralExpression(node.arguments[0])
    ) {
      const keys = new Set<string>();
      const fields = new Map<string, string>();
      const consts = new Map<string, string>();
      for (const property of node.arguments[0].properties) {
        const name = propertyName(property);
        if (!name) continue;
        keys.add(name);
        const literal = literalValue(property);
        if (literal !== undefined) consts.set(name, literal);
        const comment = docComment(property, source) ?? sharedComment(property, named);
        if (comment) fields.set(name, comment);
      }
      if (keys.size > 0) found.push({ file, keys, fields, consts, comment: objectComment(node, source) });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Relative module specifiers imported by a file (type-only imports included: they cost nothing to read). */
function localImports(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  return source.statements.flatMap((statement) =>
    (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) &&
    statement.moduleSpecifier &&
    ts.isStringLiteral(statement.moduleSpecifier) &&
    statement.moduleSpecifier.text.startsWith('.')
      ? [statement.moduleSpecifier.text]
      : [],
  );
}

function resolveModule(from: string, specifier: string): string | undefined {
  const base = join(dirname(from), specifier);
  return [`${base}.ts`, join(base, 'index.ts')].find((candidate) => existsSync(candidate));
}

/**
 * Every zod object literal of `entry` and of the modules it imports, transitively: exactly the source the spec schema
 * is built from, so a look-alike object elsewhere (a batch job's file source) never lends its comments.
 */
export function readObjectComments(entry: string): ObjectComments[] {
  const seen = new Set<string>();
  const queue = [entry];
  const found: ObjectComments[] = [];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    found.push(...objectsOfFile(file, text));
    for (const specifier of localImports(file, text)) {
      const resolved = resolveModule(file, specifier);
      if (resolved && !seen.has(resolved)) queue.push(resolved);
    }
  }
  return found;
}

function similarity(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  let shared = 0;
  for (const key of a) if (b.has(key)) shared++;
  return shared / (a.size + b.size - shared);
}

/**
 * The comments of a schema object with these field names (and these constant fields, which pick a union member):
 * from the literals most similar to it (exact matches; else `.omit()` and `.extend()` leave partial ones), never
 * from one sharing less than half of its fields or fixing a constant field to another value.
 */
export function commentsFor(
  keys: ReadonlySet<string>,
  objects: readonly ObjectComments[],
  consts: ReadonlyMap<string, unknown> = new Map(),
): { fields: Map<string, string>; comment?: string } {
  const ranked = objects
    .filter((o) => [...o.consts].every(([k, v]) => !consts.has(k) || consts.get(k) === v))
    .map((o) => ({ o, score: similarity(keys, o.keys) }))
    .filter((r) => r.score >= 0.5)
    .sort((a, b) => b.score - a.score);
  const best = ranked.filter((r) => r.score === ranked[0]?.score);
  const fields = new Map<string, string>();
  for (const key of keys) {
    const comment = best.find((r) => r.o.fields.has(key))?.o.fields.get(key);
    if (comment) fields.set(key, comment);
  }
  const comment = best[0] && best[0].score >= 0.8 ? best.find((r) => r.o.comment)?.o.comment : undefined;
  return { fields, comment };
}
