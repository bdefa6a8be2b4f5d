import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { parse } from 'yaml';
import { ConfigError, loadConfig } from '../../src/config';
import { ClamdScanner, ScannerUnavailableError, parseScanReply, virusScannerFor } from '../../src/files/virus-scan';
import { EICAR, INFECTED_PDF, startClamd, type Clamd } from '../support/clamd';
import { PDF } from '../support/filing';

/**
 * Issue 18: the clamd client (INSTREAM) against a real clamd started on a database built from the
 * EICAR test file; assertions on FOUND, never on a signature's name.
 */
let clamd: Clamd;
beforeAll(async () => {
  clamd = await startClamd();
  // measured here: 0.13 to 0.27 s from spawn to the first PONG with the two-signature database
  console.log(`clamd answered PING ${clamd.startMs} ms after it was started`);
}, 60_000);
afterAll(() => clamd?.stop());

const overSocket = () => new ClamdScanner({ address: { socket: clamd.socket }, timeoutMs: 5000 });
const overTcp = () => new ClamdScanner({ address: { host: clamd.host, port: clamd.port }, timeoutMs: 5000 });

async function unavailable(promise: Promise<unknown>): Promise<ScannerUnavailableError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ScannerUnavailableError);
  return err as ScannerUnavailableError;
}

describe('the clamd client (INSTREAM)', () => {
  it('finds EICAR over the Unix socket and over TCP', async () => {
    for (const scanner of [overSocket(), overTcp()]) {
      const result = await scanner.scan(EICAR, 'eicar.com');
      expect(result.clean).toBe(false);
      expect(result.clean === false && result.signature.length).toBeGreaterThan(0);
    }
  });

  it('finds EICAR inside a PDF, and across chunk boundaries of a large file', async () => {
    expect((await overSocket().scan(INFECTED_PDF, 'avis.pdf')).clean).toBe(false);
    const large = Buffer.concat([PDF, Buffer.alloc(3 * 1024 * 1024 + 17, 0x20), EICAR, Buffer.from('\n%%EOF\n')]);
    const smallChunks = new ClamdScanner({ address: { socket: clamd.socket }, timeoutMs: 10_000, chunkBytes: 1000 });
    expect((await smallChunks.scan(large, 'gros.pdf')).clean).toBe(false);
  });

  it('says a clean PDF, an empty file and a 10 MB file are clean', async () => {
    expect(await overSocket().scan(PDF, 'avis.pdf')).toEqual({ clean: true });
    expect(await overTcp().scan(Buffer.alloc(0), 'vide.pdf')).toEqual({ clean: true });
    const tenMegabytes = Buffer.concat([PDF, Buffer.alloc(10 * 1024 * 1024 - PDF.length, 0x41)]);
    expect(await overSocket().scan(tenMegabytes, 'gros.pdf')).toEqual({ clean: true });
  });

  it('reads clamd’s answers: OK, FOUND, the size limit, anything else', () => {
    expect(parseScanReply('stream: OK')).toEqual({ clean: true });
    expect(parseScanReply('stream: Win.Test.EICAR_HDB-1 FOUND')).toEqual({ clean: false, signature: 'Win.Test.EICAR_HDB-1' });
    expect(() => parseScanReply('INSTREAM size limit exceeded. ERROR')).toThrow(ScannerUnavailableError);
    expect(() => parseScanReply('UNKNOWN COMMAND')).toThrow(/unexpected_reply/);
  });

  it('reports a file above clamd’s StreamMaxLength as not scanned (size_limit), never as clean', async () => {
    const small = await startClamd({ streamMaxLength: '1M' });
    try {
      const err = await unavailable(
        new ClamdScanner({ address: { socket: small.socket }, timeoutMs: 10_000 }).scan(Buffer.alloc(3 * 1024 * 1024, 0x41), 'gros.pdf'),
      );
      // clamd answers « INSTREAM size limit exceeded » and hangs up: the answer or the broken pipe, whichever Node sees first
      expect(['size_limit', 'closed']).toContain(err.reason);
      expect(err.message).toMatch(/StreamMaxLength/);
    } finally {
      await small.stop();
    }
  });

  it('reports a clamd that was stopped, or that does not answer, as unavailable', async () => {
    const stopped = await startClamd();
    const scanner = new ClamdScanner({ address: { socket: stopped.socket }, timeoutMs: 5000 });
    const tcp = new ClamdScanner({ address: { host: stopped.host, port: stopped.port }, timeoutMs: 5000 });
    expect(await scanner.ping()).toBe(true);
    await stopped.stop();
    expect(await scanner.ping()).toBe(false);
    expect((await unavailable(scanner.scan(PDF, 'a.pdf'))).reason).toBe('unreachable');
    expect((await unavailable(tcp.scan(PDF, 'a.pdf'))).reason).toBe('unreachable');
    // a peer that accepts the connection and never answers (a clamd stuck on a huge database reload)
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as net.AddressInfo).port;
      const started = Date.now();
      const err = await unavailable(new ClamdScanner({ address: { host: '127.0.0.1', port }, timeoutMs: 300 }).scan(PDF, 'a.pdf'));
      expect(err.reason).toBe('timeout');
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      silent.close();
    }
  });
});

describe('UPLOAD_SCAN and clamd’s address (configuration)', () => {
  const production = {
    NODE_ENV: 'production',
    SESSION_SECRET: 'a'.repeat(40),
    LINK_SIGNING_SECRET: 'b'.repeat(40),
    DATABASE_URL: 'postgres://entraide@db/entraide',
    SMTP_HOST: 'smtp.example.org',
    BASE_URL: 'https://entraide.example.org',
    DATA_ENCRYPTION_KEY: 'k7:Q2hhbmdlZC1rZXktZm9yLXRoZS10ZXN0cy0wMTIzNDU=',
    TRUST_PROXY: 'true',
  };
  const refusal = (env: Record<string, string>) => {
    try {
      loadConfig(env);
      return null;
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
  };

  it('scans in production by default, over Debian’s socket, and refuses UPLOAD_SCAN=off there with a clear line', () => {
    expect(loadConfig(production).uploadScan).toEqual({ mode: 'clamav', address: { socket: '/var/run/clamav/clamd.ctl' }, timeoutMs: 30_000 });
    expect(refusal({ ...production, UPLOAD_SCAN: 'off' })).toMatch(
      /UPLOAD_SCAN : l’analyse antivirus des fichiers déposés ne peut pas être désactivée en production/,
    );
    expect(loadConfig({ ...production, CLAMD_HOST: 'clamav', CLAMD_TIMEOUT_SECONDS: '5' }).uploadScan).toEqual({
      mode: 'clamav',
      address: { host: 'clamav', port: 3310 },
      timeoutMs: 5000,
    });
  });

  it('is off outside production unless asked, and refuses a socket and a host together', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).uploadScan).toEqual({ mode: 'off' });
    expect(loadConfig({ NODE_ENV: 'development', UPLOAD_SCAN: 'clamav', CLAMD_SOCKET: '/run/clamd.sock' }).uploadScan).toMatchObject({
      mode: 'clamav',
      address: { socket: '/run/clamd.sock' },
    });
    expect(refusal({ NODE_ENV: 'test', UPLOAD_SCAN: 'clamav', CLAMD_SOCKET: '/run/clamd.sock', CLAMD_HOST: 'clamav' })).toMatch(/CLAMD_HOST : clamd est joint/);
    expect(refusal({ NODE_ENV: 'test', UPLOAD_SCAN: 'maybe' })).toMatch(/UPLOAD_SCAN/);
  });

  it('is wired in docker-compose.yml: each app replica scans with the clamav service', () => {
    const compose = parse(readFileSync(path.resolve(__dirname, '../../docker-compose.yml'), 'utf8'), { merge: true }) as {
      services: Record<string, { image?: string; environment?: Record<string, string> }>;
    };
    const apps = Object.values(compose.services).filter((s) => s.environment?.NODE_ENV === 'production');
    expect(apps.length).toBeGreaterThan(0);
    for (const app of apps) {
      expect(app.environment?.UPLOAD_SCAN).toBeUndefined();
      expect(compose.services[app.environment?.CLAMD_HOST ?? '']?.image).toMatch(/^clamav\/clamav:/);
    }
  });

  it('builds a clamd client from the configuration, and lets everything through when off', async () => {
    const scanner = virusScannerFor(loadConfig({ NODE_ENV: 'test', UPLOAD_SCAN: 'clamav', CLAMD_SOCKET: clamd.socket }).uploadScan);
    expect((await scanner.scan(EICAR, 'eicar.com')).clean).toBe(false);
    expect(await virusScannerFor({ mode: 'off' }).scan(EICAR, 'eicar.com')).toEqual({ clean: true });
  });
});
