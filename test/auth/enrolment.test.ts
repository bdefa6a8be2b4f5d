import request from 'supertest';
import { PasswordTokenRepository } from '../../src/auth/tokens';
import { insertUser, TEST_PASSWORD } from '../factories/user';
import { $, fieldError, postForm } from '../support/http';
import { CODE_PAGE, enrolAndLogIn, logInWithCode, MAIL_CODE, mailedCode, totp } from '../support/second-factor';
import { useWorld } from '../support/world';

/**
 * ASVS 2.x / 4.3.1: with SECOND_FACTOR=required every role of the default list (administrator,
 * operator, accountant, landlord administrator) confirms each login with a code; enrolling a key
 * needs more than the password (a code mailed to the account, or the one-time link of the
 * invitation), and leaves ten single-use recovery codes.
 */
const t = useWorld({ SECOND_FACTOR: 'required' });

const passwordStep = async (email: string) => {
  const agent = request.agent(t.ctx.app);
  const res = await postForm(agent, '/connexion', { email, password: TEST_PASSWORD });
  return { agent, location: res.headers.location };
};
/** The mails telling a user of a change to their second factor (ASVS 2.2.3). */
const changeMails = async (email: string) =>
  (await t.ctx.knex('mail_outbox').where({ to_address: email, kind: 'user.second_factor_changed' }).select('text_body')).map(
    (m: { text_body: string }) => m.text_body,
  );
const mailsTo = (email: string) => t.ctx.knex('mail_outbox').where({ to_address: email, kind: 'user.second_factor_code' });
let adminKey = '';
const sendMailCode = (agent: request.Agent, code: string) => postForm(agent, MAIL_CODE, { code }, CODE_PAGE);

describe('enrolling a second factor', () => {
  it('mails a 6-digit code to the masked address before any key is shown; the password alone enrols nothing', async () => {
    const email = t.world.users.operator.email;
    const { agent, location } = await passwordStep(email);
    expect(location).toBe(CODE_PAGE);
    const page = $((await agent.get(CODE_PAGE)).text);
    expect(page('#mail-sent').text()).toContain('Nous venons de vous envoyer un code à o•••r@asso.test');
    expect(page('#mail-sent').text()).not.toContain(email);
    expect(page('#totp-key')).toHaveLength(0);
    expect(page('.qr-code')).toHaveLength(0);
    expect(page('#code').attr('autocomplete')).toBe('one-time-code');
    expect(page('#code').attr('inputmode')).toBe('numeric');
    // a code typed on the key step without the mail proof is not taken as an enrolment
    expect((await postForm(agent, CODE_PAGE, { code: '123456' }, CODE_PAGE)).headers.location).toBe(CODE_PAGE);
    expect((await t.ctx.knex('users').where({ id: t.world.users.operator.id }).first('totp_enabled_at')).totp_enabled_at).toBeNull();
    expect(await mailsTo(email)).toHaveLength(1);
    // only a keyed hash of the code is stored
    const code = await mailedCode(t.ctx.knex, email);
    const row = await t.ctx.knex('enrolment_codes').where({ user_id: t.world.users.operator.id }).first();
    expect(row.code_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.code_hash).not.toContain(code);
    expect(new Date(row.expires_at).getTime() - t.ctx.clock.now().getTime()).toBe(15 * 60_000);
  });

  it('allows three tries per code, then asks for a new one; resending is throttled to one a minute', async () => {
    const email = t.world.users.operator.email;
    t.ctx.clock.advanceMinutes(2);
    const { agent } = await passwordStep(email);
    const code = await mailedCode(t.ctx.knex, email);
    const wrong = code === '000000' ? '111111' : '000000';
    const first = await sendMailCode(agent, wrong);
    expect(first.status).toBe(400);
    expect(fieldError(first.text, 'code')).toContain('incorrect');
    expect($(first.text)('#mail-sent')).toHaveLength(1);
    const malformed = await sendMailCode(agent, '12a');
    expect(fieldError(malformed.text, 'code')).toBe('Saisissez les 6 chiffres du code reçu par courriel');
    expect((await sendMailCode(agent, wrong)).status).toBe(400);
    const third = await sendMailCode(agent, wrong);
    expect(fieldError(third.text, 'code')).toContain('demandez un nouveau code');
    // the right code no longer works after three wrong tries
    expect(fieldError((await sendMailCode(agent, code)).text, 'code')).toContain('n’est plus valable');

    const before = (await mailsTo(email)).length;
    const resend = await postForm(agent, '/connexion/second-facteur/renvoyer', {}, CODE_PAGE);
    expect(resend.headers.location).toBe(CODE_PAGE);
    // the code of this login was mailed less than a minute ago: nothing new
    expect((await mailsTo(email)).length).toBe(before);
    expect($((await agent.get(CODE_PAGE)).text)('.alert').text()).toContain('patientez');
    t.ctx.clock.advanceMinutes(1);
    await postForm(agent, '/connexion/second-facteur/renvoyer', {}, CODE_PAGE);
    expect((await mailsTo(email)).length).toBe(before + 1);
    const fresh = await mailedCode(t.ctx.knex, email);
    const ok = await sendMailCode(agent, fresh);
    expect(ok.headers.location).toBe(CODE_PAGE);
    expect(
      $((await agent.get(CODE_PAGE)).text)('#totp-key')
        .text()
        .replace(/\s/g, ''),
    ).toMatch(/^[A-Z2-7]{32}$/);
    // single use: the same code again on another login is refused
    t.ctx.clock.advanceMinutes(1);
    const other = await passwordStep(email);
    expect((await sendMailCode(other.agent, fresh)).status).toBe(400);
    // failures of this test are forgotten
    await t.ctx.knex('users').where({ id: t.world.users.operator.id }).update({ failed_logins: 0, locked_until: null });
  });

  it('refuses a mailed code after 15 minutes', async () => {
    const email = t.world.users.accountant.email;
    const { agent } = await passwordStep(email);
    const code = await mailedCode(t.ctx.knex, email);
    t.ctx.clock.advanceMinutes(16);
    const late = await sendMailCode(agent, code);
    expect(late.status).toBe(400);
    expect(fieldError(late.text, 'code')).toContain('n’est plus valable');
  });

  it('enrols the key after the mailed code, shows ten recovery codes once, stored hashed, and audits the enrolment', async () => {
    t.ctx.clock.advanceMinutes(2);
    const { recoveryCodes } = await enrolAndLogIn(t.ctx, t.world.users.adminA.email);
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const c of recoveryCodes) expect(c).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
    const rows = await t.ctx.knex('recovery_codes').where({ user_id: t.world.users.adminA.id });
    expect(rows).toHaveLength(10);
    const stored = rows.map((r: { code_hash: string }) => r.code_hash).join(' ');
    for (const c of recoveryCodes) expect(stored).not.toContain(c.replace(/-/g, ''));
    expect(await t.ctx.knex('audit_events').where({ entity_id: t.world.users.adminA.id, action: 'user.second_factor_enabled' })).toHaveLength(1);
    expect(await t.ctx.knex('audit_events').where({ entity_id: t.world.users.adminA.id, action: 'user.recovery_codes_generated' })).toHaveLength(1);
    // the person is told by mail (one mail: the recovery codes come with the activation)
    const told = await changeMails(t.world.users.adminA.email);
    expect(told).toHaveLength(1);
    expect(told[0]).toContain('vient d’être activé');
  });

  it('lets an invited user enrol right after choosing the password: the one-time link proved the mailbox', async () => {
    const invited = await insertUser(t.ctx.knex, {
      organisationId: t.world.association.id,
      role: 'accountant',
      email: 'nouvelle.comptable@asso.test',
      withPassword: false,
    });
    const token = await new PasswordTokenRepository().issue(t.ctx.knex, invited.id, 'invitation', t.ctx.clock.now(), null);
    const agent = request.agent(t.ctx.app);
    const link = `/mot-de-passe/definir/${token}`;
    const set = await postForm(agent, link, { newPassword: 'une phrase de passe solide', confirmPassword: 'une phrase de passe solide' });
    expect(set.status).toBe(302);
    expect(set.headers.location).toBe(CODE_PAGE);
    const page = $((await agent.get(CODE_PAGE)).text);
    const key = page('#totp-key').text().replace(/\s/g, '');
    expect(key).toMatch(/^[A-Z2-7]{32}$/);
    expect(page('.alert').text()).toContain('activez-le maintenant');
    expect(await mailsTo(invited.email)).toHaveLength(0);
    const done = await postForm(agent, CODE_PAGE, { code: totp(t.ctx.clock, key) }, CODE_PAGE);
    expect($(done.text)('#recovery-codes li')).toHaveLength(10);
    expect((await agent.get('/')).status).toBe(200);
  });
});

describe('recovery codes', () => {
  it('each replaces a TOTP code once at login, audited, and the user is told how many remain', async () => {
    t.ctx.clock.advanceMinutes(2);
    const email = t.world.users.adminB.email;
    const { recoveryCodes } = await enrolAndLogIn(t.ctx, email);
    const [code] = recoveryCodes as [string];
    const first = await passwordStep(email);
    const res = await postForm(first.agent, CODE_PAGE, { code: code.toUpperCase().replace(/-/g, ' ') }, CODE_PAGE);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/');
    expect($((await first.agent.get('/')).text)('.alert').text()).toContain('Il vous en reste 9');
    expect(await t.ctx.knex('audit_events').where({ entity_id: t.world.users.adminB.id, action: 'user.recovery_code_used' })).toHaveLength(1);
    const again = await passwordStep(email);
    const reused = await postForm(again.agent, CODE_PAGE, { code }, CODE_PAGE);
    expect(reused.status).toBe(400);
    expect(fieldError(reused.text, 'code')).toContain('incorrect');
    expect(await changeMails(email)).toContainEqual(expect.stringContaining('Un code de secours vient d’être utilisé'));
  });

  it('are forgotten with the key when the second factor is reset, and the person is told', async () => {
    const email = t.world.users.adminB.email;
    expect(await t.ctx.services.secondFactor.reset({ userId: null, name: 'Ligne de commande' }, { email })).toBe(true);
    expect(await t.ctx.knex('recovery_codes').where({ user_id: t.world.users.adminB.id })).toHaveLength(0);
    expect(await changeMails(email)).toContainEqual(expect.stringContaining('vient d’être réinitialisé'));
  });

  it('are regenerated from “Mon compte” after re-authentication; the former ones stop working', async () => {
    t.ctx.clock.advanceMinutes(2);
    const email = t.world.users.admin.email;
    const { agent, key, recoveryCodes } = await enrolAndLogIn(t.ctx, email);
    adminKey = key;
    const account = $((await agent.get('/mon-compte')).text);
    expect(account('#second-factor').text()).toContain('10 codes de secours restants');
    const page = $((await agent.get('/mon-compte/codes-de-secours')).text);
    expect(page('#recovery-left').text()).toContain('Il vous reste 10 codes');
    expect(page('#confirmPassword')).toHaveLength(1);
    expect(page('#confirmCode').attr('autocomplete')).toBe('one-time-code');
    const refused = await postForm(agent, '/mon-compte/codes-de-secours', { confirmPassword: 'pas-le-bon' });
    expect(refused.status).toBe(400);
    expect(fieldError(refused.text, 'confirmPassword')).toContain('saisissez votre mot de passe');
    t.ctx.clock.advanceMinutes(0.5);
    const ok = await postForm(agent, '/mon-compte/codes-de-secours', { confirmPassword: TEST_PASSWORD, confirmCode: totp(t.ctx.clock, key) });
    expect(ok.status).toBe(200);
    const fresh = $(ok.text)('#recovery-codes li')
      .map((_i, el) => $(ok.text)(el).text())
      .get();
    expect(fresh).toHaveLength(10);
    expect(fresh).not.toContain(recoveryCodes[0]);
    expect((await postForm(agent, '/mon-compte/codes-de-secours/notes', {}, '/mon-compte')).headers.location).toBe('/mon-compte');
    expect(await changeMails(email)).toContainEqual(expect.stringContaining('De nouveaux codes de secours'));
    const login = await passwordStep(email);
    expect((await postForm(login.agent, CODE_PAGE, { code: recoveryCodes[0] as string }, CODE_PAGE)).status).toBe(400);
    expect((await postForm(login.agent, CODE_PAGE, { code: fresh[0] as string }, CODE_PAGE)).status).toBe(302);
  });
});

describe('the second factor per role', () => {
  it('asks every role of SECOND_FACTOR_ROLES for a code at login, and lets the others in with their password', async () => {
    t.ctx.clock.advanceMinutes(20);
    for (const key of ['admin', 'operator', 'accountant', 'adminA'] as const) expect((await passwordStep(t.world.users[key].email)).location).toBe(CODE_PAGE);
    for (const key of ['social_adviser', 'auditor', 'instructorA'] as const) expect((await passwordStep(t.world.users[key].email)).location).toBe('/');
  });

  it('shows on the users page which roles must use it (read from the configuration) and who has enrolled', async () => {
    t.ctx.clock.advanceMinutes(1);
    const admin = await logInWithCode(t.ctx, t.world.users.admin.email, adminKey);
    const page = $((await admin.get('/utilisateurs')).text);
    expect(page('#second-factor-roles').text()).toContain(
      'Second facteur exigé pour : Administrateur de l’association, Chargé d’instruction, Comptable, Administrateur bailleur',
    );
    const rowOf = (email: string) => page('tbody tr').filter((_i, tr) => page(tr).text().includes(email));
    expect(rowOf(t.world.users.admin.email).find('.second-factor').text()).toBe('Activé');
    expect(rowOf(t.world.users.social_adviser.email).find('.second-factor').text()).toBe('Non activé');
  });
});
