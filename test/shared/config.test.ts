import { ConfigError, loadConfig } from '../../src/config';

describe('configuration', () => {
  it('defaults to PGlite under ./data with demo data and exports under DATA_DIR/exports', () => {
    const c = loadConfig({});
    expect(c.database.kind).toBe('pglite');
    expect(c.dataDir.endsWith('/data')).toBe(true);
    expect(c.exportDir.endsWith('/data/exports')).toBe(true);
    expect(c.seedDemo).toBe(true);
    expect(c.port).toBe(3000);
    expect(c.session.idleMinutes).toBe(30);
  });

  it('uses PostgreSQL with DATABASE_URL and no demo data unless asked', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://u@h/db' });
    expect(c.database).toEqual({ kind: 'postgres', url: 'postgres://u@h/db', poolMax: 10, preparedStatements: 256 });
    expect(c.seedDemo).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db', SEED_DEMO: 'true' }).seedDemo).toBe(true);
  });

  it('stops on a bad value with one clear line', () => {
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(/^Configuration refusée — PORT :/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
  });

  it('takes OpenPGP with the funder whole or not at all, for the outbound flows only', () => {
    expect(loadConfig({}).funder.pgp).toBeNull();
    expect(() => loadConfig({ FUNDER_PGP_FLOWS: 'SUIVI' })).toThrow(/FUNDER_PGP_FUNDER_KEY.*FUNDER_PGP_OWN_KEY|FUNDER_PGP_OWN_KEY.*FUNDER_PGP_FUNDER_KEY/);
    expect(() => loadConfig({ FUNDER_PGP_FLOWS: 'SUIVI,ORIENTATIONS', FUNDER_PGP_FUNDER_KEY: 'a.asc', FUNDER_PGP_OWN_KEY: 'b.asc' })).toThrow(
      /flux inconnu « ORIENTATIONS »/,
    );
    expect(loadConfig({ FUNDER_PGP_FLOWS: 'SUIVI, REPORTING', FUNDER_PGP_FUNDER_KEY: 'a.asc', FUNDER_PGP_OWN_KEY: 'b.asc' }).funder.pgp).toMatchObject({
      flows: ['SUIVI', 'REPORTING'],
      passphrase: null,
    });
  });

  it('requires secrets, database, SMTP and base URL in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/SESSION_SECRET.*DATABASE_URL.*SMTP_HOST.*BASE_URL/);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(loadConfig({}))).toBe(true);
  });
});
