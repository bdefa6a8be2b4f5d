/**
 * The unit/HTTP/database tests' runner (jest.config.js): jest-light-runner in its child-process mode,
 * with two changes.
 *
 * 1. Each task gets its own message channel. jest-light-runner 0.7.13 shares one channel between
 * its workers, and answers a worker's request for its set-up data by sending it to every worker
 * that ever registered, then forgetting them: when both workers start at once, the second one can
 * ask after its registration was consumed (or get the answer before it listens) and waits for
 * ever. Its first file never starts, the other worker runs every file alone, and the run never
 * ends — what CI met twice (test/aid-requests/wizard-fixes.test.ts « never started »: seen from
 * the inspector, that worker had never received its set-up data). With a channel per task, the
 * answer goes to the worker that asked.
 *
 * 2. No module hooks thread. jest-light-runner `import()`s each test file and setup file; Node 20
 * cannot import a `.ts` file without module customisation hooks, which run on a thread of their
 * own (the hang above was first blamed on them). The runner is handed instead, for each TypeScript
 * file, a two-line CommonJS file that `require`s it: Node imports a `.cjs` file natively, and tsx's
 * require hook (`--require tsx/cjs` in package.json's test script) strips the types, on the
 * worker's own thread.
 * Reports name the real file.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { URL } from 'node:url';
import { createRunner } from 'jest-light-runner';
import Tinypool from 'tinypool';

const WORKER = new URL('./worker-runner.js', import.meta.resolve('jest-light-runner'));

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
    this._ensurePool(entry.context.config);
    const result = await super._runTest(entry);
    return { ...result, testFilePath: test.path };
  }

  /** The project's pool, as jest-light-runner builds it, but whose tasks each carry a channel of their own. */
  _ensurePool(projectConfig) {
    if (this._testRunners.has(projectConfig)) return;
    const { maxWorkers } = this._globalConfig;
    const workerData = { globalConfig: this._globalConfig, projectConfig, runtime: 'child_process' };
    const pool = new Tinypool({
      filename: WORKER.href,
      runtime: 'child_process',
      minThreads: maxWorkers,
      maxThreads: maxWorkers,
      env: process.env,
      trackUnmanagedFds: false,
      workerData,
    });
    const channel = () => {
      const listeners = new Set();
      return {
        onMessage: (listener) => listeners.add(listener),
        postMessage: (message) => {
          if (message !== 'jest-light-runner-get-worker-data') return;
          for (const listener of listeners) listener({ type: 'jest-light-runner-worker-data', workerData });
        },
      };
    };
    this._testRunners.set(projectConfig, { pool, run: (t) => pool.run(t.path, { channel: channel() }) });
  }
}
