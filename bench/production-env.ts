/**
 * What a bench needs to run the extranet as production runs it (NODE_ENV=production, every check of
 * loadConfig passing) on a volume database, and to log in there as a person would: password, then
 * the second factor the privileged roles must give (their authenticator key is set by the bench).
 */
import { authenticator } from 'otplib';
import type { Knex } from 'knex';
import { FieldCipher } from '../src/shared/field-cipher';

/** The bench's own key (never a production one): the volume data is written and read under it. */
export const BENCH_ENCRYPTION_KEY = `bench:${Buffer.from('entraide-bench-only-key-32-bytes').toString('base64')}`;
const BENCH_KEY_ID = 'bench';
/** The one authenticator key of every bench login (the codes are computed by the bench). */
const BENCH_TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

export function benchCipher(): FieldCipher {
  return new FieldCipher({ currentKeyId: BENCH_KEY_ID, keys: { [BENCH_KEY_ID]: Buffer.from(BENCH_ENCRYPTION_KEY.split(':')[1] as string, 'base64') } });
}

/** The environment of an extranet process in production mode on `databaseUrl`, listening on `port`. */
export function productionEnv(databaseUrl: string, port: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    // behind its TLS proxy, as production: the bench sends X-Forwarded-Proto: https (see BENCH_HEADERS)
    BASE_URL: 'https://entraide.bench.test',
    TRUST_PROXY: 'true',
    LOG_LEVEL: 'silent',
    SESSION_SECRET: 'bench-session-secret-7f3a9c2e5b8d1f4a6c0e9b2d',
    LINK_SIGNING_SECRET: 'bench-link-secret-1e4b7d0a3c6f9e2b5d8a1c4f',
    DATA_ENCRYPTION_KEY: BENCH_ENCRYPTION_KEY,
    // mails wait in the outbox (no relay listens there): the household's code is read from it
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: '2599',
    DATABASE_POOL_MAX: '10',
  };
}

/** bench:pages' page that is the middleware chain only (bench/pages-server.ts adds it; src/ never does). */
export const CHAIN_ONLY_PATH = '/__bench/chaine';

/** Headers of every bench request: what the TLS proxy adds in production. */
export const BENCH_HEADERS = { 'x-forwarded-proto': 'https', 'x-forwarded-for': '127.0.0.1' } as const;

/** Gives the bench logins a known authenticator key, so that they can pass the second factor. */
export async function enrolBenchLogins(knex: Knex, emails: string[]): Promise<void> {
  const cipher = benchCipher();
  for (const email of emails) {
    await knex('users')
      .where({ email })
      .update({ totp_secret: cipher.encrypt(BENCH_TOTP_SECRET, 'users.totp_secret'), totp_enabled_at: new Date(), totp_last_step: null });
  }
}

/** A cookie jar as autocannon sends it: name=value pairs of the Set-Cookie headers, newest first. */
class Jar {
  private readonly cookies = new Map<string, string>();
  take(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = (pair ?? '').indexOf('=');
      if (eq > 0) this.cookies.set((pair as string).slice(0, eq), (pair as string).slice(eq + 1));
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

const tokenOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

/** A page's CSRF token, then a form posted to `path` with it; the answer (redirects not followed). */
async function postForm(base: string, jar: Jar, pagePath: string, path: string, fields: Record<string, string>): Promise<Response> {
  const page = await fetch(`${base}${pagePath}`, { headers: { ...BENCH_HEADERS, cookie: jar.header() } });
  jar.take(page);
  const token = tokenOf(await page.text());
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { ...BENCH_HEADERS, cookie: jar.header(), origin: 'https://entraide.bench.test', 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: token, ...fields }),
  });
  jar.take(res);
  return res;
}

/** Logs in through /connexion (and the second factor when asked): the session's Cookie header. */
export async function login(base: string, email: string, password: string): Promise<string> {
  const jar = new Jar();
  const res = await postForm(base, jar, '/connexion', '/connexion', { email, password });
  if (res.status !== 302) throw new Error(`login of ${email} failed: ${res.status}`);
  if (res.headers.get('location')?.startsWith('/connexion/second-facteur')) {
    const code = authenticator.generate(BENCH_TOTP_SECRET);
    const second = await postForm(base, jar, '/connexion/second-facteur', '/connexion/second-facteur', { code });
    if (second.status !== 302 || second.headers.get('location')?.startsWith('/connexion'))
      throw new Error(`second factor of ${email} refused: ${second.status}`);
  }
  return jar.header();
}

/**
 * Opens the household space of a member as the person would: a landlord's instructor sends the
 * link from the household page, the code is asked on the link page, read from the outbox, typed.
 */
export async function householdLogin(
  base: string,
  knex: Knex,
  staffCookie: string,
  household: { id: string; memberId: string; email: string },
): Promise<string> {
  const staff = new Jar();
  for (const pair of staffCookie.split('; ')) staff.take({ headers: { getSetCookie: () => [pair] } } as unknown as Response);
  const sent = await postForm(base, staff, `/menages/${household.id}`, `/menages/${household.id}/membres/${household.memberId}/lien-espace`, {});
  if (sent.status !== 302) throw new Error(`sending the household link failed: ${sent.status}`);
  const mail = async (kind: string) =>
    (
      await knex('mail_outbox')
        .where({ to_address: household.email, kind })
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .first<{ text_body: string }>('text_body')
    )?.text_body ?? '';
  const link = /https?:\/\/[^/\s]+(\/mon-espace\/lien\/[\w-]+)/.exec(await mail('household.link'))?.[1];
  if (!link) throw new Error('no household link in the outbox');
  const jar = new Jar();
  const asked = await postForm(base, jar, link, `${link}/code`, {});
  if (asked.status !== 302) throw new Error(`asking the household code failed: ${asked.status}`);
  const code = /\n(\d{6})\n/.exec(await mail('household.access_code'))?.[1];
  if (!code) throw new Error('no household code in the outbox');
  const entered = await postForm(base, jar, link, `${link}/verifier`, { accessCode: code });
  if (entered.status !== 302 || entered.headers.get('location') !== '/mon-espace') throw new Error(`the household code was refused: ${entered.status}`);
  return jar.header();
}

/** Waits until the extranet at `base` answers /readyz (two minutes at most). */
export async function waitReady(base: string): Promise<void> {
  for (let i = 0; i < 240; i++) {
    try {
      if ((await fetch(`${base}/readyz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('the extranet did not start');
}
