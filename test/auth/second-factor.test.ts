import request from 'supertest';
import { authenticator } from 'otplib';
import { loadConfig } from '../../src/config';
import { insertUser, TEST_PASSWORD } from '../factories/user';
import { $, type Agent, csrfToken, fieldError, postForm } from '../support/http';
import { useWorld } from '../support/world';
import { enrolAndLogIn, MAIL_CODE, mailedCode } from '../support/second-factor';
import { cipherOf } from '../support/encryption';

/**
 * ASVS 4.3.1: association administrators confirm their login with a TOTP code (enrolled at their
 * first login); other roles log in with their password alone. A code is accepted once, a wrong
 * code counts toward the lockout, and nothing of the extranet opens before the code.
 */
const t = useWorld({ ADMIN_SECOND_FACTOR: 'required' });
const CODE_PAGE = '/connexion/second-facteur';

const codeFor = (secret: string) => authenticator.clone({ epoch: t.ctx.clock.now().getTime() }).generate(secret);

/** The password step: the answer sends to the code page (or not). */
async function password(email: string): Promise<{ agent: Agent; location: string | undefined }> {
  const agent = request.agent(t.ctx.app);
  const res = await postForm(agent, '/connexion', { email, password: TEST_PASSWORD });
  expect(res.status).toBe(302);
  return { agent, location: res.headers.location };
}

const sendCode = (agent: Agent, code: string) => postForm(agent, CODE_PAGE, { code }, CODE_PAGE);
/** The enrolled key as stored: encrypted at rest, decrypted here (null when none). */
const storedSecret = async () => {
  const stored = (await t.ctx.knex('users').where({ id: t.world.users.admin.id }).first('totp_secret')).totp_secret as string | null;
  if (stored !== null) expect(stored).toMatch(/^enc:v1:/);
  return cipherOf(t.ctx.services).decryptNullable(stored, 'users.totp_secret') as string;
};

describe('the second factor of association administrators', () => {
  it('is enrolled at the first login: QR code and key shown, a wrong code refused next to its field, the right one opens the session (audited)', async () => {
    const { agent, location } = await password(t.world.users.admin.email);
    expect(location).toBe(CODE_PAGE);
    // nothing opens with the password alone
    expect((await agent.get('/admin/membres')).headers.location).toBe('/connexion');
    // no key before the code mailed to the account's address: the password alone enrols nothing
    const mailStage = $((await agent.get(CODE_PAGE)).text);
    expect(mailStage('#mail-sent').text()).toMatch(/Nous venons de vous envoyer un code à \S•••\S?@/);
    expect(mailStage('#totp-key')).toHaveLength(0);
    expect((await sendCode(agent, '123456')).headers.location).toBe(CODE_PAGE);
    expect((await postForm(agent, MAIL_CODE, { code: await mailedCode(t.ctx.knex, t.world.users.admin.email) }, CODE_PAGE)).headers.location).toBe(CODE_PAGE);
    const page = await agent.get(CODE_PAGE);
    expect(page.status).toBe(200);
    expect($(page.text)('.qr-code svg')).toHaveLength(1);
    const key = $(page.text)('#totp-key').text().replace(/\s/g, '');
    expect(key).toMatch(/^[A-Z2-7]{32}$/);
    // the same key on every showing of the page until it is confirmed
    expect(
      $((await agent.get(CODE_PAGE)).text)('#totp-key')
        .text()
        .replace(/\s/g, ''),
    ).toBe(key);

    const wrong = await sendCode(agent, '000000');
    expect(wrong.status).toBe(400);
    expect(fieldError(wrong.text, 'code')).toContain('incorrect');
    const malformed = await sendCode(agent, '12ab');
    expect(fieldError(malformed.text, 'code')).toBe('Saisissez les 6 chiffres du code affiché par votre application');

    const ok = await sendCode(agent, codeFor(key).replace(/^(\d{3})/, '$1 '));
    // the ten recovery codes are shown once; then on to where the administrator was going before the code
    expect(ok.status).toBe(200);
    expect($(ok.text)('#recovery-codes li')).toHaveLength(10);
    const noted = await postForm(agent, '/mon-compte/codes-de-secours/notes', {}, '/mon-compte');
    expect(noted.headers.location).toBe('/admin/membres');
    expect((await agent.get('/admin/membres')).status).toBe(200);
    expect(await storedSecret()).toBe(key);
    const audit = await t.ctx.knex('audit_events').where({ entity_id: t.world.users.admin.id, action: 'user.second_factor_enabled' });
    expect(audit).toHaveLength(1);
    // a wrong code counted as a failure; the successful login cleared the count
    expect((await t.ctx.knex('users').where({ id: t.world.users.admin.id }).first('failed_logins')).failed_logins).toBe(0);
  });

  it('asks for a code at every later login, accepts each code once, and the next one after 30 seconds', async () => {
    const secret = await storedSecret();
    t.ctx.clock.advanceMinutes(1);
    const first = await password(t.world.users.admin.email);
    const page = await first.agent.get(CODE_PAGE);
    expect($(page.text)('.qr-code')).toHaveLength(0);
    expect($(page.text)('#totp-key')).toHaveLength(0);
    const code = codeFor(secret);
    expect((await sendCode(first.agent, code)).headers.location).toBe('/');

    // the same code again (another browser, same 30 seconds): refused
    const second = await password(t.world.users.admin.email);
    const replay = await sendCode(second.agent, code);
    expect(replay.status).toBe(400);
    expect(fieldError(replay.text, 'code')).toContain('déjà servi');
    expect(t.ctx.logs.some((l) => l.includes('auth.second_factor_replayed'))).toBe(true);
    t.ctx.clock.advanceMinutes(0.5);
    expect((await sendCode(second.agent, codeFor(secret))).headers.location).toBe('/');
  });

  it('leaves the other roles with their password alone', async () => {
    for (const key of ['operator', 'accountant', 'adminA'] as const) {
      const { agent, location } = await password(t.world.users[key].email);
      expect(location).toBe('/');
      expect((await agent.get('/')).status).toBe(200);
    }
  });

  it('locks the account after five failures (wrong codes count like wrong passwords) and forgets the pending login', async () => {
    t.ctx.clock.advanceMinutes(1);
    const { agent } = await password(t.world.users.admin.email);
    for (let i = 0; i < 4; i++) expect((await sendCode(agent, '000000')).status).toBe(400);
    const last = await sendCode(agent, '000000');
    expect(last.status).toBe(302);
    expect(last.headers.location).toBe('/connexion');
    expect((await agent.get('/connexion')).text).toContain('verrouillé');
    const user = await t.ctx.knex('users').where({ id: t.world.users.admin.id }).first('locked_until');
    expect(new Date(user.locked_until).getTime()).toBeGreaterThan(t.ctx.clock.now().getTime());
    // the code page is closed now: the password must be typed again (and the account is locked)
    expect((await agent.get(CODE_PAGE)).headers.location).toBe('/connexion');
    t.ctx.clock.advanceMinutes(16);
  });

  it('sends back to the password after five minutes on the code page', async () => {
    const { agent } = await password(t.world.users.admin.email);
    const token = await csrfToken(agent, CODE_PAGE);
    t.ctx.clock.advanceMinutes(6);
    const late = await agent
      .post(CODE_PAGE)
      .type('form')
      .send({ _csrf: token, code: codeFor(await storedSecret()) });
    expect(late.status).toBe(302);
    expect(late.headers.location).toBe('/connexion');
  });

  it('is reset from the command line (lost phone): the next login enrols a new key', async () => {
    expect(await t.ctx.services.secondFactor.reset({ userId: null, name: 'Ligne de commande' }, { email: t.world.users.admin.email })).toBe(true);
    expect(await storedSecret()).toBeNull();
    expect(await t.ctx.knex('audit_events').where({ entity_id: t.world.users.admin.id, action: 'user.second_factor_reset' })).toHaveLength(1);
    expect(await t.ctx.knex('recovery_codes').where({ user_id: t.world.users.admin.id })).toHaveLength(0);
    const { agent } = await password(t.world.users.admin.email);
    // a new key, after a new code mailed to the account's address
    expect($((await agent.get(CODE_PAGE)).text)('#totp-key')).toHaveLength(0);
    await postForm(agent, MAIL_CODE, { code: await mailedCode(t.ctx.knex, t.world.users.admin.email) }, CODE_PAGE);
    const page = await agent.get(CODE_PAGE);
    expect($(page.text)('#totp-key').text().replace(/\s/g, '')).not.toBe('');
  });

  it('is required by default in production for the roles that move money or manage access, cannot be switched off there, and is off by default elsewhere', () => {
    const production = {
      NODE_ENV: 'production',
      SESSION_SECRET: 'x'.repeat(40),
      LINK_SIGNING_SECRET: 'y'.repeat(40),
      DATA_ENCRYPTION_KEY: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
      DATABASE_URL: 'postgres://db/x',
      SMTP_HOST: 'smtp',
      BASE_URL: 'https://entraide.example',
      TRUST_PROXY: 'true',
    };
    expect(loadConfig(production).secondFactorRoles).toEqual(['admin', 'operator', 'accountant', 'landlord_admin']);
    expect(() => loadConfig({ ...production, ADMIN_SECOND_FACTOR: 'off' })).toThrow(
      /ADMIN_SECOND_FACTOR : le second facteur ne peut pas être désactivé en production/,
    );
    expect(() => loadConfig({ ...production, SECOND_FACTOR: 'off' })).toThrow(/SECOND_FACTOR : le second facteur ne peut pas être désactivé en production/);
    expect(loadConfig({ ...production, SECOND_FACTOR_ROLES: 'admin,accountant,auditor' }).secondFactorRoles).toEqual(['admin', 'accountant', 'auditor']);
    expect(() => loadConfig({ ...production, SECOND_FACTOR_ROLES: 'admin,boss' })).toThrow(/rôle inconnu « boss »/);
    expect(loadConfig({ NODE_ENV: 'development' }).secondFactorRoles).toEqual([]);
    // the former variable keeps its former meaning outside production: association administrators only
    expect(loadConfig({ NODE_ENV: 'development', ADMIN_SECOND_FACTOR: 'required' }).secondFactorRoles).toEqual(['admin']);
  });
});

describe('resetting a colleague’s second factor', () => {
  it('is done from the account page by another association administrator who confirms with their password and code, audited', async () => {
    const colleague = await insertUser(t.ctx.knex, { organisationId: t.world.association.id, role: 'admin', email: 'collegue.admin@asso.test' });
    // the world's administrator enrols first (a login with a code)
    t.ctx.clock.advanceMinutes(1);
    await enrolAndLogIn(t.ctx, t.world.users.admin.email);
    expect(await storedSecret()).not.toBeNull();

    // the colleague enrols and logs in
    const other = await enrolAndLogIn(t.ctx, colleague.email);
    const page = `/utilisateurs/${t.world.users.admin.id}`;
    expect($((await other.agent.get(page)).text)('#second-facteur')).toHaveLength(1);
    const wrong = await postForm(other.agent, `${page}/second-facteur`, { confirmPassword: 'pas-le-bon-mot-de-passe' }, page);
    expect(wrong.status).toBe(400);
    expect(fieldError(wrong.text, 'confirmPassword')).toContain('Saisissez votre mot de passe');
    expect(await storedSecret()).not.toBeNull();
    // the password alone is not enough: the colleague has a key, the current code is asked too
    const noCode = await postForm(other.agent, `${page}/second-facteur`, { confirmPassword: TEST_PASSWORD }, page);
    expect(noCode.status).toBe(400);
    expect(fieldError(noCode.text, 'confirmCode')).toContain('Saisissez le code');
    expect(await storedSecret()).not.toBeNull();
    t.ctx.clock.advanceMinutes(0.5); // the login's code cannot serve again
    const ok = await postForm(other.agent, `${page}/second-facteur`, { confirmPassword: TEST_PASSWORD, confirmCode: codeFor(other.key) }, page);
    expect(ok.status).toBe(302);
    expect(await storedSecret()).toBeNull();
    const audit = await t.ctx
      .knex('audit_events')
      .where({ entity_id: t.world.users.admin.id, action: 'user.second_factor_reset' })
      .orderBy('occurred_at', 'desc')
      .first();
    expect(audit.actor_user_id).toBe(colleague.id);
    // nobody resets their own, and a landlord administrator sees no such thing
    expect($((await other.agent.get(`/utilisateurs/${colleague.id}`)).text)('#second-facteur')).toHaveLength(0);
    const landlordAdmin = await password(t.world.users.adminA.email);
    expect(
      (await postForm(landlordAdmin.agent, `/utilisateurs/${t.world.users.instructorA.id}/second-facteur`, { confirmPassword: TEST_PASSWORD }, '/')).status,
    ).toBe(403);
  });
});
