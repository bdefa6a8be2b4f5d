import request from 'supertest';
import { actorOf } from '../factories/payment';
import { insertUser, TEST_PASSWORD } from '../factories/user';
import { $, fieldError, loginAs, postForm } from '../support/http';
import { enrolAndLogIn, totp, withIdentity } from '../support/second-factor';
import { useWorld } from '../support/world';

/**
 * What a session left open must not do without the password (and code) again (ASVS 3.7.1): create
 * an account that moves money or manages access (its invitation link lets its holder enrol a
 * second factor), change a colleague's e-mail (a password link sent there takes the account). A
 * new role or address ends the sessions opened under the old one; a role that requires a second
 * factor not yet enrolled cannot re-authenticate with a password alone.
 */
const t = useWorld({ SECOND_FACTOR: 'required' });

describe('accounts and re-authentication', () => {
  let admin: Awaited<ReturnType<typeof enrolAndLogIn>>;
  beforeAll(async () => {
    admin = await enrolAndLogIn(t.ctx, t.world.users.admin.email);
    t.ctx.clock.advanceMinutes(0.5);
  });

  it('asks the password and code to create an operator, not to create a landlord instructor', async () => {
    const form = `/utilisateurs/nouveau?organisation=${t.world.association.id}`;
    const operator = { organisationId: t.world.association.id, firstName: 'Noé', lastName: 'Garnier', email: 'noe.garnier@asso.test', role: 'operator' };
    expect($((await admin.agent.get(form)).text)('legend').text()).toContain('Confirmez votre identité');
    const refused = await postForm(admin.agent, '/utilisateurs', operator, form);
    expect(refused.status).toBe(400);
    expect(fieldError(refused.text, 'confirmPassword')).toContain('Pour créer un compte de ce rôle');
    expect($(refused.text)('#lastName').attr('value')).toBe('Garnier');
    expect(await t.ctx.knex('users').where({ email: 'noe.garnier@asso.test' }).first()).toBeUndefined();
    expect((await postForm(admin.agent, '/utilisateurs', withIdentity(operator, { code: totp(t.ctx.clock, admin.key) }), form)).status).toBe(302);
    expect(await t.ctx.knex('users').where({ email: 'noe.garnier@asso.test' }).first('role')).toEqual({ role: 'operator' });

    // the re-authentication holds 5 minutes; a landlord instructor never needed it
    t.ctx.clock.advanceMinutes(6);
    const landlordForm = `/utilisateurs/nouveau?organisation=${t.world.landlordA.id}`;
    const instructor = {
      organisationId: t.world.landlordA.id,
      firstName: 'Lina',
      lastName: 'Roche',
      email: 'lina.roche@alpha.test',
      role: 'landlord_instructor',
      agencyId: t.world.landlordA.agencyId,
    };
    expect((await postForm(admin.agent, '/utilisateurs', instructor, landlordForm)).status).toBe(302);
  });

  it('asks the password and code to change a colleague’s e-mail, and ends the sessions opened under the old address', async () => {
    t.ctx.clock.advanceMinutes(6);
    const colleague = await insertUser(t.ctx.knex, { organisationId: t.world.landlordA.id, role: 'landlord_instructor', email: 'camille.blanc@alpha.test' });
    const session = await loginAs(t.ctx.app, 'camille.blanc@alpha.test');
    expect((await session.get('/')).status).toBe(200);
    const row = await t.ctx.knex('users').where({ id: colleague.id }).first();
    const edit = `/utilisateurs/${colleague.id}/modifier`;
    const fields = {
      firstName: row.first_name,
      lastName: row.last_name,
      email: 'pirate@exemple.fr',
      phone: '',
      role: row.role,
      agencyId: row.agency_id ?? '',
      version: String(row.version),
    };
    const refused = await postForm(admin.agent, edit, fields);
    expect(refused.status).toBe(400);
    expect(fieldError(refused.text, 'confirmPassword')).toContain('adresse e-mail');
    expect((await t.ctx.knex('users').where({ id: colleague.id }).first('email')).email).toBe('camille.blanc@alpha.test');
    expect(
      (await postForm(admin.agent, edit, withIdentity({ ...fields, email: 'camille.blanc2@alpha.test' }, { code: totp(t.ctx.clock, admin.key) }))).status,
    ).toBe(302);
    const after = await session.get('/');
    expect(after.status).toBe(302);
    expect(after.headers.location).toBe('/connexion');
  });

  it('ends the sessions of a colleague whose role changes: a promotion takes effect at the next login, with its second factor', async () => {
    t.ctx.clock.advanceMinutes(6);
    const colleague = await insertUser(t.ctx.knex, { organisationId: t.world.landlordA.id, role: 'landlord_instructor', email: 'sacha.noel@alpha.test' });
    const session = await loginAs(t.ctx.app, 'sacha.noel@alpha.test');
    const row = await t.ctx.knex('users').where({ id: colleague.id }).first();
    const fields = {
      firstName: row.first_name,
      lastName: row.last_name,
      email: row.email,
      phone: '',
      role: 'landlord_admin',
      agencyId: row.agency_id ?? '',
      version: String(row.version),
    };
    expect((await postForm(admin.agent, `/utilisateurs/${colleague.id}/modifier`, withIdentity(fields, { code: totp(t.ctx.clock, admin.key) }))).status).toBe(
      302,
    );
    expect((await session.get('/')).headers.location).toBe('/connexion');
    const again = await postForm(request.agent(t.ctx.app), '/connexion', { email: 'sacha.noel@alpha.test', password: TEST_PASSWORD });
    expect(again.headers.location).toBe('/connexion/second-facteur');
  });

  it('refuses to re-authenticate with a password alone a user whose role requires a second factor not yet enrolled', async () => {
    const landlordAdmin = await actorOf(t.ctx.knex, t.world.users.adminB.id);
    await expect(t.ctx.services.secondFactor.confirmIdentity(landlordAdmin, TEST_PASSWORD, undefined)).rejects.toThrow(/Votre rôle demande un second facteur/);
  });

  it('answers an edited debtor account holding another account’s IBAN next to the field, not with a 500', async () => {
    const a = await actorOf(t.ctx.knex, t.world.users.admin.id);
    await t.ctx.services.debtorAccounts.create(a, {
      label: 'Courant',
      holderName: 'Association',
      iban: 'FR1420041010050500013M02606',
      isDefault: true,
      active: true,
    });
    await t.ctx.services.debtorAccounts.create(a, {
      label: 'Fonds énergie',
      holderName: 'Association',
      iban: 'FR7630006000011234567890189',
      isDefault: false,
      active: true,
    });
    const second = await t.ctx.knex('debtor_accounts').where({ label: 'Fonds énergie' }).first('id', 'version');
    await expect(
      t.ctx.services.debtorAccounts.update(a, second.id, {
        label: 'Fonds énergie',
        holderName: 'Association',
        iban: 'FR14 2004 1010 0505 0001 3M02 606',
        isDefault: false,
        active: true,
        version: second.version,
      }),
    ).rejects.toMatchObject({ fieldErrors: { iban: 'Ce compte est déjà enregistré' } });
  });
});
