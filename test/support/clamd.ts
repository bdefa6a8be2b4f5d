import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ClamdScanner } from '../../src/files/virus-scan';

/**
 * A real clamd for the tests (DESIGN §12): Debian's clamav-daemon, started by the test file on a
 * database of its own built here — nothing can be downloaded, and freshclam never runs. The
 * database knows the EICAR test file by its MD5 (`sigtool --md5 eicar.com > test.hdb`) and, so
 * that a PDF carrying it is caught too, by its bytes anywhere in a file (test.ndb). Tests assert
 * on `FOUND`, never on a signature's name. A missing clamd fails the test file with the way to
 * install it: these tests are never skipped.
 */

/** The EICAR anti-virus test file (eicar.org): harmless, detected by every scanner. */
export const EICAR = Buffer.from('X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*', 'latin1');

/** A PDF by its first bytes (it passes the type check) that carries the EICAR string. */
export const INFECTED_PDF = Buffer.concat([Buffer.from('%PDF-1.4\n1 0 obj << >> endobj\n% '), EICAR, Buffer.from('\ntrailer << >>\n%%EOF\n')]);

export interface Clamd {
  readonly socket: string;
  readonly host: string;
  readonly port: number;
  /** How long clamd took from spawn to its first PONG. */
  readonly startMs: number;
  /** The environment an app needs to scan with this clamd (Unix socket). */
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

function binary(name: string): string {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/bin']) {
    const candidate = path.join(dir, name);
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  throw new Error(
    `${name} is not installed: the virus scan tests run against a real clamd and are never skipped. ` +
      'Install it with `apt-get install -y clamav-daemon` (.ci/run does when clamd is missing).',
  );
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts clamd on a fresh signature database, listening on a Unix socket and on 127.0.0.1. */
export async function startClamd(options: { streamMaxLength?: string } = {}): Promise<Clamd> {
  const clamd = binary('clamd');
  const sigtool = binary('sigtool');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'entraide-clamd-'));
  fs.writeFileSync(path.join(dir, 'eicar.com'), EICAR);
  fs.writeFileSync(path.join(dir, 'test.hdb'), execFileSync(sigtool, ['--md5', 'eicar.com'], { cwd: dir }));
  fs.rmSync(path.join(dir, 'eicar.com'));
  // target 0 (any file), any offset: the EICAR bytes wherever they are
  fs.writeFileSync(path.join(dir, 'test.ndb'), `Entraide.Test.EICAR:0:*:${EICAR.toString('hex')}\n`);
  const socket = path.join(dir, 'clamd.sock');
  const host = '127.0.0.1';
  const port = await freePort();
  const conf = path.join(dir, 'clamd.conf');
  fs.writeFileSync(
    conf,
    [
      'Foreground yes',
      `DatabaseDirectory ${dir}`,
      `LocalSocket ${socket}`,
      `TCPSocket ${port}`,
      `TCPAddr ${host}`,
      `StreamMaxLength ${options.streamMaxLength ?? '12M'}`,
      'MaxThreads 4',
      'LogSyslog no',
      'LogTime no',
      '',
    ].join('\n'),
  );
  const started = performance.now();
  const child: ChildProcess = spawn(clamd, [`--config-file=${conf}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
  child.stderr?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  const scanner = new ClamdScanner({ address: { socket }, timeoutMs: 2000 });
  const deadline = started + 30_000;
  while (!(await scanner.ping())) {
    if (gone) throw new Error(`clamd stopped while starting:\n${output}`);
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`clamd did not answer PING within 30 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const startMs = Math.round(performance.now() - started);
  return {
    socket,
    host,
    port,
    startMs,
    env: { UPLOAD_SCAN: 'clamav', CLAMD_SOCKET: socket, CLAMD_TIMEOUT_SECONDS: '10' },
    stop: async () => {
      if (!gone) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * One clamd for a test file: started before its app (register it before useWorld), stopped
 * after. Read `c.clamd` in tests; `c.env` (`extra` and clamd's address) is filled in before
 * useWorld's beforeAll reads it.
 */
export function useClamd(extra: Record<string, string> = {}): { readonly clamd: Clamd; readonly env: Record<string, string> } {
  const holder = {} as { clamd: Clamd; env: Record<string, string> };
  const env: Record<string, string> = { ...extra };
  holder.env = env;
  beforeAll(async () => {
    holder.clamd = await startClamd();
    Object.assign(env, holder.clamd.env);
  }, 60_000);
  afterAll(() => holder.clamd?.stop());
  return holder;
}
