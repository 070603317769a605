import { copyFileSync, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { DATA_DIR, PROJECT_ROOT } from '../../lib/config/paths';
import { rootsFrom } from '../../lib/config/governance';
import { modelNameOf } from '../../lib/pipeline/load';
import { checkSpecText } from '../../lib/pipeline/spec-check';
import {
  SpecInitError,
  formatOfFile,
  labelChoices,
  pipelineNameFor,
  profileForProposal,
  proposeSpec,
} from '../../lib/pipeline/spec-init';
import { renderProposedSpec } from '../../lib/pipeline/spec-init-render';
import { SPEC_SCHEMA_FILE } from '../../lib/pipeline/spec-reference';
import { commandApi, type CliContext } from '../context';
import { printJson } from '../output';

const inside = (root: string, path: string) => {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
};
const real = (p: string) => (existsSync(p) ? realpathSync(p) : resolve(p));

/**
 * Where the spec should read the data from: the file where it is when the workers may read it (DATA_FILE_ROOTS),
 * else `.data/uploads/<name>` (a data folder by default), copied there with --copy or by the command printed.
 */
function sourcePath(ctx: CliContext, data: string, copy: boolean): { path: string; advice?: string } {
  const file = real(data);
  const forSpec = (p: string) => (inside(PROJECT_ROOT, p) ? relative(PROJECT_ROOT, p) : p);
  if (rootsFrom(ctx.env.DATA_FILE_ROOTS).some((root) => inside(real(root), file))) return { path: forSpec(file) };
  const target = join(DATA_DIR, 'uploads', basename(file));
  if (copy) {
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(file, target);
    return { path: forSpec(target), advice: `copied ${data} to ${target} (a folder the workers read data from)` };
  }
  return {
    path: forSpec(target),
    advice:
      `the workers read data files only from their data folders (DATA_FILE_ROOTS: pipelines/, .data/uploads/): ` +
      `copy it there before running: mkdir -p ${dirname(target)} && cp ${data} ${target} (or rerun with --copy)`,
  };
}

function task(value: string): 'classification' | 'regression' {
  if (value !== 'classification' && value !== 'regression') {
    throw new InvalidArgumentError('must be classification or regression');
  }
  return value;
}

async function specInit(
  ctx: CliContext,
  data: string,
  options: {
    label?: string;
    name?: string;
    task?: 'classification' | 'regression';
    output?: string;
    force?: boolean;
    copy?: boolean;
  },
): Promise<void> {
  if (!existsSync(data)) throw new Error(`Cannot read ${data}: no such file`);
  const { profile, markers, reading } = await profileForProposal(data, formatOfFile(data));
  if (!options.label) {
    const choices = labelChoices(profile)
      .map((c) => `  ${c.column.padEnd(24)} ${c.type}, ${c.distinct} distinct → ${c.task}`)
      .join('\n');
    ctx.io.err.write(
      `Which column should the model predict? Give it with --label COLUMN.\n` +
        `Columns that could be the label (${profile.rowCount} rows read):\n${choices || '  (none)'}\n`,
    );
    ctx.exitCode = 2;
    return;
  }
  if (options.output && existsSync(options.output) && !options.force) {
    throw new Error(`${options.output} exists: choose another -o, or --force to overwrite it`);
  }
  const source = sourcePath(ctx, data, Boolean(options.copy));
  const name = options.name ?? pipelineNameFor(data);
  let proposed;
  try {
    proposed = proposeSpec({
      profile,
      label: options.label,
      name,
      task: options.task,
      markers,
      reading,
      source: { kind: 'file', path: source.path, format: formatOfFile(data) },
    });
  } catch (err) {
    if (!(err instanceof SpecInitError)) throw err;
    const choices = err.choices.map((c) => `${c.column} (${c.task})`).join(', ');
    throw new Error(choices ? `${err.message} Columns that could be the label: ${choices}.` : err.message);
  }
  const outDir = options.output ? dirname(resolve(options.output)) : process.cwd();
  const text = renderProposedSpec(proposed, {
    schemaRef: relative(outDir, join(PROJECT_ROOT, SPEC_SCHEMA_FILE)),
    file: basename(data),
    rows: profile.rowCount,
  });
  // What is written must pass the checks `spec validate` and the API apply: a proposal that does not is a bug here.
  const check = checkSpecText(text, options.output ?? 'the proposed spec');
  if (!check.ok)
    throw new Error(`internal error: the proposed spec does not validate: ${JSON.stringify(check.issues)}`);
  if (options.output) writeFileSync(options.output, text);
  else ctx.io.out.write(text);
  const features = check.spec.features.features.length;
  const file = options.output ?? 'SPEC.yaml';
  ctx.io.err.write(
    `${options.output ? `wrote ${options.output}: ` : ''}pipeline ${name}, ${proposed.task} of ${options.label}, ` +
      `${features} feature${features === 1 ? '' : 's'}` +
      (proposed.skipped.length ? ` (left out: ${proposed.skipped.map((s) => s.column).join(', ')})` : '') +
      `\n${source.advice ? `note: ${source.advice}\n` : ''}` +
      `next: mlops spec validate ${file} && mlops pipelines apply ${file} && mlops run ${name}\n`,
  );
}

function specValidate(ctx: CliContext, file: string, json: boolean): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`Cannot read ${file}: ${(err as Error).message}`);
  }
  const check = checkSpecText(text, file);
  if (json) printJson(ctx.io, check.ok ? { ok: true, name: check.spec.name } : check);
  if (!check.ok) {
    if (!json) {
      ctx.io.err.write(`${file}: ${check.syntax ? 'not valid YAML' : 'not a valid pipeline spec'}\n`);
      for (const i of check.issues) {
        const at = i.line ? `${file}:${i.line}:${i.column}: ` : '';
        ctx.io.err.write(`  ${at}${i.path === '(yaml)' ? '' : `${i.path}: `}${i.message}\n`);
      }
    }
    ctx.exitCode = 1;
    return;
  }
  if (json) return;
  const s = check.spec;
  const source = s.data.source;
  const where = 'path' in source ? source.path : 'key' in source ? source.key : source.kind;
  ctx.io.out.write(
    `${file}: OK: pipeline ${s.name} (model ${modelNameOf(s)}), ${s.task} of ${s.features.label}, ` +
      `${s.features.features.length} features, candidates ${s.candidates.map((c) => c.kind).join(', ')}, ` +
      `data ${source.kind} ${where}\n`,
  );
}

export function registerSpecCommands(program: Command, ctx: CliContext): void {
  const spec = program.command('spec').description('write and check pipeline specs (reference: docs/SPEC.md)');
  spec
    .command('init <data>')
    .description('propose a complete spec from a CSV or JSON Lines file (types, expectations, features, task)')
    .option('--label <column>', 'the column to predict (without it, the columns that could be are listed)')
    .option('--name <name>', 'pipeline name (default: from the file name)')
    .option('--task <task>', 'classification or regression (default: from the label)', task)
    .option('-o, --output <file>', 'write the spec to this file (default: standard output)')
    .option('--force', 'overwrite the output file')
    .option('--copy', 'copy the data into .data/uploads/ when the workers could not read it where it is')
    .action(async (data: string, options: Parameters<typeof specInit>[2]) => specInit(ctx, data, options));
  spec
    .command('validate <file>')
    .description('check a spec without running it (as applying it would): every problem with its line')
    .action((file: string, _options: unknown, command: Command) =>
      specValidate(ctx, file, Boolean(command.optsWithGlobals<{ json?: boolean }>().json)),
    );

  // `mlops pipelines` lists them; `mlops pipelines apply FILE` stores a new version through the API.
  const pipelines = program.commands.find((c) => c.name() === 'pipelines');
  pipelines
    ?.command('apply <file>')
    .description('apply a spec through the API: validated, stored as a new version, audited (admin)')
    .action(async (file: string, _options: unknown, command: Command) => {
      const { client, json } = commandApi(ctx, command);
      const yaml = readFileSync(file, 'utf8');
      const result = await client.request<{ name: string; version: number; created: boolean; specHash: string }>(
        'POST',
        '/v1/pipelines',
        { body: { yaml } },
      );
      if (json) printJson(ctx.io, result);
      else {
        ctx.io.out.write(
          `${result.name}: ${result.created ? `applied as version ${result.version}` : `unchanged (version ${result.version})`}\n`,
        );
      }
    });
}
