import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { PROJECT_ROOT } from '../config/paths';
import { canonicalJson } from '../metadata/step-cache';
import { specConsistencyIssues } from './consistency';
import { formatIssues, type SpecIssue } from './issues';
import {
  applyParameterValues,
  parameterDeclarationIssues,
  resolveParameterValues,
  type ParameterValues,
} from './parameters';
import { PipelineSpec } from './spec';

/** Where spec files are seeded from (see lib/pipeline/store.ts): pipelines/ of the project, or MLOPS_PIPELINES_DIR. */
export const PIPELINES_DIR = process.env.MLOPS_PIPELINES_DIR ?? join(PROJECT_ROOT, 'pipelines');

export const PIPELINE_NAME = /^[a-z][a-z0-9-]{0,62}$/;

/** A pipeline spec that cannot be used; the message names where, the field path and what to change. */
export class SpecError extends Error {
  constructor(
    message: string,
    readonly details: { file?: string; issues?: SpecIssue[] } = {},
  ) {
    super(message);
    this.name = 'SpecError';
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Derives one raw spec from another (objects merge key by key, anything else replaces). For trusted code only
 * (tests and benchmarks deriving a variant of an example spec); a run changes its spec through declared parameters.
 */
export function mergeSpecOverrides(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override === undefined ? base : override;
  // A union member of another kind (a postgres source over a file source) replaces it: fields of one kind mean
  // nothing to another, and strict specs refuse them.
  if ('kind' in override && 'kind' in base && override.kind !== base.kind) return override;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(override)) out[k] = mergeSpecOverrides(base[k], v);
  return out;
}

function specFailure(where: string, issues: SpecIssue[]): SpecError {
  const lines = issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n');
  return new SpecError(`Invalid pipeline spec ${where}:\n${lines}\nFix these fields and apply the spec again.`, {
    file: where,
    issues,
  });
}

/** Validates a spec document as written (schema, consistency, parameter declarations); `where` names its origin. */
export function parseSpecDocument(raw: unknown, where: string): PipelineSpec {
  const result = PipelineSpec.safeParse(raw);
  if (!result.success) throw specFailure(where, formatIssues(result.error, raw, PipelineSpec));
  const issues = [
    ...specConsistencyIssues(result.data),
    ...parameterDeclarationIssues(raw as Record<string, unknown>, result.data.parameters),
  ];
  if (issues.length > 0) throw specFailure(where, issues);
  return result.data;
}

/** Whether an issue path (`candidates[1].hyperparameters.epochs`) is where a parameter path points
 * (`candidates.mlp.hyperparameters.epochs`): same section, same field. */
function samePlace(issuePath: string, parameterPath: string): boolean {
  const a = issuePath.split(/[.[\]]+/).filter(Boolean);
  const b = parameterPath.split('.');
  return a[0] === b[0] && a[a.length - 1] === b[b.length - 1];
}

/**
 * The spec a run uses: the document with the run's declared parameters written in. Unknown parameters or values
 * that do not fit throw a ParameterError (400 naming the key); a value the spec schema then refuses (a bound the
 * parameter declaration did not state) is reported against the parameter that set it.
 */
export function resolveSpec(
  raw: unknown,
  where: string,
  params: Record<string, unknown> = {},
): { spec: PipelineSpec; parameters: ParameterValues } {
  const document = parseSpecDocument(raw, where);
  const parameters = resolveParameterValues(document.parameters, params);
  if (Object.keys(parameters).length === 0) return { spec: document, parameters };
  const applied = applyParameterValues(raw as Record<string, unknown>, document.parameters, parameters);
  const result = PipelineSpec.safeParse(applied);
  const issues = result.success
    ? specConsistencyIssues(result.data)
    : formatIssues(result.error, applied, PipelineSpec);
  if (!result.success || issues.length > 0) {
    const bound = document.parameters.filter((p) => parameters[p.name] !== undefined);
    const explained = issues.map((issue) => {
      const culprit = bound.find((p) => p.paths.some((path) => samePlace(issue.path, path)));
      return culprit ? { ...issue, message: `${issue.message} (set by parameter "${culprit.name}")` } : issue;
    });
    throw specFailure(`${where} with parameters ${JSON.stringify(parameters)}`, explained);
  }
  return { spec: result.data, parameters };
}

export function readSpecFile(file: string): { raw: unknown; text: string } {
  const text = readFileSync(file, 'utf8');
  try {
    return { raw: file.endsWith('.json') ? JSON.parse(text) : parseYaml(text), text };
  } catch (err) {
    throw new SpecError(
      `Pipeline spec ${file} is not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`,
    );
  }
}

/** Spec files (yaml, yml, json) in a folder, by pipeline name. */
export function listSpecFiles(dir = PIPELINES_DIR): Array<{ name: string; file: string }> {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.(ya?ml|json)$/.test(f) && !f.endsWith('.schema.json'))
    .map((f) => ({ name: f.replace(/\.(ya?ml|json)$/, ''), file: join(dir, f) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Content identity of a spec document: the same document is stored (and versioned) once. */
export function specDocumentHash(raw: unknown): string {
  return createHash('sha256').update(canonicalJson(raw)).digest('hex');
}

export function modelNameOf(spec: PipelineSpec): string {
  return spec.model ?? spec.name;
}
