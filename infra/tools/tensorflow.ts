// The `tensorflow` TensorFlow.js backend without the download its install script insists on: @tensorflow/tfjs-node
// (or -gpu) built against the TensorFlow C library that PyPI's TensorFlow wheel ships (libtensorflow_cc.so.2 exports
// the whole C API). Everything lands in .tools/, so a second run finds it in place; lib/ml's backend loader picks it
// up from there.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { PROJECT_ROOT, TOOLS_DIR } from '../../lib/config/paths';

export const TFJS_NODE_VERSION = '4.22.0';
export const TENSORFLOW_WHEEL_VERSION = '2.21.0';

export interface NativeVariant {
  name: 'cpu' | 'gpu';
  npmPackage: '@tensorflow/tfjs-node' | '@tensorflow/tfjs-node-gpu';
  /** pip requirement of the wheel whose C library the addon links against. */
  wheel: string;
  /** npm prefix the package is installed into (lib/ml/models/backend.ts looks here). */
  prefix: string;
  /** Python venv holding the wheel. */
  venv: string;
}

export function nativeVariant(name: 'cpu' | 'gpu'): NativeVariant {
  const npmPackage = name === 'gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
  return {
    name,
    npmPackage,
    // The CUDA build of TensorFlow, with the CUDA and cuDNN libraries as nvidia-* wheels.
    wheel:
      name === 'gpu'
        ? `tensorflow[and-cuda]==${TENSORFLOW_WHEEL_VERSION}`
        : `tensorflow-cpu==${TENSORFLOW_WHEEL_VERSION}`,
    prefix: join(TOOLS_DIR, npmPackage.replace('@tensorflow/', '')),
    venv: join(TOOLS_DIR, 'tensorflow', name),
  };
}

type Log = (message: string) => void;

function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    timeout: 30 * 60_000,
    maxBuffer: 64 << 20,
  });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}`;
    throw new Error(`${command} ${args.join(' ')} failed:\n${output.trim().split('\n').slice(-15).join('\n')}`);
  }
  return result.stdout.trim();
}

/** The wheel's `tensorflow` package directory (libtensorflow_cc.so.2, include/), installing the wheel if needed. */
function ensureWheel(variant: NativeVariant, log: Log): string {
  const python = join(variant.venv, 'bin', 'python3');
  if (!existsSync(python)) {
    log(`creating a Python venv in ${variant.venv}`);
    mkdirSync(dirname(variant.venv), { recursive: true });
    run('python3', ['-m', 'venv', variant.venv]);
  }
  const purelib = run(python, ['-c', "import sysconfig; print(sysconfig.get_paths()['purelib'])"]);
  const tensorflow = join(purelib, 'tensorflow');
  const installed = readdirSync(purelib).find((d) => /^tensorflow(_cpu)?-[\d.]+\.dist-info$/.test(d));
  if (!existsSync(join(tensorflow, 'libtensorflow_cc.so.2')) || !installed?.includes(TENSORFLOW_WHEEL_VERSION)) {
    log(`pip install ${variant.wheel} (a large wheel: several hundred MB, once)`);
    run(python, ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', variant.wheel]);
  }
  for (const file of ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2', 'include/tensorflow/c/c_api.h']) {
    if (!existsSync(join(tensorflow, file))) throw new Error(`the ${variant.wheel} wheel has no ${file}`);
  }
  return tensorflow;
}

/** The npm package, installed without its scripts, resolving @tensorflow/tfjs from this project (one engine). */
function ensurePackage(variant: NativeVariant, log: Log): string {
  const projectCore = JSON.parse(
    readFileSync(join(PROJECT_ROOT, 'node_modules', '@tensorflow', 'tfjs-core', 'package.json'), 'utf8'),
  ) as { version: string };
  if (projectCore.version !== TFJS_NODE_VERSION) {
    throw new Error(
      `this project has @tensorflow/tfjs-core ${projectCore.version}; ${variant.npmPackage}@${TFJS_NODE_VERSION} needs the same version`,
    );
  }
  const dir = join(variant.prefix, 'node_modules', variant.npmPackage);
  const manifest = join(dir, 'package.json');
  const current = existsSync(manifest)
    ? (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string })
    : undefined;
  if (current?.version !== TFJS_NODE_VERSION) {
    log(`npm install ${variant.npmPackage}@${TFJS_NODE_VERSION} --ignore-scripts into ${variant.prefix}`);
    mkdirSync(variant.prefix, { recursive: true });
    writeFileSync(
      join(variant.prefix, 'package.json'),
      JSON.stringify({ private: true, dependencies: { [variant.npmPackage]: TFJS_NODE_VERSION } }, null, 2),
    );
    run('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--no-package-lock'], {
      cwd: variant.prefix,
    });
  }
  // Its own copy of @tensorflow/tfjs would be a second engine the backend registers with: remove it, so Node's
  // resolution walks up from .tools/ to this project's node_modules.
  const scope = join(variant.prefix, 'node_modules', '@tensorflow');
  for (const name of readdirSync(scope)) {
    if (name.startsWith('tfjs') && `@tensorflow/${name}` !== variant.npmPackage) {
      rmSync(join(scope, name), { recursive: true, force: true });
    }
  }
  return dir;
}

function link(target: string, path: string): void {
  rmSync(path, { force: true, recursive: true });
  // Relative: the tree keeps working when .tools/ moves with the checkout.
  symlinkSync(relative(dirname(path), target), path);
}

/** deps/ as the install script expects it after its download, from the wheel instead. */
function fillDeps(packageDir: string, tensorflow: string): void {
  const deps = join(packageDir, 'deps');
  mkdirSync(join(deps, 'lib'), { recursive: true });
  link(join(tensorflow, 'include'), join(deps, 'include'));
  const lib = (name: string) => join(deps, 'lib', name);
  link(join(tensorflow, 'libtensorflow_cc.so.2'), lib('libtensorflow_cc.so.2'));
  link(join(tensorflow, 'libtensorflow_framework.so.2'), lib('libtensorflow_framework.so.2'));
  // The names the build links with (-ltensorflow -ltensorflow_framework) and the one the script checks for.
  const constants = JSON.parse(
    run(process.execPath, [
      '-e',
      `const c = require(${JSON.stringify(join(packageDir, 'scripts', 'deps-constants.js'))});` +
        'console.log(JSON.stringify([c.depsLibTensorFlowName, c.depsLibTensorFlowFrameworkName]))',
    ]),
  ) as [string, string];
  for (const name of ['libtensorflow.so', 'libtensorflow.so.2', constants[0]])
    link(lib('libtensorflow_cc.so.2'), lib(name));
  for (const name of ['libtensorflow_framework.so', constants[1]]) {
    link(lib('libtensorflow_framework.so.2'), lib(name));
  }
  // A custom library makes the script build the addon from source rather than try to download a prebuilt one.
  writeFileSync(
    join(packageDir, 'scripts', 'custom-binary.json'),
    JSON.stringify({ 'tf-lib': 'file:///deps-filled-from-the-pypi-tensorflow-wheel' }),
  );
}

function nodeHeadersDir(): string {
  for (const dir of ['/usr', join(dirname(process.execPath), '..')]) {
    if (existsSync(join(dir, 'include', 'node', 'node_api.h'))) return dir;
  }
  throw new Error(
    'no Node.js headers (include/node/node_api.h) next to node or in /usr: install the nodejs dev headers',
  );
}

function nodeGyp(): string {
  const bundled = join(
    dirname(process.execPath),
    '..',
    'lib',
    'node_modules',
    'npm',
    'node_modules',
    'node-gyp',
    'bin',
  );
  const path = join(bundled, 'node-gyp.js');
  if (existsSync(path)) return path;
  throw new Error(`node-gyp not found at ${path} (it comes with npm)`);
}

function addonPath(packageDir: string): string | undefined {
  const lib = join(packageDir, 'lib');
  if (!existsSync(lib)) return undefined;
  const napi = readdirSync(lib).find((d) => d.startsWith('napi-v') && existsSync(join(lib, d, 'tfjs_binding.node')));
  return napi ? join(lib, napi, 'tfjs_binding.node') : undefined;
}

/** Builds the addon with node-gyp against the filled deps/ (about 30 s). */
function buildAddon(variant: NativeVariant, packageDir: string, log: Log): string {
  log('building the tfjs_binding addon from source (node-gyp)');
  run(process.execPath, ['scripts/install.js', variant.name], {
    cwd: packageDir,
    env: {
      npm_config_nodedir: nodeHeadersDir(),
      npm_config_node_gyp: nodeGyp(),
      PATH: `${join(variant.prefix, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`,
    },
  });
  const addon = addonPath(packageDir);
  if (!addon) throw new Error('the build finished without lib/napi-v*/tfjs_binding.node');
  return addon;
}

/** CUDA and cuDNN libraries of the nvidia-* wheels: a GPU worker starts with them on LD_LIBRARY_PATH. */
function cudaLibraryPath(tensorflow: string): string {
  const nvidia = join(dirname(tensorflow), 'nvidia');
  if (!existsSync(nvidia)) return '';
  return readdirSync(nvidia)
    .map((d) => join(nvidia, d, 'lib'))
    .filter((d) => existsSync(d))
    .join(':');
}

export interface NativeSetup {
  variant: NativeVariant;
  addon: string;
  /** Set when nothing had to be installed or built. */
  reused: boolean;
  /** GPU: the LD_LIBRARY_PATH a worker needs (also written to <prefix>/ld-library-path). */
  ldLibraryPath?: string;
}

/** Installs and builds what is missing; a second call with everything in place does nothing. */
export function setupNativeTensorflow(name: 'cpu' | 'gpu', log: Log = () => undefined): NativeSetup {
  const variant = nativeVariant(name);
  const stampFile = join(variant.prefix, '.mlops-setup.json');
  const stamp = JSON.stringify({ tfjs: TFJS_NODE_VERSION, wheel: variant.wheel, node: process.versions.modules });
  const packageDir = join(variant.prefix, 'node_modules', variant.npmPackage);
  const existing = addonPath(packageDir);
  const ldFile = join(variant.prefix, 'ld-library-path');
  if (existing && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) {
    return {
      variant,
      addon: existing,
      reused: true,
      ldLibraryPath: existsSync(ldFile) ? readFileSync(ldFile, 'utf8') : undefined,
    };
  }
  const tensorflow = ensureWheel(variant, log);
  const dir = ensurePackage(variant, log);
  fillDeps(dir, tensorflow);
  const addon = buildAddon(variant, dir, log);
  const ldLibraryPath = name === 'gpu' ? cudaLibraryPath(tensorflow) : undefined;
  if (ldLibraryPath !== undefined) writeFileSync(ldFile, ldLibraryPath);
  writeFileSync(stampFile, stamp);
  return { variant, addon, reused: false, ldLibraryPath };
}

/** Python of the CPU wheel's venv when it is installed (the Keras baseline of bench:train), else undefined. */
export function kerasPython(): string | undefined {
  const python = join(nativeVariant('cpu').venv, 'bin', 'python3');
  return existsSync(python) ? python : undefined;
}
