import request from 'supertest';
import type { TestContext } from '../support/app';
import { $, fieldError, loginAs, postForm } from '../support/http';
import { decodeBody, startAppWithSmtp, type startSmtpServer } from '../support/smtp';
import type { World } from '../factories/world';
import { TEST_PASSWORD } from '../factories/user';

let ctx: TestContext;
let world: World;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ ctx, world, smtp, close } = await startAppWithSmtp());
});
afterAll(() => close());

function linkIn(mailTo: string): string {
  const mail = [...smtp.mails].reverse().find((m) => m.to.includes(mailTo));
  if (!mail) throw new Error(`no mail to ${mailTo}`);
  const match = /http:\/\/entraide\.test(\/mot-de-passe\/definir\/[\w-]+)/.exec(decodeBody(mail.raw));
  if (!match?.[1]) throw new Error('no link in mail');
  return match[1];
}

describe('user administration by an association admin', () => {
  it('creates a landlord user, mails a one-time invitation over SMTP, and the link sets the password once', async () => {
    const admin = await loginAs(ctx.app, world.users.admin.email);
    const res = await postForm(
      admin,
      '/utilisateurs',
      {
        organisationId: world.landlordA.id,
        firstName: 'Léa',
        lastName: 'Bernard',
        email: 'Lea.Bernard@Alpha.test',
        role: 'landlord_instructor',
        agencyId: world.landlordA.agencyId,
      },
      `/utilisateurs/nouveau?organisation=${world.landlordA.id}`,
    );
    expect(res.status).toBe(302);
    const user = await ctx.knex('users').where({ email: 'lea.bernard@alpha.test' }).first();
    expect(user).toMatchObject({ role: 'landlord_instructor', organisation_id: world.landlordA.id, agency_id: world.landlordA.agencyId, password_hash: null });
    const outbox = await ctx.knex('mail_outbox').where({ to_address: 'lea.bernard@alpha.test' }).first();
    expect(outbox.status).toBe('sent');

    const link = linkIn('lea.bernard@alpha.test');
    const visitor = request.agent(ctx.app);
    expect((await visitor.get(link)).status).toBe(200);
    const tooShort = await postForm(visitor, link, { newPassword: 'court-11car', confirmPassword: 'court-11car' });
    expect(tooShort.status).toBe(400);
    expect(fieldError(tooShort.text, 'newPassword')).toBe('Le mot de passe doit contenir au moins 12 caractères');
    const common = await postForm(visitor, link, { newPassword: 'unbelievable', confirmPassword: 'unbelievable' });
    expect(fieldError(common.text, 'newPassword')).toContain('plus courants');
    const ok = await postForm(visitor, link, { newPassword: 'une phrase de passe solide', confirmPassword: 'une phrase de passe solide' });
    expect(ok.status).toBe(302);
    expect((await visitor.get(link)).status).toBe(404);
    await loginAs(ctx.app, 'lea.bernard@alpha.test', 'une phrase de passe solide');
  });

  it('refuses a role the organisation kind does not allow', async () => {
    const admin = await loginAs(ctx.app, world.users.admin.email);
    const res = await postForm(
      admin,
      '/utilisateurs',
      { organisationId: world.landlordA.id, firstName: 'Paul', lastName: 'Faure', email: 'paul@alpha.test', role: 'admin' },
      `/utilisateurs/nouveau?organisation=${world.landlordA.id}`,
    );
    expect(res.status).toBe(400);
    expect(fieldError(res.text, 'role')).toContain('pas possible');
    expect($(res.text)('#email').attr('value')).toBe('paul@alpha.test');
    expect(await ctx.knex('users').where({ email: 'paul@alpha.test' }).first()).toBeUndefined();
  });

  it('refuses an e-mail already used, whatever its case', async () => {
    const admin = await loginAs(ctx.app, world.users.admin.email);
    const res = await postForm(
      admin,
      '/utilisateurs',
      { organisationId: world.landlordB.id, firstName: 'X', lastName: 'Y', email: 'ADMIN@ALPHA.TEST', role: 'landlord_admin' },
      `/utilisateurs/nouveau?organisation=${world.landlordB.id}`,
    );
    expect(fieldError(res.text, 'email')).toBe('Un compte existe déjà avec cette adresse e-mail');
  });

  it('asks for the admin password again to change a role, and audits the change', async () => {
    const admin = await loginAs(ctx.app, world.users.admin.email);
    const target = await ctx.knex('users').where({ id: world.users.instructorB.id }).first();
    const fields = { firstName: target.first_name, lastName: target.last_name, email: target.email, role: 'landlord_admin', version: String(target.version) };
    const without = await postForm(admin, `/utilisateurs/${target.id}/modifier`, fields);
    expect(without.status).toBe(400);
    expect(fieldError(without.text, 'confirmPassword')).toContain('saisissez votre mot de passe');
    expect($(without.text)('#confirmPassword').attr('value')).toBeUndefined();
    const withPassword = await postForm(admin, `/utilisateurs/${target.id}/modifier`, { ...fields, confirmPassword: TEST_PASSWORD });
    expect(withPassword.status).toBe(302);
    const audit = await ctx.knex('audit_events').where({ entity_id: target.id, action: 'user.role_changed' }).first();
    expect(audit.before).toEqual({ role: 'landlord_instructor' });
    expect(audit.after).toEqual({ role: 'landlord_admin' });
    const page = $((await admin.get(`/utilisateurs/${target.id}`)).text);
    expect(page('#historique').parent().text()).toContain('Rôle : Instructeur bailleur → Administrateur bailleur');
    expect(page('.last-update').text()).toContain('Camille');
  });

  it('deactivates a user: their open session ends at once, and reactivates them', async () => {
    const victim = await loginAs(ctx.app, world.users.auditor.email);
    const admin = await loginAs(ctx.app, world.users.admin.email);
    const res = await postForm(admin, `/utilisateurs/${world.users.auditor.id}/desactiver`, {}, `/utilisateurs/${world.users.auditor.id}`);
    expect(res.status).toBe(302);
    expect((await victim.get('/')).status).toBe(302);
    await postForm(admin, `/utilisateurs/${world.users.auditor.id}/reactiver`, {}, `/utilisateurs/${world.users.auditor.id}`);
    expect((await ctx.knex('users').where({ id: world.users.auditor.id }).first()).status).toBe('active');
    const actions = (await ctx.knex('audit_events').where({ entity_id: world.users.auditor.id }).orderBy('id')).map((a) => a.action);
    expect(actions).toEqual(['user.deactivated', 'user.reactivated']);
  });

  it('cannot deactivate their own account', async () => {
    const admin = await loginAs(ctx.app, world.users.admin.email);
    const res = await postForm(admin, `/utilisateurs/${world.users.admin.id}/desactiver`, {}, '/');
    expect(res.status).toBe(403);
  });

  it('sends a reset link; the old password keeps working until the new one is chosen', async () => {
    const admin = await loginAs(ctx.app, world.users.admin.email);
    await postForm(admin, `/utilisateurs/${world.users.operator.id}/envoyer-lien`, {}, `/utilisateurs/${world.users.operator.id}`);
    const link = linkIn(world.users.operator.email);
    await loginAs(ctx.app, world.users.operator.email);
    ctx.clock.advanceMinutes(61);
    expect((await request(ctx.app).get(link)).status).toBe(404);
  });
});

describe('user administration by a landlord admin', () => {
  it('lists only the users of its own organisation', async () => {
    const agent = await loginAs(ctx.app, world.users.adminB.email);
    const page = $((await agent.get('/utilisateurs')).text);
    const text = page('tbody').text();
    expect(text).toContain('admin@beta.test');
    expect(text).not.toContain('alpha.test');
    expect(text).not.toContain('asso.test');
  });

  it('answers 404 for a user of another organisation, on every user route', async () => {
    const agent = await loginAs(ctx.app, world.users.adminB.email);
    const other = world.users.instructorA.id;
    expect((await agent.get(`/utilisateurs/${other}`)).status).toBe(404);
    expect((await agent.get(`/utilisateurs/${other}/modifier`)).status).toBe(404);
    expect((await postForm(agent, `/utilisateurs/${other}/desactiver`, {}, '/')).status).toBe(404);
    expect((await postForm(agent, `/utilisateurs/${other}/envoyer-lien`, {}, '/')).status).toBe(404);
    const edit = await postForm(
      agent,
      `/utilisateurs/${other}/modifier`,
      { firstName: 'A', lastName: 'B', email: 'x@y.fr', role: 'landlord_admin', version: '1' },
      '/',
    );
    expect(edit.status).toBe(404);
    expect((await ctx.knex('users').where({ id: other }).first()).status).toBe('active');
    expect(ctx.logs.some((l) => l.includes('access.not_found') && l.includes(world.users.adminB.id))).toBe(true);
  });

  it('creates users only in its own organisation and only with landlord roles', async () => {
    const agent = await loginAs(ctx.app, world.users.adminB.email);
    const form = $((await agent.get('/utilisateurs/nouveau')).text);
    expect(form('input[name="organisationId"]').attr('value')).toBe(world.landlordB.id);
    expect(
      form('#role option')
        .map((_i, o) => form(o).attr('value'))
        .get(),
    ).toEqual(['', 'landlord_admin', 'landlord_instructor']);

    const elsewhere = await postForm(
      agent,
      '/utilisateurs',
      { organisationId: world.landlordA.id, firstName: 'Eve', lastName: 'Intruse', email: 'eve@alpha.test', role: 'landlord_admin' },
      '/utilisateurs/nouveau',
    );
    expect(elsewhere.status).toBe(400);
    expect(await ctx.knex('users').where({ email: 'eve@alpha.test' }).first()).toBeUndefined();

    const asAdmin = await postForm(
      agent,
      '/utilisateurs',
      { organisationId: world.landlordB.id, firstName: 'Eve', lastName: 'Intruse', email: 'eve@beta.test', role: 'admin' },
      '/utilisateurs/nouveau',
    );
    expect(asAdmin.status).toBe(400);

    const foreignAgency = await postForm(
      agent,
      '/utilisateurs',
      {
        organisationId: world.landlordB.id,
        firstName: 'Eve',
        lastName: 'Martin',
        email: 'eve@beta.test',
        role: 'landlord_instructor',
        agencyId: world.landlordA.agencyId,
      },
      '/utilisateurs/nouveau',
    );
    expect(foreignAgency.status).toBe(400);
    expect(fieldError(foreignAgency.text, 'agencyId')).toContain('agence de cette organisation');

    const ok = await postForm(
      agent,
      '/utilisateurs',
      {
        organisationId: world.landlordB.id,
        firstName: 'Eve',
        lastName: 'Martin',
        email: 'eve@beta.test',
        role: 'landlord_instructor',
        agencyId: world.landlordB.agencyId,
      },
      '/utilisateurs/nouveau',
    );
    expect(ok.status).toBe(302);
    const created = await ctx.knex('users').where({ email: 'eve@beta.test' }).first();
    const page = $((await agent.get(`/utilisateurs/${created.id}`)).text);
    expect(page('#historique').parent().text()).toContain('Agence : — → Agence Sud');
  });

  it('ignores fields it may not set (mass assignment): organisation and status are not taken from the edit form', async () => {
    const agent = await loginAs(ctx.app, world.users.adminB.email);
    const target = await ctx.knex('users').where({ email: 'eve@beta.test' }).first();
    const res = await postForm(agent, `/utilisateurs/${target.id}/modifier`, {
      firstName: 'Eve',
      lastName: 'Martin',
      email: 'eve@beta.test',
      role: 'landlord_instructor',
      version: String(target.version),
      organisationId: world.landlordA.id,
      status: 'deactivated',
      password_hash: 'x',
    });
    expect(res.status).toBe(302);
    const after = await ctx.knex('users').where({ id: target.id }).first();
    expect(after.organisation_id).toBe(world.landlordB.id);
    expect(after.status).toBe('active');
    expect(after.password_hash).toBeNull();
  });
});
