/**
 * Unit, HTTP and database tests: a fresh database per test file (PGlite template or PostgreSQL template).
 *
 * jest-light-runner runs each file in a plain Node child process, with no vm sandbox (see
 * docs/testing.md): the modules a worker has loaded — express, knex, PGlite's JavaScript, the
 * whole of src — stay loaded for the next file instead of being evaluated again for each of the
 * 109 files (the sandbox's cost was 1.5–2 s of CPU per file on this machine). TypeScript is loaded
 * through tsx (NODE_OPTIONS in package.json's test script); types are checked by `npm run typecheck`.
 * Files still share nothing but loaded code: each builds its own app, clock and database.
 *
 * The runner has no test timeout of its own: test/support/timeouts.ts gives every test and hook one.
 * Global setup and teardown run in Jest's own process, transformed by swc.
 */
module.exports = {
  runner: '<rootDir>/test/support/jest-runner.mjs',
  // the longest files first (a clean clone has no durations cached): see the file
  testSequencer: '<rootDir>/test/support/sequencer.js',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  setupFilesAfterEnv: ['<rootDir>/test/support/timeouts.ts'],
  maxWorkers: 2,
};
