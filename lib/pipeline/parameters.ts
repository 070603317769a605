import { z } from 'zod';
import { DURATION_PATTERN, parseDurationMs } from './duration';
import { didYouMean } from './suggest';
import type { SpecIssue } from './issues';

// Run parameters are the only part of a spec a caller may change, and only where the spec's author allows it: each
// parameter declares its type and bounds and the spec paths it binds to. Everything else about a run comes from the
// spec itself, so a run can never change its data source, its gate or who approves it.

export const PARAMETER_TYPES = ['integer', 'number', 'string', 'boolean', 'duration'] as const;

/**
 * Spec paths a parameter may never bind to: where the data comes from and what it must look like, the evaluation
 * gate, who approves and how, the model's name, outbound webhooks and task queues. A parameter declaring one of
 * these is a spec error.
 */
export const POLICY_PATHS = [
  'name',
  'model',
  'task',
  'data',
  'expectations',
  'evaluation',
  'approval',
  'parameters',
  'schedule',
  'training.taskQueue',
  'monitoring.webhookUrl',
] as const;

export const ParameterValue = z.union([z.string(), z.number(), z.boolean()]);
export type ParameterValue = z.infer<typeof ParameterValue>;

export const ParameterSpecSchema = z
  .strictObject({
    /** How callers name the parameter: `mlops run churn -p epochs=50`, `{"params": {"epochs": 50}}`. */
    name: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_]{0,62}$/, 'letters, digits and underscores, starting with a letter (max 63)'),
    /** integer, number, string, boolean, or duration (`'30s'`, `'15m'`, `'2h'`). */
    type: z.enum(PARAMETER_TYPES),
    /** Used when a run does not set the parameter; omitted: the spec's own value at the bound paths stays. */
    default: ParameterValue.optional(),
    /** Smallest allowed value (integer, number; a duration string for duration). */
    min: z.union([z.number(), z.string().regex(DURATION_PATTERN)]).optional(),
    /** Largest allowed value (integer, number; a duration string for duration). */
    max: z.union([z.number(), z.string().regex(DURATION_PATTERN)]).optional(),
    /** The allowed values (any type). */
    enum: z.array(ParameterValue).min(1).optional(),
    /** What the parameter changes, shown in the console's start-run form and in `mlops pipelines show`. */
    description: z.string().max(500).default(''),
    /**
     * The spec fields the value is written to, as dotted paths. A list element is addressed by its index, its
     * `name` (candidates) or `column` (features), or `*` for every element: `candidates.mlp.hyperparameters.epochs`,
     * `candidates.*.hyperparameters.learningRate`, `split.seed`.
     */
    paths: z.array(z.string().min(1)).min(1),
  })
  .describe('A run parameter: the only way a run may differ from its spec');
export type ParameterSpec = z.infer<typeof ParameterSpecSchema>;

export type ParameterValues = Record<string, ParameterValue>;

/** A run's parameters that do not fit the spec's declarations (unknown name, wrong type, out of bounds). */
export class ParameterError extends Error {
  constructor(
    message: string,
    readonly issues: SpecIssue[],
  ) {
    super(message);
    this.name = 'ParameterError';
  }
}

function isPolicyPath(path: string): string | undefined {
  return POLICY_PATHS.find((p) => path === p || path.startsWith(`${p}.`));
}

type Node = Record<string, unknown> | unknown[];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function elementMatches(element: unknown, index: number, segment: string): boolean {
  if (segment === '*' || segment === String(index)) return true;
  return isRecord(element) ? element.name === segment || element.column === segment : element === segment;
}

/**
 * Where a path lands in a raw spec: the containers and keys to write to. Missing objects along the way are created
 * (a section left to its defaults); a list element that is not there is an error.
 */
function locate(root: Record<string, unknown>, path: string): Array<{ parent: Node; key: string | number }> {
  const segments = path.split('.');
  let current: Array<{ parent: Node; key: string | number }> = [];
  let nodes: unknown[] = [root];
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    const next: unknown[] = [];
    current = [];
    for (const node of nodes) {
      if (Array.isArray(node)) {
        node.forEach((element, index) => {
          if (!elementMatches(element, index, segment)) return;
          if (last) current.push({ parent: node, key: index });
          else next.push(element);
        });
      } else if (isRecord(node)) {
        if (last) current.push({ parent: node, key: segment });
        else {
          if (node[segment] === undefined) node[segment] = {};
          next.push(node[segment]);
        }
      }
    }
    if (current.length === 0 && next.length === 0) {
      throw new Error(`"${segments.slice(0, i + 1).join('.')}" does not exist in the spec`);
    }
    nodes = next;
  });
  return current;
}

function boundOf(bound: number | string | undefined): number | undefined {
  if (bound === undefined) return undefined;
  return typeof bound === 'number' ? bound : parseDurationMs(bound);
}

/** The value converted to the parameter's type (CLI values arrive as text), or the reason it cannot be. */
export function coerceParameter(param: ParameterSpec, value: unknown): { value?: ParameterValue; error?: string } {
  const text = typeof value === 'string' ? value.trim() : undefined;
  let converted: ParameterValue | undefined;
  switch (param.type) {
    case 'integer':
    case 'number': {
      const n = typeof value === 'number' ? value : text !== undefined && text !== '' ? Number(text) : Number.NaN;
      if (!Number.isFinite(n)) return { error: `must be a finite ${param.type} (got ${JSON.stringify(value)})` };
      if (param.type === 'integer' && !Number.isInteger(n)) return { error: `must be an integer (got ${n})` };
      converted = n;
      break;
    }
    case 'boolean':
      if (typeof value === 'boolean') converted = value;
      else if (text === 'true' || text === 'false') converted = text === 'true';
      else return { error: `must be true or false (got ${JSON.stringify(value)})` };
      break;
    case 'duration':
      if (typeof text !== 'string' || !DURATION_PATTERN.test(text)) {
        return { error: `must be a duration such as '30s', '15m' or '2h' (got ${JSON.stringify(value)})` };
      }
      converted = text;
      break;
    case 'string':
      if (typeof value !== 'string') return { error: `must be a string (got ${JSON.stringify(value)})` };
      if (value.includes('\u0000')) return { error: 'must not contain NUL characters' };
      converted = value;
      break;
  }
  const measure =
    typeof converted === 'number' ? converted : param.type === 'duration' ? parseDurationMs(text ?? '') : 0;
  const min = boundOf(param.min);
  const max = boundOf(param.max);
  if (min !== undefined && measure < min) return { error: `must be >= ${param.min} (got ${JSON.stringify(value)})` };
  if (max !== undefined && measure > max) return { error: `must be <= ${param.max} (got ${JSON.stringify(value)})` };
  if (param.enum && !param.enum.some((allowed) => String(allowed) === String(converted))) {
    return {
      error: `must be one of ${param.enum.map((v) => JSON.stringify(v)).join(', ')} (got ${JSON.stringify(value)})`,
    };
  }
  return { value: converted };
}

/** Problems with the declarations themselves (found when the spec is loaded, before any run sets them). */
export function parameterDeclarationIssues(raw: Record<string, unknown>, params: ParameterSpec[]): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const seen = new Set<string>();
  params.forEach((param, i) => {
    const at = `parameters[${i}]`;
    if (seen.has(param.name))
      issues.push({ path: `${at}.name`, message: `parameter "${param.name}" is declared twice` });
    seen.add(param.name);
    param.paths.forEach((path, j) => {
      const policy = isPolicyPath(path);
      if (policy) {
        issues.push({
          path: `${at}.paths[${j}]`,
          message: `"${path}" is under "${policy}", a policy field that runs may never change (data source, expectations, evaluation gate, approval, model name, webhooks and task queues come from the spec only)`,
        });
        return;
      }
      try {
        locate(structuredClone(raw), path);
      } catch (err) {
        issues.push({ path: `${at}.paths[${j}]`, message: (err as Error).message });
      }
    });
    if (param.default !== undefined) {
      const checked = coerceParameter(param, param.default);
      if (checked.error) issues.push({ path: `${at}.default`, message: checked.error });
    }
    if (
      (param.min !== undefined || param.max !== undefined) &&
      !['integer', 'number', 'duration'].includes(param.type)
    ) {
      issues.push({
        path: at,
        message: `min and max apply to integer, number and duration parameters, not ${param.type}`,
      });
    }
  });
  return issues;
}

/**
 * Checks a run's parameter values against the declarations: every key must be declared (a typo gets a
 * did-you-mean), every value must fit. Returns the effective values (declared defaults filled in).
 */
export function resolveParameterValues(declared: ParameterSpec[], given: Record<string, unknown>): ParameterValues {
  const issues: SpecIssue[] = [];
  const names = declared.map((p) => p.name);
  const values: ParameterValues = {};
  for (const [key, value] of Object.entries(given)) {
    const param = declared.find((p) => p.name === key);
    if (!param) {
      const known = names.length ? `declared parameters: ${names.join(', ')}` : 'this pipeline declares no parameters';
      issues.push({
        path: key,
        message: `"${key}" is not a parameter of this pipeline (${known}).${didYouMean(key, names)}`,
      });
      continue;
    }
    const checked = coerceParameter(param, value);
    if (checked.error) issues.push({ path: key, message: checked.error });
    else values[key] = checked.value as ParameterValue;
  }
  if (issues.length > 0) {
    const lines = issues.map((i) => `  - params.${i.path}: ${i.message}`).join('\n');
    throw new ParameterError(`Invalid run parameters:\n${lines}`, issues);
  }
  for (const param of declared) {
    if (values[param.name] === undefined && param.default !== undefined) {
      values[param.name] = coerceParameter(param, param.default).value as ParameterValue;
    }
  }
  return values;
}

/** A copy of the raw spec with each parameter's value written to its paths. */
export function applyParameterValues(
  raw: Record<string, unknown>,
  declared: ParameterSpec[],
  values: ParameterValues,
): Record<string, unknown> {
  const out = structuredClone(raw);
  for (const param of declared) {
    const value = values[param.name];
    if (value === undefined) continue;
    for (const path of param.paths) {
      for (const { parent, key } of locate(out, path)) (parent as Record<string | number, unknown>)[key] = value;
    }
  }
  return out;
}

/** What a run gets when it does not set the parameter: its declared default, else the spec's value at its path. */
export function effectiveDefault(spec: unknown, param: ParameterSpec): ParameterValue | undefined {
  if (param.default !== undefined) return param.default;
  try {
    const [first] = locate(structuredClone(spec) as Record<string, unknown>, param.paths[0] as string);
    const value = first ? (first.parent as Record<string | number, unknown>)[first.key] : undefined;
    return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : undefined;
  } catch {
    return undefined;
  }
}
