import { existsSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { PROJECT_ROOT } from '../config/paths';
import { DataError } from '../ml/errors';

function refused(message: string, details: Record<string, unknown>): DataError {
  return new DataError({ code: 'SOURCE_REFUSED', message, details });
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * The real path of a `file` data source, if it lies inside one of the configured data roots once every symlink is
 * resolved (so neither `../../etc/passwd` nor a link planted in a data folder reaches outside them).
 */
export function resolveSourceFile(path: string, roots: readonly string[]): string {
  const given = isAbsolute(path) ? path : join(PROJECT_ROOT, path);
  if (!existsSync(given) || !statSync(given).isFile()) {
    throw new DataError({
      code: 'EMPTY_FILE',
      message: `Data source file ${path} does not exist (resolved to ${given}): fix data.source.path in the spec.`,
      details: { path },
    });
  }
  const real = realpathSync(given);
  const realRoots = roots.filter((r) => existsSync(r)).map((r) => realpathSync(r));
  if (!realRoots.some((root) => inside(root, real))) {
    throw refused(
      `Data source file ${path} is outside the data folders this worker may read (${roots.join(', ')}). Move the file into one of them, or ask an operator to add its folder to DATA_FILE_ROOTS.`,
      { path },
    );
  }
  return real;
}

/** An `s3` data source key must lie under one of the configured prefixes of the artifact bucket. */
export function assertSourceKey(key: string, prefixes: readonly string[]): void {
  const normalized = key.replace(/^\/+/, '');
  if (
    normalized.split('/').some((part) => part === '..' || part === '.') ||
    !prefixes.some((p) => normalized.startsWith(p))
  ) {
    throw refused(
      `Data source key ${key} is outside the prefixes data may be read from (${prefixes.join(', ')}): upload the data under one of them.`,
      { key },
    );
  }
}
