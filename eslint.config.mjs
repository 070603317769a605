import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import reactHooks from 'eslint-plugin-react-hooks';
import { builtinModules } from 'node:module';

// Workflow code runs in Temporal's deterministic sandbox: Node builtins and I/O libraries are banned there.
const bannedInWorkflows = [
  ...builtinModules,
  ...builtinModules.map((m) => `node:${m}`),
  '@tensorflow/*',
  'knex',
  'pg',
  'pg-copy-streams',
  'minio',
  'express',
  '@temporalio/activity',
  '@temporalio/worker',
  '@temporalio/client',
];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.tools/', '.data/', 'coverage/', 'bench/out/', 'console/dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.mts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { import: importX },
    settings: { 'import-x/resolver': { typescript: true, node: true } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import/no-cycle': 'error',
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: bannedInWorkflows,
              message: 'Workflow code must be deterministic: no Node builtins or I/O here; use activities.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['lib/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/workflows/*', '**/activities/*', '**/workers/*', '**/api/*', '@temporalio/*'],
              message: 'lib/ is the domain: it never imports the layers above it or Temporal.',
            },
          ],
        },
      ],
    },
  },
  {
    // The web console runs in the browser: it shares the API's types, never its code.
    files: ['console/src/**/*.{ts,tsx}'],
    ...reactHooks.configs.flat.recommended,
    rules: {
      ...reactHooks.configs.flat.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/lib/**', '**/api/**', '**/workflows/**', '**/activities/**', '**/workers/**', '**/infra/**'],
              allowTypeImports: true,
              message: 'The console imports only types from the server (its schemas); it talks to it over HTTP.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
      },
      sourceType: 'commonjs',
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  { files: ['**/*.mjs'], languageOptions: { sourceType: 'module' } },
);
