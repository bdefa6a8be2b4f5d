import request from 'supertest';
import { passwordProblem } from '../../src/auth/passwords';
import { startTestApp, type TestContext } from '../support/app';
import { $, fieldError, loginAs, postForm } from '../support/http';
import { insertOrganisation } from '../factories/organisation';
import { insertUser, TEST_PASSWORD, type TestUser } from '../factories/user';

let ctx: TestContext;
let user: TestUser;

beforeAll(async () => {
  ctx = await startTestApp();
  const org = await insertOrganisation(ctx.knex, { kind: 'landlord' });
  user = await insertUser(ctx.knex, { organisationId: org.id, role: 'landlord_instructor', email: 'marie.dupont@exemple.fr' });
});
afterAll(() => ctx.close());

describe('password policy', () => {
  it('refuses 11 characters and accepts 12, counting runs of spaces once', () => {
    expect(passwordProblem('abcdefghijk')).toContain('au moins 12');
    expect(passwordProblem('abcdefghijkl')).toBeNull();
    expect(passwordProblem('abc     defghij')).toContain('au moins 12'); // folds to 11 characters
    expect(passwordProblem('abc     defghijk')).toBeNull(); // folds to 12
  });

  it('refuses one of the 10,000 most common passwords and the e-mail itself', () => {
    expect(passwordProblem('unbelievable')).toContain('plus courants');
    expect(passwordProblem('Unbelievable')).toContain('plus courants');
    expect(passwordProblem('marie.dupont@exemple.fr', 'marie.dupont@exemple.fr')).toContain('adresse e-mail');
  });

  it('accepts 64 characters and refuses more than 128', () => {
    expect(passwordProblem('a-long-passphrase-'.repeat(4).slice(0, 64))).toBeNull();
    expect(passwordProblem('x'.repeat(129))).toContain('128');
  });
});

describe('changing my password', () => {
  it('asks for the current password, applies the policy, ends my other sessions and mails me', async () => {
    const other = await loginAs(ctx.app, user.email);
    const me = await loginAs(ctx.app, user.email);

    const wrong = await postForm(me, '/mon-compte/mot-de-passe', {
      currentPassword: 'nope-nope-nope',
      newPassword: 'un autre mot de passe',
      confirmPassword: 'un autre mot de passe',
    });
    expect(wrong.status).toBe(400);
    expect(fieldError(wrong.text, 'currentPassword')).toBe('Le mot de passe actuel est incorrect');

    const mismatch = await postForm(me, '/mon-compte/mot-de-passe', {
      currentPassword: TEST_PASSWORD,
      newPassword: 'un autre mot de passe',
      confirmPassword: 'un autre mot de pass',
    });
    expect(fieldError(mismatch.text, 'confirmPassword')).toBe('Les deux mots de passe ne sont pas identiques');
    expect($(mismatch.text)('#newPassword').attr('value')).toBeUndefined();

    const ok = await postForm(me, '/mon-compte/mot-de-passe', {
      currentPassword: TEST_PASSWORD,
      newPassword: 'un autre mot de passe',
      confirmPassword: 'un autre mot de passe',
    });
    expect(ok.status).toBe(302);
    expect((await me.get('/mon-compte')).status).toBe(200);
    expect((await other.get('/mon-compte')).status).toBe(302);
    expect(await ctx.knex('mail_outbox').where({ to_address: user.email, kind: 'user.password_changed' }).first()).toBeTruthy();
    expect(await ctx.knex('audit_events').where({ entity_id: user.id, action: 'user.password_changed' }).first()).toBeTruthy();
    await loginAs(ctx.app, user.email, 'un autre mot de passe');
  });
});

describe('forgotten password', () => {
  it('answers the same for a known and an unknown address, and mails only the known one', async () => {
    const known = await postForm(request.agent(ctx.app), '/mot-de-passe/oublie', { email: user.email });
    const unknown = await postForm(request.agent(ctx.app), '/mot-de-passe/oublie', { email: 'inconnu@exemple.fr' });
    expect(known.status).toBe(302);
    expect(unknown.status).toBe(302);
    expect(known.headers.location).toBe(unknown.headers.location);
    expect(await ctx.knex('mail_outbox').where({ to_address: 'inconnu@exemple.fr' }).first()).toBeUndefined();
    const mail = await ctx.knex('mail_outbox').where({ to_address: user.email, kind: 'user.password_reset' }).first();
    expect(mail.status).toBe('stored');
    expect(mail.text_body).toMatch(/\/mot-de-passe\/definir\/[\w-]{40,}/);
  });

  it('a link unknown or tampered with answers 404 in French', async () => {
    const res = await request(ctx.app).get('/mot-de-passe/definir/not-a-real-token-aaaaaaaaaaaaaa');
    expect(res.status).toBe(404);
    expect($(res.text)('main').text()).toContain('n’est plus valable');
  });
});
