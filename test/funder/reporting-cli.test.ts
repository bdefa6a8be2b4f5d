import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * `npm run cli -- funder:reporting --month AAAA-MM [--force]`: what the technical team runs when a
 * corrected REPORTING cell cannot leave again under its id (docs/echanges/reporting.md). The
 * command is a shell around FunderReporting.sendMonth (tested with its data in reporting.test.ts);
 * here, the real command line on a fresh embedded database: its French refusal of a bad month, and
 * its JSON result for a month without activity (no file).
 */
const run = promisify(execFile);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'entraide-cli-reporting-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
// the embedded database in a folder of its own, whatever the test run was given
const { DATABASE_URL: _database, ...inherited } = process.env;
const env = { ...inherited, NODE_OPTIONS: '', DATA_DIR: path.join(dir, 'data'), FUNDER_DIR: path.join(dir, 'funder'), LOG_LEVEL: 'error' };
const cli = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'funder:reporting', ...args], { env, cwd: path.resolve(__dirname, '../..') });

describe('funder:reporting on the command line', () => {
  it('refuses a month that is not AAAA-MM, in French, with a failing exit code', async () => {
    const failure = await cli('--month', '2026-13').catch((e: unknown) => e as { code: number; stderr: string; stdout: string });
    expect(failure).toMatchObject({ code: expect.any(Number) as number });
    expect((failure as { code: number }).code).not.toBe(0);
    expect(`${(failure as { stdout: string }).stdout}${(failure as { stderr: string }).stderr}`).toContain('--month : un mois AAAA-MM, par exemple 2026-10');
  });

  it('prints one JSON line of result; a month without activity makes no file, even forced', async () => {
    const { stdout } = await cli('--month', '2026-10', '--force');
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([{ month: '2026-10', status: 'vide', file: '', records: 0, secret: 0, deliveries: [] }]);
    expect(fs.existsSync(path.join(dir, 'funder', 'depot')) ? fs.readdirSync(path.join(dir, 'funder', 'depot')) : []).toEqual([]);
  });
});
