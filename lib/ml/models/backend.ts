import type * as WasmBackend from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { TOOLS_DIR } from '../../config/paths';
import { MlError } from '../errors';
import { tf } from '../tf';
import { installWasmKernels } from './wasm-kernels';

export const TF_BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
export type TfBackendName = (typeof TF_BACKENDS)[number];
export type TfBackendPreference = TfBackendName | 'auto';

// Optional packages cannot be imported statically (they may not be installed), so they are required by name.
const requireOptional = createRequire(__filename);

/**
 * tfjs-node(-gpu) as an npm dependency, or as `npm run setup:tensorflow` builds it into .tools/ from the PyPI
 * TensorFlow wheel (resolving @tensorflow/tfjs from this project, so it registers with this engine).
 */
const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'].flatMap((pkg) => [
  pkg,
  join(TOOLS_DIR, pkg.replace('@tensorflow/', ''), 'node_modules', pkg),
]);

/** The tfjs-node(-gpu) package the 'tensorflow' backend would load, without loading it; undefined when none. */
export function nativeTfPackage(): string | undefined {
  return NATIVE_PACKAGES.find((pkg) => {
    try {
      requireOptional.resolve(pkg);
      return true;
    } catch {
      return false;
    }
  });
}

function loadNative(): boolean {
  // TensorFlow's C++ start-up notices (CPU features, absl) are not ours to print; errors still show.
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  for (const pkg of NATIVE_PACKAGES) {
    try {
      requireOptional(pkg);
      if (tf.findBackendFactory('tensorflow')) return true;
    } catch {
      // Not installed, or its native library failed to load (e.g. no CUDA for -gpu): try the next one.
    }
  }
  return false;
}

let wasmPathsSet = false;

/** In Node the wasm backend reads its .wasm binaries from disk: point it at the package's dist directory. */
function loadWasm(): boolean {
  if (wasmPathsSet) return true;
  try {
    const wasm = requireOptional('@tensorflow/tfjs-backend-wasm') as typeof WasmBackend;
    const binary = requireOptional.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm');
    wasm.setWasmPaths(`${dirname(binary)}/`);
    installWasmKernels();
    wasmPathsSet = true;
    return true;
  } catch {
    return false;
  }
}

const loaders: Record<TfBackendName, () => boolean> = { tensorflow: loadNative, wasm: loadWasm, cpu: () => true };

async function activate(name: TfBackendName): Promise<boolean> {
  if (tf.getBackend() === name) return true;
  if (!loaders[name]()) return false;
  try {
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

function parsePreference(value: string | undefined): TfBackendPreference | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'auto' || (TF_BACKENDS as readonly string[]).includes(value)) return value as TfBackendPreference;
  throw new MlError({
    code: 'BACKEND_UNAVAILABLE',
    message: `TFJS_BACKEND="${value}" is not one of auto, ${TF_BACKENDS.join(', ')}.`,
  });
}

/**
 * Activates the fastest available TensorFlow.js backend and returns its name: 'tensorflow' (tfjs-node-gpu, then
 * tfjs-node, when installed), else 'wasm', else 'cpu'. The preference is `preferred`, else the TFJS_BACKEND
 * environment variable, else 'auto'; an unavailable preference falls back down that order unless `strict`.
 * Idempotent: an already active choice is kept.
 */
export async function initTfBackend(
  args: { preferred?: TfBackendPreference; strict?: boolean } = {},
): Promise<TfBackendName> {
  const preference = args.preferred ?? parsePreference(process.env.TFJS_BACKEND) ?? 'auto';
  const start = preference === 'auto' ? 0 : TF_BACKENDS.indexOf(preference);
  const candidates = args.strict && preference !== 'auto' ? [preference] : TF_BACKENDS.slice(start);
  for (const name of candidates) {
    if (await activate(name)) return name;
  }
  throw new MlError({
    code: 'BACKEND_UNAVAILABLE',
    message: `TensorFlow.js backend "${preference}" is not available. Install @tensorflow/tfjs-node for 'tensorflow', or choose wasm or cpu.`,
    details: { preference },
  });
}

/** The active backend, or null before initTfBackend. */
export function currentTfBackend(): TfBackendName | null {
  const name = tf.getBackend() as string | null;
  return (TF_BACKENDS as readonly (string | null)[]).includes(name) ? (name as TfBackendName) : null;
}
