import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { loadConfig } from '../../src/config';
import { PROJECT_ROOT } from '../../src/paths';
import { useWorld } from '../support/world';
import { actorOf, IBAN, ribFile } from '../factories/payment';
import { loginAs } from '../support/http';

/**
 * ASVS 4.0.3 V12.4.1: files people give or the extranet makes (uploads, RIBs, letters, exports,
 * backups) are stored outside the web root: in the database (blobs) or in the data, export and
 * backup folders, never under public/, and the static middleware serves none of them.
 */
const t = useWorld();
const PUBLIC = path.join(PROJECT_ROOT, 'public');
const inside = (dir: string, parent: string) => {
  const rel = path.relative(parent, dir);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

describe('where stored files live', () => {
  it.each([
    ['the defaults', {}],
    ['a production-like setting', { DATA_DIR: '/var/lib/entraide', EXPORT_DIR: '/srv/entraide/exports', BACKUP_DIR: '/srv/entraide/sauvegardes' }],
    ['relative folders', { DATA_DIR: './data', EXPORT_DIR: './exports' }],
  ])('with %s, the data, export and backup folders are not inside public/', (_label, env) => {
    const config = loadConfig({ NODE_ENV: 'test', SESSION_SECRET: 'test-secret-test-secret-test-secret-0123456789', ...env });
    const dirs = [config.dataDir, config.exportDir, config.backup.dir, ...(config.database.kind === 'pglite' ? [config.database.dir] : [])];
    for (const dir of dirs) expect({ dir, insidePublic: inside(dir, PUBLIC) }).toEqual({ dir, insidePublic: false });
  });

  it('public/ holds only the site’s own assets (no document, export, backup or upload)', () => {
    const files = (dir: string): string[] =>
      fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
    const unexpected = files(PUBLIC).filter((f) => !/\.(css|js|svg|ico|png|woff2?|map)$/.test(f));
    expect(unexpected).toEqual([]);
  });
});

describe('the static middleware and a stored file', () => {
  it('serves neither an uploaded RIB (by blob id or name) nor an export, a backup or a source file, to anyone', async () => {
    await t.ctx.services.payees.submitOwn(
      await actorOf(t.ctx.knex, t.world.users.adminA.id),
      { holderName: 'Bailleur Alpha', iban: IBAN.alpha, bic: 'AGRIFRPPXXX' },
      ribFile('RIB-alpha.pdf'),
    );
    const account = await t.ctx.knex('bank_accounts').whereNotNull('rib_blob_id').first('id', 'rib_blob_id');
    const blobId = account.rib_blob_id as string;
    // the owner gets it through its authenticated, permission-checked route
    const owner = await loginAs(t.ctx.app, t.world.users.adminA.email);
    const served = await owner.get(`/comptes-bancaires/${account.id}/rib`);
    expect(served.status).toBe(200);
    expect(served.headers['content-disposition']).toMatch(/attachment/);

    // a file in each of the folders the extranet writes to
    const config = t.ctx.services.config;
    const written: string[] = [];
    const cleanup: string[] = [];
    for (const dir of [path.join(config.exportDir, 'accounting', 'outbox'), config.backup.dir]) {
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `fuite-${process.pid}.csv`);
      fs.writeFileSync(file, 'secret;12345\n');
      cleanup.push(file);
      written.push(path.basename(file));
    }

    const paths = [
      `/public/${blobId}`,
      `/public/${blobId}.pdf`,
      `/${blobId}`,
      '/public/RIB-alpha.pdf',
      '/public/RIB.pdf',
      `/public/blobs/${blobId}`,
      `/vendor/bootstrap/${blobId}`,
      `/vendor/htmx/${blobId}`,
      ...written.flatMap((name) => [
        `/public/${name}`,
        `/public/exports/${name}`,
        `/public/accounting/outbox/${name}`,
        `/exports/${name}`,
        `/backups/${name}`,
        `/data/${name}`,
      ]),
      '/public/%2e%2e/package.json',
      '/public/..%2fpackage.json',
      '/public/%2e%2e/src/config.ts',
      '/vendor/bootstrap/%2e%2e/%2e%2e/package.json',
      '/public/%2e%2e/.env',
    ];
    try {
      for (const agent of [request(t.ctx.app), owner]) {
        for (const p of paths) {
          const res = await agent.get(p);
          // send answers 403 to a path climbing out of its root: as refused as a 404
          expect({ p, status: res.status === 403 ? 404 : res.status }).toEqual({ p, status: 404 });
          expect(res.text ?? '').not.toContain('secret;12345');
          expect(res.text ?? '').not.toContain('"name": "entraide"');
          expect(res.headers['content-type'] ?? '').not.toMatch(/pdf|csv|octet-stream/);
        }
      }
    } finally {
      cleanup.forEach((f) => fs.rmSync(f, { force: true }));
    }
  });
});
