import { useWorld } from '../support/world';
import { $, fieldError, loginAs, postForm } from '../support/http';
import { insertHousehold, insertPerson } from '../factories/household';
import { insertDraftRequest, insertRequest } from '../factories/request';

const t = useWorld();

const aidType = async (code: string) =>
  (
    (
      await t.ctx
        .knex('aid_types')
        .insert({ code, label: `Aide ${code}`, payees: ['landlord'] })
        .returning('id')
    )[0] as { id: string }
  ).id;

describe('the household page lists the household’s aid requests and missions', () => {
  it('shows each request with its reference, aid, French status, amount and date, linked; drafts only to the landlord', async () => {
    const h = await insertHousehold(t.ctx.knex, t.world.landlordA.id, { tenancyReference: 'A-REQS' });
    const other = await insertHousehold(t.ctx.knex, t.world.landlordA.id, { tenancyReference: 'A-OTHER' });
    const type = await aidType('PAGE');
    const common = { organisationId: t.world.landlordA.id, householdId: h.id, aidTypeId: type, createdBy: t.world.users.instructorA.id };
    const granted = await insertRequest(t.ctx.knex, { ...common, status: 'granted', requestedCents: 95000 });
    const draft = await insertDraftRequest(t.ctx.knex, { ...common, requestedCents: 30000 });
    await insertRequest(t.ctx.knex, { ...common, householdId: other.id, status: 'submitted', requestedCents: 77700 });
    const reference = (await t.ctx.knex('aid_requests').where({ id: granted }).first()).reference as string;

    const landlord = $((await (await loginAs(t.ctx.app, t.world.users.instructorA.email)).get(`/menages/${h.id}`)).text);
    const rows = landlord('#demandes-du-menage tbody tr');
    expect(rows).toHaveLength(2);
    const text = landlord('#demandes-du-menage').text().replace(/\s+/g, ' ');
    expect(text).toContain(reference);
    expect(text).toContain('Aide PAGE');
    expect(text).toContain('Accordée');
    expect(text).toMatch(/950,00\s€/);
    expect(text).toContain('10/11/2026');
    expect(text).toContain('Brouillon');
    expect(text).not.toMatch(/777,00/);
    expect(landlord(`#demandes-du-menage a[href="/demandes/${granted}"]`)).toHaveLength(1);
    expect(landlord(`#demandes-du-menage a[href="/demandes/${draft}"]`)).toHaveLength(1);

    const operator = $((await (await loginAs(t.ctx.app, t.world.users.operator.email)).get(`/menages/${h.id}`)).text);
    expect(operator('#demandes-du-menage tbody tr')).toHaveLength(1);
    expect(operator('#demandes-du-menage').text()).toContain(reference);
    expect(operator(`#demandes-du-menage a[href="/demandes/${draft}"]`)).toHaveLength(0);
  });

  it('says so when the household has no request, and lists its support missions', async () => {
    const h = await insertHousehold(t.ctx.knex, t.world.landlordA.id, { tenancyReference: 'A-NONE' });
    const [type] = await t.ctx
      .knex('mission_types')
      .insert({ code: 'DIAGP', label: 'Diagnostic social', default_minutes: 240, billing_mode: 'hourly', rate_cents: 4500 })
      .returning('id');
    await t.ctx.knex('missions').insert({
      reference: 'M2026-09001',
      organisation_id: t.world.landlordA.id,
      household_id: h.id,
      mission_type_id: (type as { id: string }).id,
      status: 'proposed',
      origin: 'association',
      reason: 'Test',
      planned_minutes: 240,
      ordered_by: t.world.users.operator.id,
      ordered_by_label: 'Op',
      ordered_at: new Date('2026-11-20T10:00:00Z'),
    });
    const page = $((await (await loginAs(t.ctx.app, t.world.users.adminA.email)).get(`/menages/${h.id}`)).text);
    expect(page('#demandes-du-menage').text()).toContain('Aucune demande d’aide pour ce ménage');
    expect(page('section[aria-labelledby="accompagnement"]').text()).toContain('M2026-09001');
    expect(page('nav[aria-label="Sections de la page"]').text()).toContain('Demandes d’aide');
  });
});

describe('the household page for an adviser', () => {
  it('lists to an adviser only the requests its missions reach, never the household’s other requests nor a draft', async () => {
    const h = await insertHousehold(t.ctx.knex, t.world.landlordA.id, { tenancyReference: 'A-ADV' });
    const type = await aidType('ADV');
    const common = { organisationId: t.world.landlordA.id, householdId: h.id, aidTypeId: type, createdBy: t.world.users.instructorA.id };
    const linked = await insertRequest(t.ctx.knex, { ...common, status: 'in_review', requestedCents: 61000 });
    const other = await insertRequest(t.ctx.knex, { ...common, status: 'refused', requestedCents: 42000 });
    await insertDraftRequest(t.ctx.knex, { ...common, requestedCents: 33300 });
    const [mt] = await t.ctx
      .knex('mission_types')
      .insert({ code: 'ADVD', label: 'Diagnostic ADV', default_minutes: 240, billing_mode: 'hourly', rate_cents: 4500 })
      .returning('id');
    await t.ctx.knex('missions').insert({
      reference: 'M2026-09201',
      organisation_id: t.world.landlordA.id,
      household_id: h.id,
      request_id: linked,
      mission_type_id: (mt as { id: string }).id,
      status: 'accepted',
      origin: 'association',
      reason: 'Test',
      planned_minutes: 240,
      ordered_by: t.world.users.operator.id,
      ordered_by_label: 'Op',
      ordered_at: new Date('2026-11-20T10:00:00Z'),
      adviser_id: t.world.users.social_adviser.id,
      consent: JSON.stringify({ date: '2026-11-20', method: 'in_person', recordedBy: 'x' }),
    });
    const adviser = await loginAs(t.ctx.app, t.world.users.social_adviser.email);
    const page = $((await adviser.get(`/menages/${h.id}`)).text);
    expect(page('#demandes-du-menage tbody tr')).toHaveLength(1);
    expect(page('#demandes-du-menage').text()).not.toMatch(/333,00/);
    expect(page(`#demandes-du-menage a[href="/demandes/${linked}"]`)).toHaveLength(1);
    expect(page(`#demandes-du-menage a[href="/demandes/${other}"]`)).toHaveLength(0);
    expect(page('#demandes-du-menage').text()).not.toMatch(/420,00|Refusée/);
  });
});

describe('recording a departure asks first', () => {
  it('opens a confirmation page saying what will happen, with “Date de départ d’Aminata” and a way back', async () => {
    const aminata = await insertPerson(t.ctx.knex, { lastName: 'Diallo', firstNames: 'Aminata' });
    const h = await insertHousehold(t.ctx.knex, t.world.landlordA.id, {
      members: [{ personId: await insertPerson(t.ctx.knex) }, { personId: aminata, relationship: 'child', fromDate: '2021-01-01' }],
    });
    const agent = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    const show = $((await agent.get(`/menages/${h.id}`)).text);
    const link = show(`a[href="/menages/${h.id}/membres/${h.membershipIds[1]}/depart"]`);
    expect(link.text()).toContain('Enregistrer le départ');
    expect(show('#current-members form')).toHaveLength(0);

    const confirm = await agent.get(`/menages/${h.id}/membres/${h.membershipIds[1]}/depart`);
    expect(confirm.status).toBe(200);
    const page = $(confirm.text);
    expect(page('label[for="date"]').text()).toContain('Date de départ d’Aminata');
    expect(page('main').text()).toContain('Aminata Diallo quittera le ménage');
    expect(page('main').text()).toContain('anciens membres');
    expect(page('form[method="post"] input[name="confirmation"]').attr('value')).toBe('oui');
    expect(
      page('a.btn-link')
        .filter((_, a) => page(a).text().trim() === 'Annuler')
        .attr('href'),
    ).toBe(`/menages/${h.id}`);
  });

  it('does nothing without the confirmation: the page comes back with the date kept', async () => {
    const h = await insertHousehold(t.ctx.knex, t.world.landlordA.id, {
      members: [{ personId: await insertPerson(t.ctx.knex) }, { personId: await insertPerson(t.ctx.knex), relationship: 'child', fromDate: '2021-01-01' }],
    });
    const agent = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    const path = `/menages/${h.id}/membres/${h.membershipIds[1]}/depart`;
    const unconfirmed = await postForm(agent, path, { date: '15/10/2026' }, path);
    expect(unconfirmed.status).toBe(400);
    expect($(unconfirmed.text)('#date').attr('value')).toBe('15/10/2026');
    expect((await t.ctx.knex('household_members').where({ id: h.membershipIds[1] }).first()).to_date).toBeNull();
    const done = await postForm(agent, path, { date: '15/10/2026', confirmation: 'oui' }, path);
    expect(done.status).toBe(302);
    expect((await t.ctx.knex('household_members').where({ id: h.membershipIds[1] }).first()).to_date).toBe('2026-10-15');
    expect(await t.ctx.knex('audit_events').where({ entity_id: h.id, action: 'member.left' })).toHaveLength(1);
  });

  it('another landlord gets 404 on the confirmation page', async () => {
    const h = await insertHousehold(t.ctx.knex, t.world.landlordA.id);
    const other = await loginAs(t.ctx.app, t.world.users.instructorB.email);
    expect((await other.get(`/menages/${h.id}/membres/${h.membershipIds[0]}/depart`)).status).toBe(404);
  });
});

describe('merging two households asks first', () => {
  it('shows both households and what will happen, then merges only once confirmed', async () => {
    const keep = await insertHousehold(t.ctx.knex, t.world.landlordA.id, { tenancyReference: 'A-KEEP2' });
    const gone = await insertHousehold(t.ctx.knex, t.world.landlordA.id, {
      tenancyReference: 'A-GONE2',
      members: [{ personId: await insertPerson(t.ctx.knex, { lastName: 'Absorbé', firstNames: 'Ines' }) }],
    });
    const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
    const show = $((await operator.get(`/menages/${keep.id}`)).text);
    expect(show(`form[action="/menages/${keep.id}/fusionner"]`).attr('method')).toBe('get');

    const confirm = await operator.get(`/menages/${keep.id}/fusionner`).query({ mergedReference: 'a-gone2' });
    expect(confirm.status).toBe(200);
    const page = $(confirm.text);
    const text = page('main').text().replace(/\s+/g, ' ');
    expect(text).toContain('A-KEEP2');
    expect(text).toContain('A-GONE2');
    expect(text).toContain('Ines Absorbé');
    expect(text).toContain('ne peut pas être défaite');
    expect(page('form[method="post"] input[name="mergedReference"]').attr('value')).toBe('A-GONE2');
    expect(
      page('a')
        .filter((_, a) => page(a).text().trim() === 'Annuler')
        .attr('href'),
    ).toBe(`/menages/${keep.id}`);

    const unconfirmed = await postForm(operator, `/menages/${keep.id}/fusionner`, { mergedReference: 'A-GONE2' }, `/menages/${keep.id}`);
    expect(unconfirmed.status).toBe(400);
    expect((await t.ctx.knex('households').where({ id: gone.id }).first()).status).toBe('active');
    const merged = await postForm(operator, `/menages/${keep.id}/fusionner`, { mergedReference: 'A-GONE2', confirmation: 'oui' }, `/menages/${keep.id}`);
    expect(merged.status).toBe(302);
    expect((await t.ctx.knex('households').where({ id: gone.id }).first()).status).toBe('merged');
  });

  it('an unknown reference is said on the confirmation page, the reference kept', async () => {
    const keep = await insertHousehold(t.ctx.knex, t.world.landlordA.id, { tenancyReference: 'A-KEEP3' });
    const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
    const res = await operator.get(`/menages/${keep.id}/fusionner`).query({ mergedReference: 'NOPE' });
    expect(res.status).toBe(400);
    expect($(res.text)('#mergedReference-error').text()).toContain('Aucun autre ménage de ce bailleur');
    expect($(res.text)('#mergedReference').attr('value')).toBe('NOPE');
    expect($(res.text)(`form[method="post"][action="/menages/${keep.id}/fusionner"]`)).toHaveLength(0);
  });
});

describe('the person form in French', () => {
  it('does not call the employer optional, and requires it for an employee only', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    const form = $((await agent.get('/menages/nouveau')).text);
    const label = form('label[for="employerName"]').text();
    expect(label).toContain('Employeur');
    expect(label).not.toContain('facultatif');
    expect(form('#employerName-hint').text()).toContain('Obligatoire pour un salarié');
    const h = await insertHousehold(t.ctx.knex, t.world.landlordA.id);
    const path = `/menages/${h.id}/personnes/nouvelle`;
    const base = { relationship: 'child', fromDate: '01/06/2022', lastName: 'Roux', firstNames: 'Ana', birthDate: '02/02/2001', employerName: '' };
    const employee = await postForm(agent, path, { ...base, employmentStatus: 'public_employee' });
    expect(employee.status).toBe(400);
    expect(fieldError(employee.text, 'employerName')).toBe('Saisissez le nom de l’employeur : il est obligatoire pour un salarié');
    const student = await postForm(agent, path, { ...base, employmentStatus: 'student' });
    expect(student.status).toBe(302);
  });
});
