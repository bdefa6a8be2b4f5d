import { createHash } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_PREPARED_STATEMENTS } from './db/prepared-statements';
import { PRIVILEGED_ROLES, ROLES, type Role } from './permissions/roles';

/** `<key id>:<32 random bytes in base64>`; the id is written beside every value it encrypts. */
const KEY_PATTERN = /^[a-z0-9]{1,12}:[A-Za-z0-9+/]{43}=$/;

/** The roles that move money or manage access: they confirm each login with a second factor in production. */
export const DEFAULT_SECOND_FACTOR_ROLES: readonly Role[] = PRIVILEGED_ROLES;

/** Values printed in the documentation or the compose file as examples: never accepted in production. */
export const PLACEHOLDER_SECRETS: readonly string[] = [
  'entraide-development-secret-not-for-production-use',
  'change-me-to-a-long-random-secret-of-64-characters-at-least',
  'k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
  // the embedded demo's key is in the source: it protects nothing
  'demo:ZW50cmFpZGUtZGVtby1rZXktbm90LWZvci1wcm9kISE=',
];

const booleanFlag = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    BASE_URL: z.url().optional(),
    DATA_DIR: z.string().min(1).default('./data'),
    EXPORT_DIR: z.string().min(1).optional(),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'doit commencer par postgres://')
      .optional(),
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
    DATABASE_PREPARED_STATEMENTS: z.coerce.number().int().min(0).max(10_000).default(DEFAULT_PREPARED_STATEMENTS),
    SEED_DEMO: booleanFlag.optional(),
    SESSION_SECRET: z.string().min(32, 'doit compter au moins 32 caractères').optional(),
    SESSION_IDLE_MINUTES: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(30),
    SESSION_ABSOLUTE_HOURS: z.coerce.number().int().min(1).max(72).default(12),
    TRUST_PROXY: booleanFlag.default(false),
    LOGIN_RATE_LIMIT_PER_15_MIN: z.coerce.number().int().min(1).default(30),
    SMTP_HOST: z.string().min(1).optional(),
    SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(587),
    SMTP_SECURE: booleanFlag.default(false),
    SMTP_USER: z.string().optional(),
    SMTP_PASSWORD: z.string().optional(),
    MAIL_FROM: z.string().min(3).default('Entraide <ne-pas-repondre@entraide.local>'),
    LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug', 'silent']).default('info'),
    // /readyz answers 503 when the data or backup folder has less free space than this
    READY_MIN_FREE_MB: z.coerce.number().int().min(0).max(10_000_000).default(500),
    // GET /metrics: a bearer token (32 characters or more) and/or the addresses allowed without it
    METRICS_TOKEN: z.string().min(32, 'doit compter au moins 32 caractères').max(200).optional(),
    METRICS_ALLOW: z
      .string()
      .max(1000)
      .regex(/^[0-9a-fA-F:.,\s]*$/, 'une liste d’adresses IP séparées par des virgules')
      .optional(),
    REFERENCE_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).optional(),
    ADMIN_SECOND_FACTOR: z.enum(['required', 'off']).optional(),
    SECOND_FACTOR: z.enum(['required', 'off']).optional(),
    SECOND_FACTOR_ROLES: z.string().max(200).optional(),
    DATA_ENCRYPTION_KEY: z
      .string()
      .regex(KEY_PATTERN, 'doit avoir la forme <identifiant>:<32 octets en base64>, par exemple k1:$(openssl rand -base64 32)')
      .optional(),
    DATA_ENCRYPTION_OLD_KEYS: z.string().max(2000).optional(),
    LINK_SIGNING_SECRET: z.string().min(32, 'doit compter au moins 32 caractères').optional(),
    ACCESS_LOG_RETENTION_MONTHS: z.coerce.number().int().min(6, 'six mois au moins (CNIL)').max(36, 'trois ans au plus (CNIL)').default(12),
    ACCESS_ALERT_RECORDS_PER_HOUR: z.coerce.number().int().min(10).default(150),
    BACKUP_DIR: z.string().min(1).optional(),
    BACKUP_KEEP: z.coerce.number().int().min(1).max(365).default(14),
    // off-site copies (S3-compatible storage), always encrypted: AES-256-GCM key, or OpenPGP public key (private only where restores run)
    BACKUP_ENCRYPTION_KEY: z
      .string()
      .regex(/^\s*([0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)\s*$/, 'doit valoir 32 octets en base64 ou en hexadécimal, par exemple $(openssl rand -base64 32)')
      .optional(),
    BACKUP_PGP_PUBLIC_KEY: z.string().min(1).optional(),
    BACKUP_PGP_PRIVATE_KEY: z.string().min(1).optional(),
    BACKUP_PGP_PASSPHRASE: z.string().optional(),
    BACKUP_S3_ENDPOINT: z.url('doit être une adresse, par exemple https://s3.fr-par.scw.cloud').optional(),
    BACKUP_S3_BUCKET: z.string().min(3).max(63).optional(),
    BACKUP_S3_REGION: z.string().min(1).default('us-east-1'),
    BACKUP_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
    BACKUP_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
    BACKUP_S3_PREFIX: z
      .string()
      .max(200)
      .regex(/^[A-Za-z0-9._\-/]*$/, 'lettres, chiffres, . _ - et / seulement')
      .default(''),
    BACKUP_S3_KEEP_DAILY: z.coerce.number().int().min(1).max(366).default(14),
    BACKUP_S3_KEEP_WEEKLY: z.coerce.number().int().min(0).max(520).default(8),
    BACKUP_S3_KEEP_MONTHLY: z.coerce.number().int().min(0).max(240).default(12),
    SUPPORT_RETENTION_MONTHS: z.coerce.number().int().min(12, 'un an au moins').max(120).default(24),
    FUNDER_TRANSPORT: z.enum(['folder', 'sftp']).default('folder'),
    FUNDER_DIR: z.string().min(1).optional(),
    FUNDER_SFTP_HOST: z.string().min(1).optional(),
    FUNDER_SFTP_PORT: z.coerce.number().int().min(1).max(65535).default(22),
    FUNDER_SFTP_USER: z.string().min(1).optional(),
    FUNDER_SFTP_KEY: z.string().min(1).optional(),
    FUNDER_SFTP_HOST_KEY: z
      .string()
      .regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, 'doit être l’empreinte SHA256 de la clé d’hôte, comme ssh-keygen -lf l’affiche (SHA256:…)')
      .optional(),
    FUNDER_SFTP_DEPOT: z.string().min(1).default('/depot'),
    FUNDER_SFTP_RETOUR: z.string().min(1).default('/retour'),
    // OpenPGP (optional): the flows Entraide encrypts to the funder and signs, the funder's public key, ours (private, armored files)
    FUNDER_PGP_FLOWS: z.string().optional(),
    FUNDER_PGP_FUNDER_KEY: z.string().min(1).optional(),
    FUNDER_PGP_OWN_KEY: z.string().min(1).optional(),
    FUNDER_PGP_PASSPHRASE: z.string().optional(),
    // every uploaded file is scanned by clamd (INSTREAM) before it is kept: off is refused in production
    UPLOAD_SCAN: z.enum(['clamav', 'off']).optional(),
    CLAMD_SOCKET: z.string().min(1).optional(),
    CLAMD_HOST: z.string().min(1).optional(),
    CLAMD_PORT: z.coerce.number().int().min(1).max(65535).default(3310),
    CLAMD_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(300).default(30),
    // the electronic consent (src/e-signature): the association's signing certificate (PKCS#12 file or base64), optional RFC 3161 timestamping
    SIGNING_P12_PATH: z.string().min(1).optional(),
    SIGNING_P12_BASE64: z.string().min(1).optional(),
    SIGNING_P12_PASSPHRASE: z.string().optional(),
    SIGNING_TSA_URL: z.url().optional(),
  })
  .superRefine((env, ctx) => {
    for (const key of ['DATA_ENCRYPTION_OLD_KEYS'] as const) {
      const value = env[key];
      if (value && !value.split(',').every((k) => KEY_PATTERN.test(k.trim()))) {
        ctx.addIssue({ code: 'custom', path: [key], message: 'doit être une liste, séparée par des virgules, de <identifiant>:<32 octets en base64>' });
      }
    }
    if (env.SECOND_FACTOR_ROLES) {
      for (const role of env.SECOND_FACTOR_ROLES.split(',')
        .map((r) => r.trim())
        .filter(Boolean)) {
        if (!(ROLES as readonly string[]).includes(role))
          ctx.addIssue({ code: 'custom', path: ['SECOND_FACTOR_ROLES'], message: `rôle inconnu « ${role} » (rôles : ${ROLES.join(', ')})` });
      }
    }
    if (env.FUNDER_TRANSPORT === 'sftp') {
      for (const key of ['FUNDER_SFTP_HOST', 'FUNDER_SFTP_USER', 'FUNDER_SFTP_KEY', 'FUNDER_SFTP_HOST_KEY'] as const) {
        if (!env[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'est obligatoire avec FUNDER_TRANSPORT=sftp' });
      }
    }
    if (env.FUNDER_PGP_FLOWS || env.FUNDER_PGP_FUNDER_KEY || env.FUNDER_PGP_OWN_KEY) {
      for (const key of ['FUNDER_PGP_FUNDER_KEY', 'FUNDER_PGP_OWN_KEY'] as const) {
        if (!env[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'est obligatoire dès qu’OpenPGP est configuré (FUNDER_PGP_…)' });
      }
      for (const flow of (env.FUNDER_PGP_FLOWS ?? '')
        .split(',')
        .map((f) => f.trim())
        .filter(Boolean)) {
        if (!['SUIVI', 'FACTURATION', 'ECRITURES', 'REPORTING'].includes(flow))
          ctx.addIssue({ code: 'custom', path: ['FUNDER_PGP_FLOWS'], message: `flux inconnu « ${flow} » (SUIVI, FACTURATION, ECRITURES, REPORTING)` });
      }
    }
    const s3 = ['BACKUP_S3_ENDPOINT', 'BACKUP_S3_BUCKET', 'BACKUP_S3_ACCESS_KEY_ID', 'BACKUP_S3_SECRET_ACCESS_KEY'] as const;
    if (s3.some((key) => env[key])) {
      for (const key of s3) {
        if (!env[key])
          ctx.addIssue({ code: 'custom', path: [key], message: `est obligatoire dès que la sauvegarde hors site est configurée (${s3.join(', ')})` });
      }
      if (!env.BACKUP_ENCRYPTION_KEY && !env.BACKUP_PGP_PUBLIC_KEY && !env.BACKUP_PGP_PRIVATE_KEY) {
        ctx.addIssue({
          code: 'custom',
          path: ['BACKUP_ENCRYPTION_KEY'],
          message: 'les sauvegardes hors site sont toujours chiffrées : donnez BACKUP_ENCRYPTION_KEY ou BACKUP_PGP_PUBLIC_KEY',
        });
      }
    }
    if (env.BACKUP_ENCRYPTION_KEY && (env.BACKUP_PGP_PUBLIC_KEY || env.BACKUP_PGP_PRIVATE_KEY)) {
      ctx.addIssue({
        code: 'custom',
        path: ['BACKUP_ENCRYPTION_KEY'],
        message: 'un seul chiffrement des sauvegardes : BACKUP_ENCRYPTION_KEY ou OpenPGP (BACKUP_PGP_…), pas les deux',
      });
    }
    if (env.CLAMD_SOCKET && env.CLAMD_HOST) {
      ctx.addIssue({ code: 'custom', path: ['CLAMD_HOST'], message: 'clamd est joint par CLAMD_SOCKET (socket Unix) ou par CLAMD_HOST (TCP), pas les deux' });
    }
    if (env.NODE_ENV === 'production' && env.UPLOAD_SCAN === 'off') {
      ctx.addIssue({
        code: 'custom',
        path: ['UPLOAD_SCAN'],
        message:
          'l’analyse antivirus des fichiers déposés ne peut pas être désactivée en production : installez clamd (docs/exploitation.md, « Analyse antivirus des fichiers ») et retirez UPLOAD_SCAN=off',
      });
    }
    if (env.NODE_ENV !== 'production') return;
    const missing = (key: string) => ctx.addIssue({ code: 'custom', path: [key], message: 'est obligatoire en production (NODE_ENV=production)' });
    for (const key of ['SESSION_SECRET', 'DATABASE_URL', 'SMTP_HOST', 'BASE_URL', 'DATA_ENCRYPTION_KEY', 'LINK_SIGNING_SECRET'] as const) {
      if (!env[key]) missing(key);
    }
    for (const key of ['SESSION_SECRET', 'DATA_ENCRYPTION_KEY', 'LINK_SIGNING_SECRET'] as const) {
      const value = env[key];
      const material = (v: string) => v.slice(v.indexOf(':') + 1);
      const placeholder =
        value && PLACEHOLDER_SECRETS.some((p) => p === value || (key === 'DATA_ENCRYPTION_KEY' && p.includes(':') && material(p) === material(value)));
      if (value && (placeholder || /change-?me|changez|exemple|example|placeholder/i.test(value))) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: 'vaut une valeur d’exemple de la documentation : générez-en une (voir README, « En production »)',
        });
      }
    }
    if (env.SESSION_SECRET && env.LINK_SIGNING_SECRET && env.SESSION_SECRET === env.LINK_SIGNING_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['LINK_SIGNING_SECRET'], message: 'doit différer de SESSION_SECRET' });
    }
    if (env.SEED_DEMO === true) {
      ctx.addIssue({
        code: 'custom',
        path: ['SEED_DEMO'],
        message: 'les données de démonstration (comptes au mot de passe connu) sont refusées en production : retirez SEED_DEMO',
      });
    }
    if (!env.TRUST_PROXY) {
      ctx.addIssue({
        code: 'custom',
        path: ['TRUST_PROXY'],
        message: 'doit valoir true en production : Entraide tourne derrière son proxy TLS (cookies Secure, HSTS)',
      });
    }
    if (env.BASE_URL && !env.BASE_URL.startsWith('https://')) {
      ctx.addIssue({ code: 'custom', path: ['BASE_URL'], message: 'doit commencer par https:// en production (cookies Secure, HSTS)' });
    }
    if (env.ADMIN_SECOND_FACTOR === 'off' || env.SECOND_FACTOR === 'off') {
      ctx.addIssue({
        code: 'custom',
        path: [env.SECOND_FACTOR === 'off' ? 'SECOND_FACTOR' : 'ADMIN_SECOND_FACTOR'],
        message: 'le second facteur ne peut pas être désactivé en production',
      });
    }
  });

export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly port: number;
  readonly baseUrl: string;
  readonly dataDir: string;
  readonly exportDir: string;
  readonly database:
    | { readonly kind: 'postgres'; readonly url: string; readonly poolMax: number; readonly preparedStatements: number }
    | { readonly kind: 'pglite'; readonly dir: string };
  readonly seedDemo: boolean;
  readonly session: { readonly secret: string; readonly idleMinutes: number; readonly absoluteHours: number };
  readonly trustProxy: boolean;
  readonly loginRateLimitPer15Min: number;
  readonly smtp: { readonly host: string; readonly port: number; readonly secure: boolean; readonly user?: string; readonly password?: string } | null;
  readonly mailFrom: string;
  readonly logLevel: 'error' | 'warn' | 'info' | 'debug' | 'silent';
  /** How long a process keeps reference lists (landlords, aid types, instructors) for forms and filters. */
  readonly referenceCacheSeconds: number;
  /** who may read GET /metrics: the bearer token and the addresses allowed without it (none: nobody) */
  readonly metrics: { token: string | null; allow: readonly string[] };
  /** /readyz: the free space the data and backup folders must keep */
  readonly readyMinFreeMb: number;
  /** The roles that confirm each login with a second factor (none unless required; in production always required). */
  readonly secondFactorRoles: readonly Role[];
  /** Keys of the column encryption (AES-256-GCM): `current` encrypts, every key of `keys` decrypts (rotation). */
  readonly dataEncryption: { readonly currentKeyId: string; readonly keys: Readonly<Record<string, Buffer>> };
  /** Signs the links mailed to households (appointments): changing it voids the links already sent. */
  readonly linkSigningSecret: string;
  /** Read traces older than this are purged every night. */
  readonly accessLogRetentionMonths: number;
  /** A user reading more distinct records than this in an hour raises an alert to the association's administrators. */
  readonly accessAlertRecordsPerHour: number;
  /** The content of support missions is erased this long after the household's last contact (CNIL: 2 years). */
  readonly supportRetentionMonths: number;
  /** Where the nightly backups go, and how many of them stay. */
  readonly backup: { readonly dir: string; readonly keep: number };
  /** The off-site copies of the backups (S3-compatible storage), or null when they are off. */
  readonly backupOffsite: OffsiteConfig | null;
  /** How backups are encrypted before they leave the machine (mandatory with `backupOffsite`). */
  readonly backupEncryption: BackupEncryptionConfig | null;
  /** How files reach Action Logement's server and come back from it (docs/echanges). */
  readonly funder: { readonly transport: FunderTransportConfig; readonly pgp: FunderPgpConfig | null };
  /** How uploaded files are scanned for viruses (src/files/virus-scan.ts): clamd, or not at all (outside production). */
  readonly uploadScan: UploadScanConfig;
  /** The electronic consent: the PKCS#12 that signs the PDFs (null: a demonstration certificate kept in the database) and the RFC 3161 timestamping service (null: none). */
  readonly eSignature: {
    readonly p12: { readonly path: string } | { readonly base64: string } | null;
    readonly passphrase: string;
    readonly tsaUrl: string | null;
  };
}

/** `clamav`: every uploaded file goes to clamd before it is kept; unreachable clamd refuses the upload. */
export type UploadScanConfig =
  | { readonly mode: 'off' }
  | {
      readonly mode: 'clamav';
      readonly address: { readonly socket: string } | { readonly host: string; readonly port: number };
      readonly timeoutMs: number;
    };

/** Debian's clamav-daemon listens there (LocalSocket in /etc/clamav/clamd.conf). */
export const DEFAULT_CLAMD_SOCKET = '/var/run/clamav/clamd.ctl';

/**
 * OpenPGP between Entraide and the funder (interface agreement §1): the outbound flows encrypted to
 * the funder's key and signed with ours (`.jsonl.pgp`, the manifest clear), and any `.jsonl.pgp`
 * received decrypted with ours and verified with the funder's. Keys are armored files.
 */
export interface FunderPgpConfig {
  readonly flows: readonly string[];
  readonly funderPublicKeyPath: string;
  readonly ownPrivateKeyPath: string;
  readonly passphrase: string | null;
}

/**
 * `folder`: two local folders, `depot` (to the funder) and `retour` (from it), play the funder's
 * server (demo, tests). `sftp`: the funder's server, key authentication, host key pinned.
 */
export type FunderTransportConfig =
  | { readonly kind: 'folder'; readonly dir: string }
  | {
      readonly kind: 'sftp';
      readonly host: string;
      readonly port: number;
      readonly username: string;
      readonly privateKeyPath: string;
      /** `SHA256:<base64>`, as `ssh-keygen -lf` prints it: any other host key is refused. */
      readonly hostKeySha256: string;
      readonly depot: string;
      readonly retour: string;
    };

/** S3-compatible storage for the off-site backups, and how many of them stay (newest of each day, ISO week, month). */
export interface OffsiteConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly bucket: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** '' or a folder ending with '/' */
  readonly prefix: string;
  readonly keep: { readonly daily: number; readonly weekly: number; readonly monthly: number };
}

/**
 * `aes`: AES-256-GCM with a 32-byte key (encrypts and decrypts). `pgp`: OpenPGP — the public key
 * encrypts; the private key (and its passphrase), given only where a restore runs, decrypts.
 */
export type BackupEncryptionConfig =
  | { readonly kind: 'aes'; readonly key: Buffer }
  | { readonly kind: 'pgp'; readonly publicKeyPath: string | null; readonly privateKeyPath: string | null; readonly passphrase: string | null };

export class ConfigError extends Error {}

/** Reads and validates the environment once; a bad value stops the start with one clear line. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')} : ${i.message}`).join(' ; ');
    throw new ConfigError(`Configuration refusée — ${problems}`);
  }
  const env = parsed.data;
  const dataDir = path.resolve(env.DATA_DIR);
  const config: Config = {
    env: env.NODE_ENV,
    port: env.PORT,
    baseUrl: (env.BASE_URL ?? `http://localhost:${env.PORT}`).replace(/\/$/, ''),
    dataDir,
    exportDir: path.resolve(env.EXPORT_DIR ?? path.join(dataDir, 'exports')),
    database: env.DATABASE_URL
      ? { kind: 'postgres', url: env.DATABASE_URL, poolMax: env.DATABASE_POOL_MAX, preparedStatements: env.DATABASE_PREPARED_STATEMENTS }
      : { kind: 'pglite', dir: path.join(dataDir, 'pgdata') },
    seedDemo: env.SEED_DEMO ?? !env.DATABASE_URL,
    session: {
      secret: env.SESSION_SECRET ?? 'entraide-development-secret-not-for-production-use',
      idleMinutes: env.SESSION_IDLE_MINUTES,
      absoluteHours: env.SESSION_ABSOLUTE_HOURS,
    },
    trustProxy: env.TRUST_PROXY,
    loginRateLimitPer15Min: env.LOGIN_RATE_LIMIT_PER_15_MIN,
    smtp: env.SMTP_HOST ? { host: env.SMTP_HOST, port: env.SMTP_PORT, secure: env.SMTP_SECURE, user: env.SMTP_USER, password: env.SMTP_PASSWORD } : null,
    mailFrom: env.MAIL_FROM,
    logLevel: env.LOG_LEVEL,
    // tests insert reference data behind the services' back: no cache unless a test asks for one
    referenceCacheSeconds: env.REFERENCE_CACHE_SECONDS ?? (env.NODE_ENV === 'test' ? 0 : 30),
    readyMinFreeMb: env.READY_MIN_FREE_MB,
    metrics: {
      token: env.METRICS_TOKEN ?? null,
      allow: (env.METRICS_ALLOW ?? '')
        .split(',')
        .map((a) => a.trim())
        .filter(Boolean),
    },
    // the demo and the tests log in without an authenticator app unless asked; production never does
    accessLogRetentionMonths: env.ACCESS_LOG_RETENTION_MONTHS,
    accessAlertRecordsPerHour: env.ACCESS_ALERT_RECORDS_PER_HOUR,
    supportRetentionMonths: env.SUPPORT_RETENTION_MONTHS,
    backup: { dir: path.resolve(env.BACKUP_DIR ?? path.join(dataDir, 'backups')), keep: env.BACKUP_KEEP },
    backupOffsite:
      env.BACKUP_S3_ENDPOINT && env.BACKUP_S3_BUCKET && env.BACKUP_S3_ACCESS_KEY_ID && env.BACKUP_S3_SECRET_ACCESS_KEY
        ? {
            endpoint: env.BACKUP_S3_ENDPOINT,
            region: env.BACKUP_S3_REGION,
            bucket: env.BACKUP_S3_BUCKET,
            accessKeyId: env.BACKUP_S3_ACCESS_KEY_ID,
            secretAccessKey: env.BACKUP_S3_SECRET_ACCESS_KEY,
            prefix: env.BACKUP_S3_PREFIX.replace(/^\/+|\/+$/g, '') ? `${env.BACKUP_S3_PREFIX.replace(/^\/+|\/+$/g, '')}/` : '',
            keep: { daily: env.BACKUP_S3_KEEP_DAILY, weekly: env.BACKUP_S3_KEEP_WEEKLY, monthly: env.BACKUP_S3_KEEP_MONTHLY },
          }
        : null,
    backupEncryption: env.BACKUP_ENCRYPTION_KEY
      ? { kind: 'aes', key: backupKey(env.BACKUP_ENCRYPTION_KEY) }
      : env.BACKUP_PGP_PUBLIC_KEY || env.BACKUP_PGP_PRIVATE_KEY
        ? {
            kind: 'pgp',
            publicKeyPath: env.BACKUP_PGP_PUBLIC_KEY ? path.resolve(env.BACKUP_PGP_PUBLIC_KEY) : null,
            privateKeyPath: env.BACKUP_PGP_PRIVATE_KEY ? path.resolve(env.BACKUP_PGP_PRIVATE_KEY) : null,
            passphrase: env.BACKUP_PGP_PASSPHRASE ?? null,
          }
        : null,
    funder: {
      transport:
        env.FUNDER_TRANSPORT === 'sftp'
          ? {
              kind: 'sftp',
              host: env.FUNDER_SFTP_HOST ?? '',
              port: env.FUNDER_SFTP_PORT,
              username: env.FUNDER_SFTP_USER ?? '',
              privateKeyPath: path.resolve(env.FUNDER_SFTP_KEY ?? ''),
              hostKeySha256: env.FUNDER_SFTP_HOST_KEY ?? '',
              depot: env.FUNDER_SFTP_DEPOT,
              retour: env.FUNDER_SFTP_RETOUR,
            }
          : { kind: 'folder', dir: path.resolve(env.FUNDER_DIR ?? path.join(env.EXPORT_DIR ?? path.join(dataDir, 'exports'), 'action-logement')) },
      pgp:
        env.FUNDER_PGP_FUNDER_KEY && env.FUNDER_PGP_OWN_KEY
          ? {
              flows: (env.FUNDER_PGP_FLOWS ?? '')
                .split(',')
                .map((f) => f.trim())
                .filter(Boolean),
              funderPublicKeyPath: path.resolve(env.FUNDER_PGP_FUNDER_KEY),
              ownPrivateKeyPath: path.resolve(env.FUNDER_PGP_OWN_KEY),
              passphrase: env.FUNDER_PGP_PASSPHRASE ?? null,
            }
          : null,
    },
    // production always scans (UPLOAD_SCAN=off is refused above); the demo and the tests scan when asked
    uploadScan:
      (env.UPLOAD_SCAN ?? (env.NODE_ENV === 'production' ? 'clamav' : 'off')) === 'clamav'
        ? {
            mode: 'clamav',
            address: env.CLAMD_HOST ? { host: env.CLAMD_HOST, port: env.CLAMD_PORT } : { socket: path.resolve(env.CLAMD_SOCKET ?? DEFAULT_CLAMD_SOCKET) },
            timeoutMs: env.CLAMD_TIMEOUT_SECONDS * 1000,
          }
        : { mode: 'off' },
    secondFactorRoles: secondFactorRoles(
      env.SECOND_FACTOR ?? env.ADMIN_SECOND_FACTOR ?? (env.NODE_ENV === 'production' ? 'required' : 'off'),
      // ADMIN_SECOND_FACTOR alone (its former name) keeps its former meaning: association administrators only
      env.SECOND_FACTOR_ROLES ?? (env.SECOND_FACTOR === undefined && env.ADMIN_SECOND_FACTOR !== undefined ? 'admin' : undefined),
    ),
    dataEncryption: encryptionKeys(env.DATA_ENCRYPTION_KEY, env.DATA_ENCRYPTION_OLD_KEYS, env.NODE_ENV === 'production'),
    eSignature: {
      p12: env.SIGNING_P12_PATH ? { path: path.resolve(env.SIGNING_P12_PATH) } : env.SIGNING_P12_BASE64 ? { base64: env.SIGNING_P12_BASE64 } : null,
      passphrase: env.SIGNING_P12_PASSPHRASE ?? '',
      tsaUrl: env.SIGNING_TSA_URL ?? null,
    },
    // outside production a value derived from the session secret keeps the demo and the tests at two commands
    linkSigningSecret:
      env.LINK_SIGNING_SECRET ??
      `links:${createHash('sha256')
        .update(env.SESSION_SECRET ?? 'entraide-development-secret-not-for-production-use')
        .digest('hex')}`,
  };
  return Object.freeze(config);
}

function secondFactorRoles(mode: 'required' | 'off', list: string | undefined): readonly Role[] {
  if (mode === 'off') return [];
  const roles = list
    ? list
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean)
    : DEFAULT_SECOND_FACTOR_ROLES;
  return Object.freeze([...new Set(roles)] as Role[]);
}

/** The development key: only for the embedded demo and the tests (production requires DATA_ENCRYPTION_KEY and refuses this one). */
const DEMO_KEY = 'demo:ZW50cmFpZGUtZGVtby1rZXktbm90LWZvci1wcm9kISE=';

function encryptionKeys(current: string | undefined, old: string | undefined, production: boolean): Config['dataEncryption'] {
  const keys: Record<string, Buffer> = {};
  const add = (spec: string) => {
    const [id, material] = spec.trim().split(':') as [string, string];
    keys[id] = Buffer.from(material, 'base64');
  };
  for (const spec of (old ?? '').split(',').filter((k) => k.trim())) add(spec);
  if (!production) add(DEMO_KEY); // outside production, rows written by the demo stay readable when a real key is set
  const chosen = current ?? DEMO_KEY;
  add(chosen);
  return Object.freeze({ currentKeyId: chosen.split(':')[0] as string, keys: Object.freeze(keys) });
}

/** BACKUP_ENCRYPTION_KEY (checked by the schema): 32 bytes in hexadecimal or base64. */
function backupKey(text: string): Buffer {
  const value = text.trim();
  return /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
}
