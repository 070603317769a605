import type { z } from 'zod';

// The fields an object of a zod schema allows at a given path of a document, so an unknown key can be answered with
// the closest known one ("tpye" → "type"). Walks zod 4's public `_zod.def` of the schema alongside the document.

type AnySchema = z.core.$ZodType;
interface Def {
  type: string;
  innerType?: AnySchema;
  in?: AnySchema;
  out?: AnySchema;
  shape?: Record<string, AnySchema>;
  element?: AnySchema;
  valueType?: AnySchema;
  options?: AnySchema[];
  discriminator?: string;
  getter?: () => AnySchema;
}

const defOf = (schema: AnySchema): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** The schema under wrappers that do not change an object's fields (optional, default, pipes, ...). */
function unwrap(schema: AnySchema): AnySchema {
  let current = schema;
  for (let i = 0; i < 20; i++) {
    const def = defOf(current);
    const next =
      def.innerType ?? (def.type === 'pipe' ? def.in : undefined) ?? (def.type === 'lazy' ? def.getter?.() : undefined);
    if (!next) return current;
    current = next;
  }
  return current;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The options of a union that may describe `value`: the one its discriminator names, else every object option. */
function candidates(def: Def, value: unknown): AnySchema[] {
  const options = (def.options ?? []).map(unwrap).filter((o) => defOf(o).type !== 'union' || true);
  const objects = options.flatMap((o) => (defOf(o).type === 'union' ? candidates(defOf(o), value) : [o]));
  if (def.discriminator && isRecord(value)) {
    const tag = value[def.discriminator];
    const match = objects.filter((o) => {
      const field = defOf(o).shape?.[def.discriminator as string];
      const values = field ? (defOf(unwrap(field)) as { values?: unknown[] }).values : undefined;
      return values?.includes(tag);
    });
    if (match.length > 0) return match;
  }
  return objects.filter((o) => defOf(o).type === 'object' || defOf(o).type === 'union');
}

/** Every schema the value at `path` of `document` may have been checked against. */
function schemasAt(schema: AnySchema, path: ReadonlyArray<PropertyKey>, document: unknown): AnySchema[] {
  let current: Array<{ schema: AnySchema; value: unknown }> = [{ schema, value: document }];
  for (const segment of path) {
    const next: Array<{ schema: AnySchema; value: unknown }> = [];
    for (const { schema: s, value } of current) {
      const inner = unwrap(s);
      const def = defOf(inner);
      const child =
        isRecord(value) || Array.isArray(value) ? (value as Record<PropertyKey, unknown>)[segment] : undefined;
      if (def.type === 'object' && def.shape && typeof segment === 'string' && def.shape[segment]) {
        next.push({ schema: def.shape[segment], value: child });
      } else if (def.type === 'array' && def.element) next.push({ schema: def.element, value: child });
      else if (def.type === 'record' && def.valueType) next.push({ schema: def.valueType, value: child });
      else if (def.type === 'union') {
        for (const option of candidates(def, value)) {
          const o = defOf(option);
          const field = typeof segment === 'string' ? o.shape?.[segment] : undefined;
          if (field) next.push({ schema: field, value: child });
        }
      }
    }
    current = next;
  }
  return current.map((c) => c.schema);
}

function keysOf(schema: AnySchema, value: unknown): string[] {
  const inner = unwrap(schema);
  const def = defOf(inner);
  if (def.type === 'object') return Object.keys(def.shape ?? {});
  if (def.type === 'union') return candidates(def, value).flatMap((o) => keysOf(o, value));
  return [];
}

/** The field names allowed at `path` of `document` (empty when the schema has no object there). */
export function knownKeysAt(schema: AnySchema, path: ReadonlyArray<PropertyKey>, document: unknown): string[] {
  const value = path.reduce<unknown>(
    (node, key) => (isRecord(node) || Array.isArray(node) ? (node as Record<PropertyKey, unknown>)[key] : undefined),
    document,
  );
  return [...new Set(schemasAt(schema, path, document).flatMap((s) => keysOf(s, value)))];
}
