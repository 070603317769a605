import type { z } from 'zod';
import { knownKeysAt } from './schema-keys';
import { closestName } from './suggest';

export interface SpecIssue {
  path: string;
  message: string;
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>(
    (acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)),
    '',
  );
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  return path.reduce<unknown>(
    (node, key) => (node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined),
    root,
  );
}

type Issue = z.core.$ZodIssue;

/**
 * zod reports a value that fits no member of a union as "Invalid input". A discriminated member that recognised the
 * object knows better (e.g. an unknown `transform`): say which field, what was given and what is allowed.
 */
function explainUnion(issue: Extract<Issue, { code: 'invalid_union' }>, input: unknown): string {
  // A discriminated union whose discriminator matched no option reports it at the discriminator's own path.
  if ('discriminator' in issue && issue.discriminator && issue.errors.length === 0) {
    const options = ('options' in issue ? (issue.options as unknown[]) : []).map(String);
    return `must be one of ${options.join(', ')} (got ${JSON.stringify(valueAt(input, issue.path))})`;
  }
  for (const branch of issue.errors) {
    for (const inner of branch) {
      if (inner.code === 'invalid_union' && 'discriminator' in inner && inner.discriminator) {
        const options = ('options' in inner ? (inner.options as unknown[]) : []).map(String);
        const given = valueAt(input, [...issue.path, inner.discriminator as string]);
        return `"${String(inner.discriminator)}" must be one of ${options.join(', ')} (got ${JSON.stringify(given)})`;
      }
    }
  }
  return issue.message;
}

/** One issue per unknown field, naming it at its full path, with the closest allowed field and the list of them. */
function unknownFields(
  issue: Extract<Issue, { code: 'unrecognized_keys' }>,
  input: unknown,
  schema: z.core.$ZodType | undefined,
): SpecIssue[] {
  const known = schema ? knownKeysAt(schema, issue.path, input) : [];
  return issue.keys.map((key) => {
    const match = closestName(key, known);
    const hint = match ? ` Did you mean "${match}"?` : '';
    const allowed = known.length > 0 ? ` Allowed here: ${known.join(', ')}.` : '';
    return {
      path: formatPath([...issue.path, key]),
      message: `unknown field "${key}": it is not part of the spec and would be ignored.${hint}${allowed}`,
    };
  });
}

/**
 * Every zod issue as "path: problem", in words a person can act on. With the schema, an unknown field is answered
 * with the closest allowed one ("tpye" → Did you mean "type"?).
 */
export function formatIssues(error: z.ZodError, input: unknown, schema?: z.core.$ZodType): SpecIssue[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') return unknownFields(issue, input, schema);
    return [
      {
        path: formatPath(issue.path) || '(root)',
        message: issue.code === 'invalid_union' ? explainUnion(issue, input) : issue.message,
      },
    ];
  });
}
