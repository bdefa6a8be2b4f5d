import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/db/database';
import { createTestDatabase, onPostgres } from '../support/database';
import { PGLITE_DUMP_ENV } from '../support/env';

/**
 * SIGTERM on a server under load: the requests under way are answered, new connections are
 * refused, the job scheduler and the database close in order, and the process exits 0 without a
 * stack trace (before, a stopping server printed "Error: aborted" from the connection pool).
 */
/** A request's fate: answered whole, cut off after its answer began, or never taken in by the server. */
function get(port: number, pathName: string): Promise<{ status?: number; cutOff?: string; refused?: string }> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: pathName, agent: new http.Agent({ keepAlive: true }) }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode }));
      res.on('error', (err: NodeJS.ErrnoException) => resolve({ cutOff: err.code ?? err.message }));
      res.on('aborted', () => resolve({ cutOff: 'aborted' }));
    });
    // refused, or reset while still waiting in the listening socket's queue when it closed
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ refused: err.code ?? err.message }));
  });
}

it('answers the requests under way, then exits 0 with no stack trace', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'entraide-stop-'));
  const port = 40_000 + Math.floor(Math.random() * 20_000);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'development',
    DATA_DIR: dataDir,
    PORT: String(port),
    SEED_DEMO: 'false',
  };
  const pg = onPostgres() ? await createTestDatabase() : null;
  if (pg?.url) env.DATABASE_URL = pg.url;
  else {
    // the migrated template, so the start does not migrate a new database
    const db = openDatabase({ kind: 'pglite', dir: path.join(dataDir, 'pgdata'), loadDataDir: new Blob([fs.readFileSync(process.env[PGLITE_DUMP_ENV]!)]) });
    await db.knex.raw('select 1');
    await db.close();
  }
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: path.resolve(__dirname, '../..'), env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 90_000;
    while (!stdout.includes('est prêt') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    expect(stdout).toContain('est prêt');

    // readiness reads the database and the disk: 40 of them in flight when the signal comes
    const first = get(port, '/readyz');
    const burst = Array.from({ length: 40 }, () => get(port, '/readyz'));
    await first;
    child.kill('SIGTERM');
    const answers = await Promise.all(burst);
    const code = await exited;

    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).not.toMatch(/aborted|\n\s+at /);
    expect(stdout).toContain('"message":"server stopped"');
    // each request was answered whole, or never taken in (refused, or reset in the accept queue): none cut off half way
    expect(answers.filter((a) => a.cutOff)).toEqual([]);
    for (const a of answers.filter((x) => x.refused)) expect(['ECONNREFUSED', 'ECONNRESET']).toContain(a.refused);
    expect(answers.filter((a) => a.status).length).toBeGreaterThan(0);
  } finally {
    await pg?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}, 150_000);
