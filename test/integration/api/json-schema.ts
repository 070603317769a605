// A JSON Schema (2020-12) checker for the subset that zod's toJSONSchema emits, so that the OpenAPI test checks
// responses against the published document itself rather than against the zod schemas it was generated from.

export type Schema = Record<string, unknown>;

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function typeMatches(expected: string, actual: string): boolean {
  return expected === actual || (expected === 'number' && actual === 'integer');
}

const FORMATS: Record<string, (v: string) => boolean> = {
  'date-time': (v) => !Number.isNaN(Date.parse(v)),
  uuid: (v) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v),
};

export function validate(schema: Schema, value: unknown, resolve: (ref: string) => Schema, path = '$'): string[] {
  if (typeof schema.$ref === 'string') return validate(resolve(schema.$ref), value, resolve, path);
  const errors: string[] = [];
  const fail = (message: string) => errors.push(`${path}: ${message}`);
  const actual = typeOf(value);
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((t) => typeMatches(t, actual))) return [`${path}: expected ${types.join('|')}, got ${actual}`];
  }
  if ('const' in schema && JSON.stringify(schema.const) !== JSON.stringify(value))
    fail(`expected ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    fail(`not one of ${JSON.stringify(schema.enum)}`);
  }
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = schema[key] as Schema[] | undefined;
    if (!options) continue;
    const matching = options.filter((s) => validate(s, value, resolve, path).length === 0).length;
    if (key === 'anyOf' ? matching === 0 : matching !== 1)
      fail(`${key}: ${matching} of ${options.length} alternatives match`);
  }
  for (const sub of (schema.allOf as Schema[] | undefined) ?? []) errors.push(...validate(sub, value, resolve, path));
  if (actual === 'string') {
    const text = value as string;
    if (typeof schema.minLength === 'number' && text.length < schema.minLength)
      fail(`shorter than ${schema.minLength}`);
    if (typeof schema.maxLength === 'number' && text.length > schema.maxLength) fail(`longer than ${schema.maxLength}`);
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(text))
      fail(`does not match ${schema.pattern}`);
    const format = FORMATS[schema.format as string];
    if (format && !format(text)) fail(`not a ${String(schema.format)}`);
  }
  if (actual === 'number' || actual === 'integer') {
    const n = value as number;
    if (typeof schema.minimum === 'number' && n < schema.minimum) fail(`below ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && n > schema.maximum) fail(`above ${schema.maximum}`);
  }
  if (actual === 'array') {
    const items = value as unknown[];
    if (typeof schema.minItems === 'number' && items.length < schema.minItems)
      fail(`fewer than ${schema.minItems} items`);
    if (typeof schema.maxItems === 'number' && items.length > schema.maxItems)
      fail(`more than ${schema.maxItems} items`);
    if (schema.items)
      items.forEach((item, i) => errors.push(...validate(schema.items as Schema, item, resolve, `${path}[${i}]`)));
  }
  if (actual === 'object') {
    const object = value as Record<string, unknown>;
    const properties = (schema.properties as Record<string, Schema> | undefined) ?? {};
    for (const required of (schema.required as string[] | undefined) ?? []) {
      if (!(required in object)) fail(`missing required property "${required}"`);
    }
    for (const [key, item] of Object.entries(object)) {
      const itemPath = `${path}.${key}`;
      if (properties[key]) errors.push(...validate(properties[key], item, resolve, itemPath));
      else if (schema.additionalProperties === false) fail(`unexpected property "${key}"`);
      else if (typeof schema.additionalProperties === 'object') {
        errors.push(...validate(schema.additionalProperties as Schema, item, resolve, itemPath));
      }
      if (schema.propertyNames)
        errors.push(...validate(schema.propertyNames as Schema, key, resolve, `${itemPath}(name)`));
    }
  }
  return errors;
}
