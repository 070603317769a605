import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { PROJECT_ROOT } from '../config/paths';
import { canonicalJson } from '../metadata/step-cache';
import { specConsistencyIssues } from './consistency';
import { formatIssues } from './issues';
import { PipelineSpec } from './spec';

export const PIPELINES_DIR = process.env.MLOPS_PIPELINES_DIR ?? join(PROJECT_ROOT, 'pipelines');

/** A pipeline spec that cannot be used; the message names the file, the field path and what to change. */
export class SpecError extends Error {
  constructor(
    message: string,
    readonly details: { file?: string; issues?: Array<{ path: string; message: string }> } = {},
  ) {
    super(message);
    this.name = 'SpecError';
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Params override the spec: objects merge key by key, anything else (arrays included) replaces. */
export function deepMerge(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override === undefined ? base : override;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(override)) out[k] = deepMerge(base[k], v);
  return out;
}

export function specFile(pipeline: string): string {
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(pipeline)) {
    throw new SpecError(
      `Pipeline name ${JSON.stringify(pipeline)} is invalid: use lower-case letters, digits and dashes.`,
    );
  }
  for (const ext of ['yaml', 'yml', 'json']) {
    const file = join(PIPELINES_DIR, `${pipeline}.${ext}`);
    if (existsSync(file)) return file;
  }
  const known = listPipelines().join(', ') || 'none';
  throw new SpecError(`No pipeline named "${pipeline}" in ${PIPELINES_DIR} (known: ${known}).`);
}

export function listPipelines(): string[] {
  if (!existsSync(PIPELINES_DIR)) return [];
  return readdirSync(PIPELINES_DIR)
    .filter((f) => /\.(ya?ml|json)$/.test(f))
    .map((f) => f.replace(/\.(ya?ml|json)$/, ''))
    .sort();
}

/** Validates a raw spec object; `where` names its origin in error messages. */
export function parseSpec(raw: unknown, where: string, params: Record<string, unknown> = {}): PipelineSpec {
  const merged = deepMerge(raw, params);
  const result = PipelineSpec.safeParse(merged);
  const issues = result.success ? specConsistencyIssues(result.data) : formatIssues(result.error, merged);
  if (!result.success || issues.length > 0) {
    const lines = issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n');
    throw new SpecError(`Invalid pipeline spec ${where}:\n${lines}\nFix these fields and start the run again.`, {
      file: where,
      issues,
    });
  }
  return result.data;
}

export function readSpecText(file: string): unknown {
  const text = readFileSync(file, 'utf8');
  try {
    return file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new SpecError(
      `Pipeline spec ${file} is not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`,
    );
  }
}

export interface LoadedSpec {
  spec: PipelineSpec;
  specHash: string;
  file: string;
}

export function loadPipelineSpec(pipeline: string, params: Record<string, unknown> = {}): LoadedSpec {
  const file = specFile(pipeline);
  const shown = isAbsolute(file) ? relative(PROJECT_ROOT, file) || file : file;
  const spec = parseSpec(readSpecText(file), shown, params);
  if (spec.name !== pipeline) {
    throw new SpecError(
      `Pipeline spec ${shown} declares name "${spec.name}"; it must match its file name "${pipeline}".`,
    );
  }
  return { spec, specHash: hashSpec(spec), file: shown };
}

export function hashSpec(spec: PipelineSpec): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex');
}

export function modelNameOf(spec: PipelineSpec): string {
  return spec.model ?? spec.name;
}
