import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { DataDirLockedError, lockDataDir } from '../../src/db/data-dir-lock';

describe('PGlite data folder lock', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'entraide-lock-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('refuses a second owner while the first one runs, with a clear French message', () => {
    // a live process that is not us (jest's parent process) owns the folder
    fs.writeFileSync(path.join(dir, 'entraide.lock'), String(process.ppid));
    expect(() => lockDataDir(dir)).toThrow(DataDirLockedError);
    expect(() => lockDataDir(dir)).toThrow(/déjà utilisé par un autre processus Entraide/);
  });

  it('takes over a lock left by a process that no longer runs, and releases it', () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    fs.writeFileSync(path.join(dir, 'entraide.lock'), dead.stdout.toString());
    const release = lockDataDir(dir);
    expect(fs.readFileSync(path.join(dir, 'entraide.lock'), 'utf8')).toBe(String(process.pid));
    release();
    expect(fs.existsSync(path.join(dir, 'entraide.lock'))).toBe(false);
  });
});
