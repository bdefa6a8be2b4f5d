import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as openpgp from 'openpgp';
import { loadConfig } from '../../src/config';
import { advisoriesCheck, lockedPackages, matchAdvisories } from '../../src/self-audit/checks/advisories';
import { backupCheck, diskCheck, restoreDrillCheck } from '../../src/self-audit/checks/backups';
import { proxyCheck, secretsCheck } from '../../src/self-audit/checks/configuration';
import { configuredKeyFiles, keysCheck } from '../../src/self-audit/checks/keys';

/** The self-audit's checks that read no database: configuration, backups, disk, dependencies, keys (docs/auto-controle.md). */
const NOW = new Date('2026-11-23T05:00:00Z');
const GOOD = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://entraide@db/entraide',
  SMTP_HOST: 'smtp.example.org',
  BASE_URL: 'https://entraide.example.org',
  TRUST_PROXY: 'true',
  SESSION_SECRET: 'q8Jw2nVt5LxK0pR7sY3mZ6bH1cF4dG9aE2uI5oP8kN3',
  DATA_ENCRYPTION_KEY: `k7:${randomBytes(32).toString('base64')}`,
  LINK_SIGNING_SECRET: 'Zt1Yx2Wv3Uu4Ts5Rr6Qq7Pp8Oo9Nn0Mm1Ll2Kk3Jj4',
  METRICS_TOKEN: 'mT0k3n-9f8e7d6c5b4a3210fedcba9876543210abc',
};
const statusOf = (check: { items?: Array<{ label: string; status?: string }> }, label: string) => check.items?.find((i) => i.label === label)?.status;

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'entraide-self-audit-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('secrets', () => {
  it('finds every secret set in production, and never writes a value out', () => {
    const check = secretsCheck(loadConfig(GOOD));
    expect(check.status).toBe('ok');
    const text = JSON.stringify(check);
    for (const key of ['SESSION_SECRET', 'DATA_ENCRYPTION_KEY', 'LINK_SIGNING_SECRET', 'METRICS_TOKEN'])
      expect(text).not.toContain(GOOD[key as keyof typeof GOOD].slice(4, 20));
    expect(check.items?.map((i) => i.label)).toEqual(['SESSION_SECRET', 'DATA_ENCRYPTION_KEY', 'LINK_SIGNING_SECRET', 'METRICS_TOKEN']);
  });

  it('detects the development defaults: session secret, demo encryption key, link secret derived from the session’s', () => {
    const check = secretsCheck(loadConfig({ NODE_ENV: 'development' }));
    expect(check.status).toBe('alerte');
    expect(check.items).toEqual(
      expect.arrayContaining([
        { label: 'SESSION_SECRET', detail: 'non défini : valeur par défaut de développement', status: 'alerte' },
        { label: 'DATA_ENCRYPTION_KEY', detail: 'non défini : clé de démonstration (écrite dans le code source)', status: 'alerte' },
        { label: 'LINK_SIGNING_SECRET', detail: 'non défini : dérivé de SESSION_SECRET', status: 'a_revoir' },
        { label: 'METRICS_TOKEN', detail: 'non défini : /metrics est fermé', status: 'ok' },
      ]),
    );
    expect(check.explanation).toContain('attendu hors production (NODE_ENV=development)');
  });

  it('detects the documentation’s example values (placeholders) even outside production', () => {
    const check = secretsCheck(
      loadConfig({
        NODE_ENV: 'development',
        SESSION_SECRET: 'change-me-to-a-long-random-secret-of-64-characters-at-least',
        DATA_ENCRYPTION_KEY: 'k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
        LINK_SIGNING_SECRET: 'example-link-secret-example-link-secret-0000',
        METRICS_TOKEN: 'placeholder-token-placeholder-token-000000',
      }),
    );
    expect(check.status).toBe('alerte');
    for (const label of ['SESSION_SECRET', 'DATA_ENCRYPTION_KEY', 'LINK_SIGNING_SECRET', 'METRICS_TOKEN']) {
      expect(check.items?.find((i) => i.label === label)).toEqual({ label, detail: 'valeur d’exemple de la documentation', status: 'alerte' });
    }
    // the same example key under another identifier is the same key
    expect(statusOf(secretsCheck(loadConfig({ DATA_ENCRYPTION_KEY: 'prod:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' })), 'DATA_ENCRYPTION_KEY')).toBe(
      'alerte',
    );
  });
});

describe('proxy and cookies', () => {
  it('is ok behind the TLS proxy in production', () => {
    expect(proxyCheck(loadConfig(GOOD)).status).toBe('ok');
  });

  it('says cookies are not Secure without TRUST_PROXY, to review outside production', () => {
    const check = proxyCheck(loadConfig({ NODE_ENV: 'development' }));
    expect(check.status).toBe('a_revoir');
    expect(statusOf(check, 'TRUST_PROXY')).toBe('a_revoir');
    expect(check.items?.find((i) => i.label === 'TRUST_PROXY')?.detail).toContain('sans l’attribut Secure');
    expect(statusOf(check, 'BASE_URL')).toBe('a_revoir');
  });
});

describe('backups, restore drills and disk', () => {
  it('grades the latest backup by its age: none is an alert, one missed night to review, two an alert', () => {
    expect(backupCheck(null, NOW).status).toBe('alerte');
    const at = (hours: number) => ({ name: 'entraide-x.tar.gz', bytes: 4096, at: new Date(NOW.getTime() - hours * 3_600_000) });
    expect(backupCheck(at(4), NOW).status).toBe('ok');
    expect(backupCheck(at(30), NOW).status).toBe('a_revoir');
    expect(backupCheck(at(51), NOW)).toMatchObject({ status: 'alerte', explanation: expect.stringContaining('51 heures') });
  });

  it('says when no restore drill was recorded, and grades the last one', () => {
    expect(restoreDrillCheck('no-table', NOW).explanation).toContain('Aucun exercice de restauration enregistré');
    expect(restoreDrillCheck(null, NOW).explanation).toContain('Aucun exercice de restauration enregistré');
    const drill = (days: number, ok: boolean) => ({
      startedAt: new Date(NOW.getTime() - days * 86_400_000),
      ok,
      source: 'offsite',
      backupName: 'entraide-20261001-013000.dump',
      error: ok ? null : 'pg_restore a échoué',
    });
    expect(restoreDrillCheck(drill(10, true), NOW).status).toBe('ok');
    expect(restoreDrillCheck(drill(100, true), NOW).status).toBe('a_revoir');
    expect(restoreDrillCheck(drill(3, false), NOW)).toMatchObject({ status: 'alerte', items: [{ detail: expect.stringContaining('pg_restore a échoué') }] });
  });

  it('compares the free space of the data and backup folders with READY_MIN_FREE_MB', () => {
    expect(diskCheck({ data: { freeMb: 5000, ok: true }, backups: { freeMb: 5000, ok: true } }, 500).status).toBe('ok');
    expect(diskCheck({ data: { freeMb: 800, ok: true }, backups: { freeMb: 5000, ok: true } }, 500).status).toBe('a_revoir');
    const low = diskCheck({ data: { freeMb: 5000, ok: true }, backups: { freeMb: 100, ok: false } }, 500);
    expect(low.status).toBe('alerte');
    expect(low.items?.[1]).toEqual({ label: 'Dossier des sauvegardes (BACKUP_DIR)', detail: '100 Mo libres (minimum 500 Mo)', status: 'alerte' });
    expect(diskCheck({ data: { freeMb: null, ok: false }, backups: { freeMb: 900, ok: true } }, 500).status).toBe('alerte');
  });
});

describe('dependencies with known vulnerabilities (offline lockfile check)', () => {
  const lockfile = {
    name: 'x',
    lockfileVersion: 3,
    packages: {
      '': { name: 'x', version: '1.0.0' },
      'node_modules/left-pad': { version: '1.1.0' },
      'node_modules/express': { version: '5.0.0' },
      'node_modules/express/node_modules/qs': { version: '6.5.1' },
      'node_modules/qs': { version: '6.14.0' },
      'node_modules/jest-thing': { version: '2.0.0', dev: true },
      'node_modules/linked': { resolved: '../linked', link: true },
    },
  };
  const advisories = {
    qs: [{ id: 1, title: 'Prototype pollution in qs', severity: 'high', vulnerable_versions: '<6.10.3', url: 'https://github.com/advisories/GHSA-aaaa' }],
    'left-pad': [{ id: 2, title: 'ReDoS in left-pad', severity: 'low', vulnerable_versions: '>=1.0.0 <1.3.0', url: 'https://github.com/advisories/GHSA-bbbb' }],
    'jest-thing': [{ id: 3, title: 'Critical thing', severity: 'critical', vulnerable_versions: '<3.0.0', url: 'https://github.com/advisories/GHSA-cccc' }],
    express: [{ id: 4, title: 'Old express', severity: 'moderate', vulnerable_versions: '<4.20.0', url: 'https://github.com/advisories/GHSA-dddd' }],
  };
  const write = (snapshot: unknown) => {
    fs.writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify(lockfile));
    if (snapshot !== undefined) fs.writeFileSync(path.join(dir, 'advisories.json'), JSON.stringify(snapshot));
    return { lockfile: path.join(dir, 'package-lock.json'), snapshot: path.join(dir, 'advisories.json') };
  };

  it('reads every installed version of the lockfile, nested ones included, links left out', () => {
    expect(lockedPackages(lockfile).map((p) => `${p.name}@${p.version}${p.dev ? ' dev' : ''}`)).toEqual([
      'express@5.0.0',
      'jest-thing@2.0.0 dev',
      'left-pad@1.1.0',
      'qs@6.5.1',
      'qs@6.14.0',
    ]);
  });

  it('matches the versions inside each advisory’s range with semver', () => {
    const found = matchAdvisories(lockedPackages(lockfile), advisories as never);
    expect(found.map((f) => `${f.package.name}@${f.package.version}`)).toEqual(['jest-thing@2.0.0', 'left-pad@1.1.0', 'qs@6.5.1']);
  });

  it('raises an alert for a high advisory on a runtime package, says the snapshot’s date', () => {
    const check = advisoriesCheck(write({ fetchedAt: '2026-11-20T08:00:00Z', source: 'test', advisories }), NOW);
    expect(check.status).toBe('alerte');
    expect(check.items?.find((i) => i.label === 'qs 6.5.1')).toMatchObject({ status: 'alerte', detail: expect.stringContaining('gravité élevée') });
    expect(check.items?.find((i) => i.label === 'jest-thing 2.0.0 (développement)')?.status).toBe('a_revoir');
    expect(check.items?.find((i) => i.label === 'left-pad 1.1.0')?.status).toBe('a_revoir');
    expect(check.explanation.replace(/\s/g, ' ')).toContain('instantané du 20/11/2026 (2 jour(s))');
  });

  it('warns when the snapshot is older than 30 days, and when there is none', () => {
    const stale = advisoriesCheck(write({ fetchedAt: '2026-10-20T08:00:00Z', source: 'test', advisories: {} }), NOW);
    expect(stale.status).toBe('a_revoir');
    expect(stale.explanation).toContain('a 33 jours (plus de 30)');
    const fresh = advisoriesCheck(write({ fetchedAt: '2026-11-01T08:00:00Z', source: 'test', advisories: {} }), NOW);
    expect(fresh.status).toBe('ok');
    expect(fresh.explanation).toContain('Aucune des 5 versions installées');
    fs.rmSync(path.join(dir, 'advisories.json'));
    const none = advisoriesCheck(write(undefined), NOW);
    expect(none).toMatchObject({ status: 'a_revoir', explanation: expect.stringContaining('npm run advisories:refresh') });
  });
});

describe('certificates and keys', () => {
  it('says « aucun certificat configuré » when the configuration points to none', async () => {
    const config = loadConfig({ NODE_ENV: 'test' });
    expect(configuredKeyFiles(config)).toEqual([]);
    const check = await keysCheck([], NOW);
    expect(check).toMatchObject({ status: 'ok', explanation: expect.stringContaining('Aucun certificat configuré') });
  });

  it('lists the SFTP key and the OpenPGP keys the configuration points to', () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      FUNDER_TRANSPORT: 'sftp',
      FUNDER_SFTP_HOST: 'sftp.example.org',
      FUNDER_SFTP_USER: 'entraide',
      FUNDER_SFTP_KEY: path.join(dir, 'id_ed25519'),
      FUNDER_SFTP_HOST_KEY: 'SHA256:abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ',
      FUNDER_PGP_FUNDER_KEY: path.join(dir, 'funder.asc'),
      FUNDER_PGP_OWN_KEY: path.join(dir, 'own.asc'),
    });
    expect(configuredKeyFiles(config).map((f) => f.path)).toEqual([path.join(dir, 'id_ed25519'), path.join(dir, 'funder.asc'), path.join(dir, 'own.asc')]);
  });

  it('reads an X.509 certificate’s end date and warns 30 days before it', async () => {
    const cert = (days: number, name: string) => {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-keyout',
          path.join(dir, `${name}.key`),
          '-out',
          path.join(dir, `${name}.pem`),
          '-days',
          String(days),
          '-subj',
          '/CN=entraide.test',
        ],
        { stdio: 'ignore' },
      );
      return { label: name, path: path.join(dir, `${name}.pem`) };
    };
    // openssl dates from the real time: compare with the real time here
    const now = new Date();
    const check = await keysCheck([cert(20, 'bientot'), cert(400, 'loin')], now);
    expect(check.status).toBe('a_revoir');
    expect(check.items?.[0]).toMatchObject({
      label: 'bientot',
      status: 'a_revoir',
      // openssl and this process read the clock a moment apart, to the second for openssl: 19 or 20 whole days left
      detail: expect.stringMatching(/^certificat X\.509, expire le .* \(dans (19|20) jour\(s\)\)$/),
    });
    expect(check.items?.[1]).toMatchObject({ label: 'loin', status: 'ok' });
    const later = await keysCheck([{ label: 'bientot', path: path.join(dir, 'bientot.pem') }], new Date(now.getTime() + 21 * 86_400_000));
    expect(later).toMatchObject({ status: 'alerte', items: [{ detail: expect.stringContaining('expirée depuis le') }] });
  });

  it('reads an OpenPGP key’s expiry, a key without one, and an unreadable file', async () => {
    const created = new Date(NOW.getTime() - 86_400_000);
    const expiring = await openpgp.generateKey({
      userIDs: [{ name: 'Sauvegardes', email: 'sauvegardes@entraide.test' }],
      type: 'ecc',
      curve: 'curve25519Legacy',
      keyExpirationTime: 20 * 86_400,
      date: created,
      format: 'armored',
    });
    const lasting = await openpgp.generateKey({
      userIDs: [{ name: 'Action Logement', email: 'al@entraide.test' }],
      type: 'ecc',
      curve: 'curve25519Legacy',
      date: created,
      format: 'armored',
    });
    fs.writeFileSync(path.join(dir, 'backup.asc'), expiring.publicKey);
    fs.writeFileSync(path.join(dir, 'funder.asc'), lasting.publicKey);
    fs.writeFileSync(path.join(dir, 'id_ed25519'), '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n');
    const check = await keysCheck(
      [
        { label: 'sauvegardes', path: path.join(dir, 'backup.asc') },
        { label: 'financeur', path: path.join(dir, 'funder.asc') },
        { label: 'ssh', path: path.join(dir, 'id_ed25519') },
        { label: 'absente', path: path.join(dir, 'absente.asc') },
      ],
      NOW,
    );
    expect(check.items).toEqual([
      { label: 'sauvegardes', detail: expect.stringMatching(/^clé OpenPGP, expire le .* \(dans 19 jour\(s\)\)$/), status: 'a_revoir' },
      { label: 'financeur', detail: 'clé OpenPGP, sans date d’expiration', status: 'ok' },
      { label: 'ssh', detail: 'clé privée (SSH ou autre), sans date d’expiration', status: 'ok' },
      { label: 'absente', detail: 'fichier introuvable ou illisible', status: 'alerte' },
    ]);
    expect(check.status).toBe('alerte');
  });
});
