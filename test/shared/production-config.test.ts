import { readFileSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { parse } from 'yaml';
import { loadConfig, PLACEHOLDER_SECRETS } from '../../src/config';

/** What an operator generates once (README, « En production »). */
const generated = () => ({
  SESSION_SECRET: randomBytes(48).toString('base64'),
  LINK_SIGNING_SECRET: randomBytes(48).toString('base64'),
  DATA_ENCRYPTION_KEY: `k1:${randomBytes(32).toString('base64')}`,
});

const safe = () => ({
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://entraide@db/entraide',
  SMTP_HOST: 'smtp.example.org',
  BASE_URL: 'https://entraide.example.org',
  TRUST_PROXY: 'true',
  ...generated(),
});

const refusal = (env: Record<string, string | undefined>): string => {
  try {
    loadConfig(env);
  } catch (err) {
    return (err as Error).message;
  }
  return '';
};

describe('a production configuration', () => {
  it('starts when every secret is generated, behind its TLS proxy', () => {
    const config = loadConfig(safe());
    expect(config.trustProxy).toBe(true);
    expect(config.seedDemo).toBe(false);
    expect(config.dataEncryption.currentKeyId).toBe('k1');
    // outside production the demo key reads the demo's rows; production knows only its own keys
    expect(Object.keys(config.dataEncryption.keys)).toEqual(['k1']);
    expect(config.secondFactorRoles.length).toBeGreaterThan(0);
  });

  it.each(['SESSION_SECRET', 'DATA_ENCRYPTION_KEY', 'LINK_SIGNING_SECRET', 'DATABASE_URL', 'SMTP_HOST', 'BASE_URL'])(
    'is refused without %s, with a French message naming it',
    (key) => {
      const message = refusal({ ...safe(), [key]: undefined });
      expect(message).toMatch(new RegExp(`^Configuration refusée — .*${key} : est obligatoire en production`));
    },
  );

  it('is refused when a secret is a documented placeholder', () => {
    expect(refusal({ ...safe(), SESSION_SECRET: 'change-me-to-a-long-random-secret-of-64-characters-at-least' })).toMatch(
      /SESSION_SECRET : vaut une valeur d’exemple/,
    );
    expect(refusal({ ...safe(), LINK_SIGNING_SECRET: 'changez-moi-changez-moi-changez-moi-changez-moi' })).toMatch(
      /LINK_SIGNING_SECRET : vaut une valeur d’exemple/,
    );
    expect(refusal({ ...safe(), DATA_ENCRYPTION_KEY: 'k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' })).toMatch(
      /DATA_ENCRYPTION_KEY : vaut une valeur d’exemple/,
    );
    // the embedded demo's key is in the source, under its own id or another
    expect(refusal({ ...safe(), DATA_ENCRYPTION_KEY: 'demo:ZW50cmFpZGUtZGVtby1rZXktbm90LWZvci1wcm9kISE=' })).toMatch(
      /DATA_ENCRYPTION_KEY : vaut une valeur d’exemple/,
    );
    expect(refusal({ ...safe(), DATA_ENCRYPTION_KEY: 'k7:ZW50cmFpZGUtZGVtby1rZXktbm90LWZvci1wcm9kISE=' })).toMatch(
      /DATA_ENCRYPTION_KEY : vaut une valeur d’exemple/,
    );
    for (const placeholder of PLACEHOLDER_SECRETS.filter((p) => p.length >= 32 && !p.includes(':'))) {
      expect(refusal({ ...safe(), SESSION_SECRET: placeholder })).toMatch(/SESSION_SECRET/);
    }
  });

  it('is refused when the same secret signs sessions and mailed links', () => {
    const secret = randomBytes(48).toString('base64');
    expect(refusal({ ...safe(), SESSION_SECRET: secret, LINK_SIGNING_SECRET: secret })).toMatch(/LINK_SIGNING_SECRET : doit différer de SESSION_SECRET/);
  });

  it('refuses the demo seed, a missing proxy, a plain-http address and a second factor switched off', () => {
    expect(refusal({ ...safe(), SEED_DEMO: 'true' })).toMatch(/SEED_DEMO : les données de démonstration .* sont refusées en production/);
    expect(refusal({ ...safe(), TRUST_PROXY: 'false' })).toMatch(/TRUST_PROXY : doit valoir true en production/);
    expect(refusal({ ...safe(), BASE_URL: 'http://entraide.example.org' })).toMatch(/BASE_URL : doit commencer par https:\/\//);
    expect(refusal({ ...safe(), SECOND_FACTOR: 'off' })).toMatch(/SECOND_FACTOR : le second facteur ne peut pas être désactivé/);
    expect(refusal({ ...safe(), DATA_ENCRYPTION_KEY: 'k1:short' })).toMatch(/DATA_ENCRYPTION_KEY : doit avoir la forme/);
  });

  it('stops the real server with that French message and no stack trace', () => {
    const env = { ...process.env, ...safe(), SEED_DEMO: 'true', NODE_OPTIONS: '' } as NodeJS.ProcessEnv;
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: path.resolve(__dirname, '../..'),
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^Configuration refusée — SEED_DEMO : les données de démonstration/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('docker-compose.yml as shipped', () => {
  const compose = parse(readFileSync(path.resolve(__dirname, '../../docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { environment?: Record<string, string>; ports?: string[] }>;
  };
  const apps = Object.entries(compose.services).filter(([, s]) => s.environment?.NODE_ENV === 'production');

  it('runs every app replica in production, behind its proxy, without the demo', () => {
    expect(apps.map(([name]) => name).sort()).toEqual(['app1', 'app2']);
    for (const [, service] of apps) {
      const env = service.environment as Record<string, string>;
      expect(env.SEED_DEMO).toBeUndefined();
      expect(env.TRUST_PROXY).toBe('true');
      expect(env.BASE_URL).toMatch(/^\$\{BASE_URL:-https:\/\//);
    }
  });

  it('holds no secret: each one is required from the environment and refused when missing', () => {
    for (const [, service] of apps) {
      const env = service.environment as Record<string, string>;
      for (const key of ['SESSION_SECRET', 'DATA_ENCRYPTION_KEY', 'LINK_SIGNING_SECRET']) {
        expect(env[key]).toMatch(new RegExp(`^\\$\\{${key}:\\?.+\\}$`));
      }
      expect(env.DATABASE_URL).toContain('${POSTGRES_PASSWORD:?');
    }
    expect(compose.services.postgres?.environment?.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?.+\}$/);
    // the database is reachable by the app replicas only
    expect(compose.services.postgres?.ports).toBeUndefined();
  });

  it('gives a configuration the application accepts once the operator’s secrets are filled in', () => {
    const secrets = { ...generated(), POSTGRES_PASSWORD: randomBytes(24).toString('hex') } as Record<string, string>;
    for (const [, service] of apps) {
      const env = Object.fromEntries(
        Object.entries(service.environment as Record<string, string>).map(([k, v]) => [
          k,
          String(v).replace(
            /\$\{(\w+)(?::[-?]([^}]*))?\}/g,
            (_m, name: string, fallback: string | undefined) => secrets[name] ?? (v.includes(':-') ? (fallback ?? '') : ''),
          ),
        ]),
      );
      expect(() => loadConfig(env)).not.toThrow();
    }
  });

  it('serves the app over TLS only: nginx redirects plain http and sets the forwarded protocol', () => {
    const nginx = readFileSync(path.resolve(__dirname, '../../docker/nginx.conf'), 'utf8');
    expect(nginx).toMatch(/listen 443 ssl/);
    expect(nginx).toMatch(/return 301 https:\/\//);
    expect(nginx).toMatch(/X-Forwarded-Proto https/);
  });
});
