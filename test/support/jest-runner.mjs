/**
 * The unit/HTTP/database tests' runner (jest.config.js): jest-light-runner in its child-process mode,
 * with one change — no module hooks thread.
 *
 * jest-light-runner `import()`s each test file and setup file. Node 20 cannot import a `.ts` file
 * without module customisation hooks, and those hooks run on a separate thread: with them (tsx's
 * `--import tsx`, then a one-line `load` hook of ours), now and then an `import()` never settled and
 * its worker waited for ever — the file's tests never started (seen on this machine and in CI, once
 * in a few hundred files). So the runner is handed, for each TypeScript file, a two-line CommonJS
 * file that `require`s it: Node imports a `.cjs` file natively, and tsx's require hook
 * (`--require tsx/cjs` in package.json's test script) strips the types, on the worker's own thread.
 * Reports name the real file.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { createRunner } from 'jest-light-runner';

const SHIMS = join(tmpdir(), `entraide-jest-${process.getuid?.() ?? 'user'}`);

/** A CommonJS file that loads `file` afresh (a worker may run the same file again in watch mode). */
function commonJsEntry(file) {
  if (!file.endsWith('.ts')) return file;
  const name = createHash('sha256').update(file).digest('hex').slice(0, 16);
  const entry = join(SHIMS, `${name}.cjs`);
  mkdirSync(SHIMS, { recursive: true });
  const target = JSON.stringify(file);
  writeFileSync(entry, `delete require.cache[${target}];\nrequire(${target});\n`);
  return entry;
}

const LightRunner = createRunner({ runtime: 'child_process' });

export default class TypeScriptAsCommonJsRunner extends LightRunner {
  _configs = new Map();

  /** The project's config with its TypeScript setup files loaded the same way (one copy per project: the pool is keyed by it). */
  _config(config) {
    if (!this._configs.has(config)) {
      this._configs.set(config, {
        ...config,
        setupFiles: config.setupFiles.map(commonJsEntry),
        setupFilesAfterEnv: config.setupFilesAfterEnv.map(commonJsEntry),
      });
    }
    return this._configs.get(config);
  }

  async _runTest(test) {
    const entry = { ...test, path: commonJsEntry(test.path), context: { ...test.context, config: this._config(test.context.config) } };
    const result = await super._runTest(entry);
    return { ...result, testFilePath: test.path };
  }
}
