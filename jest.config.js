/** @type {import('jest').Config} */
const swc = [
  '@swc/jest',
  { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
];

// Projects so that `jest --selectProjects unit` runs without the stack.
module.exports = {
  projects: [
    {
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
      transform: { '^.+\\.ts$': swc },
      setupFiles: ['<rootDir>/test/helpers/tfjs-backend.ts'],
    },
    {
      displayName: 'workflow',
      testMatch: ['<rootDir>/test/workflow/**/*.test.ts', '<rootDir>/test/replay/**/*.test.ts'],
      transform: { '^.+\\.ts$': swc },
      setupFiles: ['<rootDir>/test/helpers/quiet-temporal.ts', '<rootDir>/test/helpers/tfjs-backend.ts'],
    },
    {
      // One test per row of the trust-boundary audit (issue 9): each attack, and what stops it now.
      displayName: 'security',
      testMatch: ['<rootDir>/test/security/**/*.test.ts'],
      transform: { '^.+\\.ts$': swc },
      globalSetup: '<rootDir>/test/helpers/global-setup.ts',
      setupFiles: ['<rootDir>/test/helpers/quiet-temporal.ts'],
    },
    {
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      transform: { '^.+\\.ts$': swc },
      globalSetup: '<rootDir>/test/helpers/global-setup.ts',
      setupFiles: ['<rootDir>/test/helpers/quiet-temporal.ts', '<rootDir>/test/helpers/tfjs-backend.ts'],
    },
  ],
  testTimeout: 120000,
};
