import { useWorld } from '../support/world';
import { $, fieldError, loginAs, postForm } from '../support/http';

const t = useWorld();

describe('members administration (association admin)', () => {
  it('creates a landlord member and shows who created it and when', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.admin.email);
    const res = await postForm(
      agent,
      '/admin/membres',
      {
        kind: 'landlord',
        name: 'Logis Méditerranée',
        siren: '398 765 438',
        addressLine1: '1 cours Belsunce',
        postcode: '13001',
        city: 'Marseille',
        memberSince: '01/02/2025',
      },
      '/admin/membres/nouveau',
    );
    expect(res.status).toBe(302);
    const org = await t.ctx.knex('organisations').where({ siren: '398765438' }).first();
    expect(org).toMatchObject({ name: 'Logis Méditerranée', kind: 'landlord', member_since: '2025-02-01', status: 'active' });
    const page = $((await agent.get(res.headers.location as string)).text);
    expect(page('.last-update').text()).toMatch(/Dernière mise à jour le \d{2}\/\d{2}\/\d{4} à \d{2}:\d{2} par Camille Durand/);
    expect(page('#historique').parent().text()).toContain('Création');
  });

  it('rejects an invalid SIREN next to its field and keeps every typed value', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.admin.email);
    const res = await postForm(
      agent,
      '/admin/membres',
      { kind: 'landlord', name: 'Habitat Erroné', siren: '123456789', city: 'Nantes', postcode: '440', memberSince: '31/02/2025' },
      '/admin/membres/nouveau',
    );
    expect(res.status).toBe(400);
    expect(fieldError(res.text, 'siren')).toBe('Ce numéro SIREN n’est pas valide (clé de contrôle incorrecte)');
    expect(fieldError(res.text, 'postcode')).toContain('5 chiffres');
    expect(fieldError(res.text, 'memberSince')).toContain('date valide');
    const page = $(res.text);
    expect(page('#name').attr('value')).toBe('Habitat Erroné');
    expect(page('#city').attr('value')).toBe('Nantes');
    expect(page('#siren').attr('value')).toBe('123456789');
    expect(page('#siren').attr('aria-describedby')).toContain('siren-error');
    expect(page('.error-summary a[href="#siren"]').length).toBe(1);
    expect(page('input[name="kind"][value="landlord"]').attr('checked')).toBeDefined();
  });

  it('requires a SIREN for a landlord and refuses one already used', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.admin.email);
    const missing = await postForm(agent, '/admin/membres', { kind: 'landlord', name: 'Sans SIREN' }, '/admin/membres/nouveau');
    expect(fieldError(missing.text, 'siren')).toBe('Saisissez le numéro SIREN du bailleur');
    const existing = await t.ctx.knex('organisations').where({ id: t.world.landlordA.id }).first('siren');
    const dup = await postForm(agent, '/admin/membres', { kind: 'landlord', name: 'Doublon', siren: existing.siren }, '/admin/membres/nouveau');
    expect(dup.status).toBe(400);
    expect(fieldError(dup.text, 'siren')).toContain('Bailleur Alpha');
  });

  it('edits a member, records before/after in the audit trail, and refuses a stale version', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.admin.email);
    const org = await t.ctx.knex('organisations').where({ id: t.world.landlordB.id }).first();
    const fields = { kind: 'landlord', name: 'Bailleur Bêta Habitat', siren: org.siren, city: 'Roubaix', status: 'active', version: String(org.version) };
    const ok = await postForm(agent, `/admin/membres/${org.id}/modifier`, fields);
    expect(ok.status).toBe(302);
    const audit = await t.ctx.knex('audit_events').where({ entity_type: 'organisation', entity_id: org.id, action: 'organisation.updated' }).first();
    expect(audit.before).toMatchObject({ name: 'Bailleur Bêta', city: 'Paris' });
    expect(audit.after).toMatchObject({ name: 'Bailleur Bêta Habitat', city: 'Roubaix' });
    expect(audit.actor_user_id).toBe(t.world.users.admin.id);

    const stale = await postForm(agent, `/admin/membres/${org.id}/modifier`, { ...fields, city: 'Tourcoing' });
    expect(stale.status).toBe(400);
    expect($(stale.text)('.alert-danger').text()).toContain('modifiée par quelqu');
    expect($(stale.text)('#city').attr('value')).toBe('Tourcoing');

    const page = $((await agent.get(`/admin/membres/${org.id}`)).text);
    const history = page('#historique').parent().text();
    expect(history).toContain('Ville : Paris → Roubaix');
  });

  it('suspends a member: its users can no longer log in and active sessions stop working', async () => {
    const landlordAgent = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    const agent = await loginAs(t.ctx.app, t.world.users.admin.email);
    const org = await t.ctx.knex('organisations').where({ id: t.world.landlordA.id }).first();
    const res = await postForm(agent, `/admin/membres/${org.id}/modifier`, {
      kind: 'landlord',
      name: org.name,
      siren: org.siren,
      status: 'suspended',
      version: String(org.version),
    });
    expect(res.status).toBe(302);
    expect((await landlordAgent.get('/')).status).toBe(302);
    const audit = await t.ctx.knex('audit_events').where({ entity_id: org.id, action: 'organisation.suspended' }).first();
    expect(audit).toBeTruthy();
    await t.ctx.knex('organisations').where({ id: org.id }).update({ status: 'active' });
  });

  it('adds and renames agencies, refusing a duplicate name', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.admin.email);
    const path = `/admin/membres/${t.world.landlordB.id}`;
    const added = await postForm(agent, `${path}/agences`, { name: 'Agence Roubaix', postcode: '59100', city: 'Roubaix' }, path);
    expect(added.status).toBe(302);
    const dup = await postForm(agent, `${path}/agences`, { name: 'agence roubaix' }, path);
    expect(dup.status).toBe(400);
    expect(fieldError(dup.text, 'name')).toBe('Une agence porte déjà ce nom dans cette organisation');
    const agency = await t.ctx.knex('agencies').where({ organisation_id: t.world.landlordB.id, name: 'Agence Roubaix' }).first();
    const renamed = await postForm(agent, `${path}/agences/${agency.id}/modifier`, {
      name: 'Agence Roubaix Centre',
      status: 'active',
      version: String(agency.version),
    });
    expect(renamed.status).toBe(302);
    expect((await t.ctx.knex('agencies').where({ id: agency.id }).first()).name).toBe('Agence Roubaix Centre');
  });

  it('lists and filters members', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.admin.email);
    const page = $((await agent.get('/admin/membres?q=alpha')).text);
    expect(page('tbody tr').length).toBe(1);
    expect(page('tbody').text()).toContain('Bailleur Alpha');
    const landlords = $((await agent.get('/admin/membres?kind=landlord&page=abc')).text);
    expect(landlords('tbody').text()).not.toContain('Association Test');
  });
});

describe('members administration is for association admins only', () => {
  it.each([
    ['operator', 'operator'],
    ['social_adviser', 'social_adviser'],
    ['accountant', 'accountant'],
    ['auditor', 'auditor'],
    ['landlord admin', 'adminA'],
    ['landlord instructor', 'instructorA'],
  ] as const)('refuses the %s with 403', async (_label, key) => {
    const agent = await loginAs(t.ctx.app, t.world.users[key].email);
    expect((await agent.get('/admin/membres')).status).toBe(403);
    expect((await agent.get(`/admin/membres/${t.world.landlordA.id}`)).status).toBe(403);
    const res = await postForm(agent, '/admin/membres', { kind: 'landlord', name: 'Intrus', siren: '412345670' }, '/');
    expect(res.status).toBe(403);
  });
});
