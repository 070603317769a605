const path = require('node:path');
/** @type {import('jest').Config} */
const swc = [
  '@swc/jest',
  { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
];

// The native TensorFlow backend, as `npm run setup:tensorflow` builds it into .tools/ or as an npm dependency
// (the same places lib/ml/models/backend.ts looks): its tests form a project of their own, present only when it is.
const toolsDir = process.env.MLOPS_TOOLS_DIR
  ? path.resolve(process.env.MLOPS_TOOLS_DIR)
  : path.join(__dirname, '.tools');
const nativeTf = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'].some((pkg) =>
  [pkg, path.join(toolsDir, pkg.replace('@tensorflow/', ''), 'node_modules', pkg)].some((candidate) => {
    try {
      require.resolve(candidate);
      return true;
    } catch {
      return false;
    }
  }),
);

const native = {
  displayName: 'native',
  testMatch: ['<rootDir>/test/native/**/*.test.ts'],
  transform: { '^.+\\.ts$': swc },
};

// Projects so that `jest --selectProjects unit` runs without the stack.
module.exports = {
  projects: [
    ...(nativeTf ? [native] : []),
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
