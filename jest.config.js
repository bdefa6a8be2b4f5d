/**
 * Unit, HTTP and database tests: a fresh database per test file (PGlite template or PostgreSQL template).
 *
 * TypeScript is stripped by swc (types are checked by `npm run typecheck`, as ts-jest did not with
 * diagnostics off): no TypeScript compiler to load in each worker, and a cold transform several
 * times faster. Class fields keep TypeScript's ES2022 semantics (useDefineForClassFields).
 */
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022', transform: { useDefineForClassFields: true } },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 30000,
  maxWorkers: 2,
  // each test file leaves ~40 MB of heap behind in its worker (jest --detectLeaks: a file's module registry stays reachable);
  // a worker past this after a file is replaced, which keeps garbage collection from growing with the run
  workerIdleMemoryLimit: '600MB',
};
