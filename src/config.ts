import path from 'node:path';
import { z } from 'zod';

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    BASE_URL: z.url().optional(),
    DATA_DIR: z.string().min(1).default('./data'),
    EXPORT_DIR: z.string().min(1).optional(),
    DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must start with postgres://').optional(),
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
    SEED_DEMO: booleanFlag.optional(),
    SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(30),
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
    REFERENCE_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).optional(),
    ADMIN_SECOND_FACTOR: z.enum(['required', 'off']).optional(),
    ACCESS_LOG_RETENTION_MONTHS: z.coerce.number().int().min(6, 'six months at least (CNIL)').max(36, 'three years at most (CNIL)').default(12),
    ACCESS_ALERT_RECORDS_PER_HOUR: z.coerce.number().int().min(10).default(150),
    BACKUP_DIR: z.string().min(1).optional(),
    BACKUP_KEEP: z.coerce.number().int().min(1).max(365).default(14),
    SUPPORT_RETENTION_MONTHS: z.coerce.number().int().min(12, 'one year at least').max(120).default(24),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV !== 'production') return;
    for (const key of ['SESSION_SECRET', 'DATABASE_URL', 'SMTP_HOST', 'BASE_URL'] as const) {
      if (!env[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'is required when NODE_ENV=production' });
    }
  });

export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly port: number;
  readonly baseUrl: string;
  readonly dataDir: string;
  readonly exportDir: string;
  readonly database: { readonly kind: 'postgres'; readonly url: string; readonly poolMax: number } | { readonly kind: 'pglite'; readonly dir: string };
  readonly seedDemo: boolean;
  readonly session: { readonly secret: string; readonly idleMinutes: number; readonly absoluteHours: number };
  readonly trustProxy: boolean;
  readonly loginRateLimitPer15Min: number;
  readonly smtp: { readonly host: string; readonly port: number; readonly secure: boolean; readonly user?: string; readonly password?: string } | null;
  readonly mailFrom: string;
  readonly logLevel: 'error' | 'warn' | 'info' | 'debug' | 'silent';
  /** How long a process keeps reference lists (landlords, aid types, instructors) for forms and filters. */
  readonly referenceCacheSeconds: number;
  /** Association administrators confirm their login with a TOTP code (on by default in production). */
  readonly adminSecondFactor: boolean;
  /** Read traces older than this are purged every night. */
  readonly accessLogRetentionMonths: number;
  /** A user reading more distinct records than this in an hour raises an alert to the association's administrators. */
  readonly accessAlertRecordsPerHour: number;
  /** The content of support missions is erased this long after the household's last contact (CNIL: 2 years). */
  readonly supportRetentionMonths: number;
  /** Where the nightly backups go, and how many of them stay. */
  readonly backup: { readonly dir: string; readonly keep: number };
}

export class ConfigError extends Error {}

/** Reads and validates the environment once; a bad value stops the start with one clear line. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid configuration — ${problems}`);
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
      ? { kind: 'postgres', url: env.DATABASE_URL, poolMax: env.DATABASE_POOL_MAX }
      : { kind: 'pglite', dir: path.join(dataDir, 'pgdata') },
    seedDemo: env.SEED_DEMO ?? !env.DATABASE_URL,
    session: {
      secret: env.SESSION_SECRET ?? 'entraide-development-secret-not-for-production-use',
      idleMinutes: env.SESSION_IDLE_MINUTES,
      absoluteHours: env.SESSION_ABSOLUTE_HOURS,
    },
    trustProxy: env.TRUST_PROXY,
    loginRateLimitPer15Min: env.LOGIN_RATE_LIMIT_PER_15_MIN,
    smtp: env.SMTP_HOST
      ? { host: env.SMTP_HOST, port: env.SMTP_PORT, secure: env.SMTP_SECURE, user: env.SMTP_USER, password: env.SMTP_PASSWORD }
      : null,
    mailFrom: env.MAIL_FROM,
    logLevel: env.LOG_LEVEL,
    // tests insert reference data behind the services' back: no cache unless a test asks for one
    referenceCacheSeconds: env.REFERENCE_CACHE_SECONDS ?? (env.NODE_ENV === 'test' ? 0 : 30),
    // the demo and the tests log in without an authenticator app unless asked; production never does
    accessLogRetentionMonths: env.ACCESS_LOG_RETENTION_MONTHS,
    accessAlertRecordsPerHour: env.ACCESS_ALERT_RECORDS_PER_HOUR,
    supportRetentionMonths: env.SUPPORT_RETENTION_MONTHS,
    backup: { dir: path.resolve(env.BACKUP_DIR ?? path.join(dataDir, 'backups')), keep: env.BACKUP_KEEP },
    adminSecondFactor: (env.ADMIN_SECOND_FACTOR ?? (env.NODE_ENV === 'production' ? 'required' : 'off')) === 'required',
  };
  return Object.freeze(config);
}
