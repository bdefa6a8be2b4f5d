import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { refreshAdvisories } from '../../src/self-audit/advisories-refresh';
import { advisoriesCheck } from '../../src/self-audit/checks/advisories';

/**
 * `npm run advisories:refresh` against a local server answering like the npm registry's bulk
 * advisory endpoint (POST, JSON body name → versions): the snapshot written is the one the
 * weekly self-audit reads offline.
 */
let dir: string;
let server: http.Server;
let received: { method?: string; url?: string; body: unknown } = { body: null };
let answer: { status: number; body: unknown };

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      received = { method: req.method, url: req.url, body: raw ? (JSON.parse(raw) as unknown) : null };
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'entraide-advisories-'));
  fs.writeFileSync(
    path.join(dir, 'package-lock.json'),
    JSON.stringify({
      lockfileVersion: 3,
      packages: {
        '': { version: '1.0.0' },
        'node_modules/qs': { version: '6.5.1' },
        'node_modules/a/node_modules/qs': { version: '6.14.0' },
        'node_modules/zod': { version: '4.1.0' },
      },
    }),
  );
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
const url = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/-/npm/v1/security/advisories/bulk`;

it('posts every installed version and writes the answer, dated, in the registry’s shape', async () => {
  answer = {
    status: 200,
    body: {
      qs: [
        {
          id: 1096,
          title: 'qs vulnerable to Prototype Pollution',
          severity: 'high',
          vulnerable_versions: '<6.10.3',
          url: 'https://github.com/advisories/GHSA-hrpp-h998-j3pp',
          cwe: ['CWE-1321'],
          cvss: { score: 7.5 },
        },
      ],
    },
  };
  const files = { lockfile: path.join(dir, 'package-lock.json'), snapshot: path.join(dir, 'security', 'advisories.json') };
  const now = new Date('2026-11-20T08:00:00Z');
  expect(await refreshAdvisories({ ...files, url: url(), now })).toEqual({ packages: 3, advised: 1 });
  expect(received).toEqual({ method: 'POST', url: '/-/npm/v1/security/advisories/bulk', body: { qs: ['6.5.1', '6.14.0'], zod: ['4.1.0'] } });
  const snapshot = JSON.parse(fs.readFileSync(files.snapshot, 'utf8')) as unknown;
  expect(snapshot).toEqual({
    fetchedAt: '2026-11-20T08:00:00.000Z',
    source: url(),
    advisories: {
      qs: [
        {
          id: 1096,
          title: 'qs vulnerable to Prototype Pollution',
          severity: 'high',
          vulnerable_versions: '<6.10.3',
          url: 'https://github.com/advisories/GHSA-hrpp-h998-j3pp',
        },
      ],
    },
  });
  const check = advisoriesCheck(files, new Date('2026-11-23T05:00:00Z'));
  expect(check.status).toBe('alerte');
  expect(check.items?.map((i) => i.label)).toEqual(['qs 6.5.1']);
});

it('keeps the former snapshot when the registry refuses', async () => {
  answer = { status: 405, body: {} };
  const files = { lockfile: path.join(dir, 'package-lock.json'), snapshot: path.join(dir, 'advisories.json') };
  fs.writeFileSync(files.snapshot, '{"fetchedAt":"2026-11-01T00:00:00Z","source":"x","advisories":{}}');
  await expect(refreshAdvisories({ ...files, url: url() })).rejects.toThrow('le registre npm a répondu 405');
  expect(JSON.parse(fs.readFileSync(files.snapshot, 'utf8'))).toMatchObject({ fetchedAt: '2026-11-01T00:00:00Z' });
});
