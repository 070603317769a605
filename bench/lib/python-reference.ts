import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { TOOLS_DIR } from '../../lib/config/paths';
import { BENCH_PYPI_PACKAGES } from '../../infra/tools/catalog';

const VENV = join(TOOLS_DIR, 'venv');
const PYTHON = join(VENV, 'bin', 'python');

function run(cmd: string, args: string[]): { ok: boolean; output: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 15 * 60_000 });
  return {
    ok: r.status === 0,
    output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ?? ''}`.trim().split('\n').slice(-3).join(' | '),
  };
}

/**
 * The venv's Python with the pinned reference packages (scikit-learn, LightGBM) importable, installing them on first
 * use; or the reason they are not available (no python3, no network to PyPI). `python -m pip` rather than the pip
 * script: a venv copied from another checkout keeps the other checkout's path in its scripts' shebangs.
 */
export function pythonWithReferences(log: (m: string) => void): { python: string } | { unavailable: string } {
  if (!existsSync(PYTHON)) {
    mkdirSync(TOOLS_DIR, { recursive: true });
    const venv = run('python3', ['-m', 'venv', VENV]);
    if (!venv.ok) return { unavailable: `python3 -m venv failed: ${venv.output}` };
  }
  const probe = `import sklearn, lightgbm; assert sklearn.__version__ == '${BENCH_PYPI_PACKAGES['scikit-learn']}' and lightgbm.__version__ == '${BENCH_PYPI_PACKAGES.lightgbm}'`;
  if (run(PYTHON, ['-c', probe]).ok) return { python: PYTHON };
  const requirements = Object.entries(BENCH_PYPI_PACKAGES).map(([pkg, version]) => `${pkg}==${version}`);
  log(`installing ${requirements.join(' ')} from PyPI into ${VENV} (reference implementations)`);
  const pip = run(PYTHON, ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', ...requirements]);
  if (!pip.ok) return { unavailable: `pip install ${requirements.join(' ')} failed: ${pip.output}` };
  return run(PYTHON, ['-c', probe]).ok ? { python: PYTHON } : { unavailable: 'the reference packages do not import' };
}
