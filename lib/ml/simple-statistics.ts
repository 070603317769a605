import { createRequire } from 'node:module';
import type * as SimpleStatistics from 'simple-statistics' with { 'resolution-mode': 'import' };

/**
 * simple-statistics, loaded through its CommonJS build. The package's type declarations are ESM-only, which a
 * CommonJS (node16) project cannot `import` directly, so the types come from a type-only import and the module from
 * `require`.
 */
export const ss = createRequire(__filename)('simple-statistics') as typeof SimpleStatistics;
