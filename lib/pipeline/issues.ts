import type { z } from 'zod';

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

/** Every zod issue as "path: problem", in words a person can act on. */
export function formatIssues(error: z.ZodError, input: unknown): SpecIssue[] {
  return error.issues.map((issue) => ({
    path: formatPath(issue.path) || '(root)',
    message: issue.code === 'invalid_union' ? explainUnion(issue, input) : issue.message,
  }));
}
