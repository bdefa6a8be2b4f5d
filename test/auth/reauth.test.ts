import { IBAN } from '../factories/payment';
import { TEST_PASSWORD } from '../factories/user';
import { $, type Agent, fieldError, postForm } from '../support/http';
import { enrolAndLogIn, totp, withIdentity } from '../support/second-factor';
import { useWorld } from '../support/world';

/**
 * ASVS 3.7.1: giving or confirming a bank account, approving a payment batch, changing a role and
 * resetting a colleague's second factor ask the password again, and a current code from whoever
 * enrolled a key. A re-authentication holds 5 minutes; each failure counts toward the lockout;
 * a refused form keeps what was typed.
 */
const t = useWorld({ SECOND_FACTOR: 'required' });
const pdf = Buffer.from('%PDF-1.4\n% RIB\n');

async function postOwnAccount(agent: Agent, fields: Record<string, string>) {
  const token = $((await agent.get('/comptes-bancaires')).text)('input[name="_csrf"]')
    .first()
    .attr('value') as string;
  let req = agent.post('/comptes-bancaires').field('_csrf', token);
  for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
  return req.attach('rib', pdf, 'rib.pdf');
}

describe('re-authentication before a sensitive change', () => {
  let landlord: { agent: Agent; key: string };
  beforeAll(async () => {
    landlord = await enrolAndLogIn(t.ctx, t.world.users.adminA.email);
    t.ctx.clock.advanceMinutes(0.5); // the login's code cannot serve again
  });

  it('asks a landlord administrator giving a bank account for the password and the current code, keeping the typed values when refused', async () => {
    const page = $((await landlord.agent.get('/comptes-bancaires')).text);
    expect(page('legend').text()).toContain('Confirmez votre identité');
    expect(page('#confirmPassword').attr('autocomplete')).toBe('current-password');
    expect(page('#confirmCode').attr('autocomplete')).toBe('one-time-code');
    expect(page('#confirmCode').attr('inputmode')).toBe('numeric');
    const typed = { holderName: 'Bailleur Alpha', iban: IBAN.alpha, bic: 'AGRIFRPPXXX' };

    const noPassword = await postOwnAccount(landlord.agent, typed);
    expect(noPassword.status).toBe(400);
    expect(fieldError(noPassword.text, 'confirmPassword')).toContain('saisissez votre mot de passe');
    expect($(noPassword.text)('#holderName').attr('value')).toBe('Bailleur Alpha');
    expect($(noPassword.text)('#iban').attr('value')).toBe(IBAN.alpha);
    expect($(noPassword.text)('#confirmPassword').attr('value')).toBeUndefined();

    const passwordOnly = await postOwnAccount(landlord.agent, withIdentity(typed));
    expect(passwordOnly.status).toBe(400);
    expect(fieldError(passwordOnly.text, 'confirmCode')).toContain('Saisissez le code');

    const wrongCode = await postOwnAccount(landlord.agent, withIdentity(typed, { code: '000000' }));
    expect(wrongCode.status).toBe(400);
    expect($(wrongCode.text)('#confirmCode').attr('value')).toBeUndefined();
    expect(await t.ctx.knex('bank_accounts').where({ submitted_by: t.world.users.adminA.id })).toHaveLength(0);
    // each failure counted toward the lockout
    expect((await t.ctx.knex('users').where({ id: t.world.users.adminA.id }).first('failed_logins')).failed_logins).toBe(3);

    const ok = await postOwnAccount(landlord.agent, withIdentity(typed, { code: totp(t.ctx.clock, landlord.key) }));
    expect(ok.status).toBe(302);
    expect(await t.ctx.knex('bank_accounts').where({ submitted_by: t.world.users.adminA.id })).toHaveLength(1);
  });

  it('holds for 5 minutes in the session, then asks again', async () => {
    t.ctx.clock.advanceMinutes(3);
    const page = $((await landlord.agent.get('/comptes-bancaires')).text);
    expect(page('#confirmPassword')).toHaveLength(0);
    expect(page('main').text()).toContain('Votre identité est confirmée depuis moins de 5 minutes');
    t.ctx.clock.advanceMinutes(3);
    expect($((await landlord.agent.get('/comptes-bancaires')).text)('#confirmPassword')).toHaveLength(1);
    const late = await postOwnAccount(landlord.agent, { holderName: 'Bailleur Alpha', iban: IBAN.alphaNew });
    expect(late.status).toBe(400);
    expect(fieldError(late.text, 'confirmPassword')).toContain('mot de passe');
  });

  it('locks the account after five failures, like wrong passwords at login', async () => {
    await t.ctx.knex('users').where({ id: t.world.users.adminA.id }).update({ failed_logins: 0 });
    for (let i = 0; i < 5; i++)
      await postOwnAccount(landlord.agent, withIdentity({ holderName: 'X', iban: IBAN.alphaNew }, { password: `faux-mot-de-passe-${i}` }));
    const user = await t.ctx.knex('users').where({ id: t.world.users.adminA.id }).first('locked_until');
    expect(new Date(user.locked_until).getTime()).toBeGreaterThan(t.ctx.clock.now().getTime());
    const locked = await postOwnAccount(landlord.agent, withIdentity({ holderName: 'X', iban: IBAN.alphaNew }, { code: totp(t.ctx.clock, landlord.key) }));
    expect(fieldError(locked.text, 'confirmPassword')).toContain('verrouillé');
    t.ctx.clock.advanceMinutes(16);
    await t.ctx.knex('users').where({ id: t.world.users.adminA.id }).update({ failed_logins: 0, locked_until: null });
  });

  it('asks an administrator changing a role for the password and code; other edits need nothing', async () => {
    t.ctx.clock.advanceMinutes(1);
    const admin = await enrolAndLogIn(t.ctx, t.world.users.admin.email);
    t.ctx.clock.advanceMinutes(0.5);
    const target = await t.ctx.knex('users').where({ id: t.world.users.auditor.id }).first();
    const fields = {
      firstName: target.first_name,
      lastName: 'Nouveau-Nom',
      email: target.email,
      phone: '',
      role: target.role,
      agencyId: '',
      version: String(target.version),
    };
    const edit = `/utilisateurs/${target.id}/modifier`;
    expect((await postForm(admin.agent, edit, fields)).status).toBe(302);
    const version = String(target.version + 1);
    const roleChange = { ...fields, role: 'accountant', version };
    const refused = await postForm(admin.agent, edit, withIdentity(roleChange));
    expect(refused.status).toBe(400);
    expect(fieldError(refused.text, 'confirmCode')).toContain('Saisissez le code');
    expect($(refused.text)('#lastName').attr('value')).toBe('Nouveau-Nom');
    expect((await t.ctx.knex('users').where({ id: target.id }).first('role')).role).toBe('auditor');
    const ok = await postForm(admin.agent, edit, withIdentity(roleChange, { code: totp(t.ctx.clock, admin.key) }));
    expect(ok.status).toBe(302);
    expect((await t.ctx.knex('users').where({ id: target.id }).first('role')).role).toBe('accountant');
  });

  it('refuses a role change in the service itself without a recent re-authentication', async () => {
    const admin = await t.ctx.knex('users').where({ id: t.world.users.admin.id }).first();
    const target = await t.ctx.knex('users').where({ id: t.world.users.auditor.id }).first();
    const actor = {
      userId: admin.id,
      role: 'admin' as const,
      organisationId: admin.organisation_id,
      organisationKind: 'association' as const,
      name: 'Admin',
      agencyId: null,
      agencyRestricted: false,
      requestId: 'test',
    };
    const input = {
      firstName: target.first_name,
      lastName: target.last_name,
      email: target.email,
      role: 'auditor' as const,
      agencyRestricted: false,
      version: target.version,
    };
    await expect(t.ctx.services.users.update(actor, target.id, input)).rejects.toThrow();
    const stale = { userId: admin.id, at: t.ctx.clock.now().getTime() - 6 * 60_000 };
    await expect(t.ctx.services.users.update(actor, target.id, input, async () => stale)).rejects.toThrow();
    expect((await t.ctx.knex('users').where({ id: target.id }).first('role')).role).toBe('accountant');
  });

  it('accepts a recovery code instead of the application’s code', async () => {
    t.ctx.clock.advanceMinutes(6);
    const accountant = await enrolAndLogIn(t.ctx, t.world.users.accountant.email);
    t.ctx.clock.advanceMinutes(6);
    const res = await postForm(accountant.agent, '/mon-compte/codes-de-secours', {
      confirmPassword: TEST_PASSWORD,
      confirmCode: accountant.recoveryCodes[0] as string,
    });
    expect(res.status).toBe(200);
    expect($(res.text)('#recovery-codes li')).toHaveLength(10);
    expect(await t.ctx.knex('audit_events').where({ entity_id: t.world.users.accountant.id, action: 'user.recovery_code_used' })).toHaveLength(1);
  });
});
