import { useWorld } from '../support/world';
import { $, loginAs, postForm } from '../support/http';
import { insertHousehold, insertPerson } from '../factories/household';
import { insertRequest } from '../factories/request';

const t = useWorld();

/** The same woman filed by landlord A and by landlord B, each in a household, with a suspicion between them. */
async function twoHouseholds(suffix: string) {
  const a = await insertPerson(t.ctx.knex, { lastName: `Traoré${suffix}`, firstNames: 'Aminata', birthDate: '1990-03-03' });
  const b = await insertPerson(t.ctx.knex, { lastName: `Traore${suffix}`, firstNames: 'Aminata', birthDate: '1990-03-03' });
  const ha = await insertHousehold(t.ctx.knex, t.world.landlordA.id, { tenancyReference: `A-${suffix}`, members: [{ personId: a, fromDate: '2019-01-01' }] });
  const hb = await insertHousehold(t.ctx.knex, t.world.landlordB.id, { tenancyReference: `B-${suffix}`, members: [{ personId: b, fromDate: '2024-05-01' }] });
  const [s] = await t.ctx
    .knex('duplicate_suspicions')
    .insert({ person_id: b, match_id: a, reasons: ['identity'], reported_by: t.world.users.instructorB.id })
    .returning('id');
  return { a, b, ha, hb, suspicionId: (s as { id: string }).id };
}

describe('merging two persons asks first', () => {
  it('the list links to a confirmation page; a post without the confirmation merges nothing', async () => {
    const p = await insertPerson(t.ctx.knex, { lastName: 'Seul', firstNames: 'Marc', birthDate: '1970-01-01' });
    const q = await insertPerson(t.ctx.knex, { lastName: 'Seul', firstNames: 'Marc', birthDate: '1970-01-01' });
    const [s] = await t.ctx
      .knex('duplicate_suspicions')
      .insert({ person_id: q, match_id: p, reasons: ['identity'], reported_by: t.world.users.instructorA.id })
      .returning('id');
    const id = (s as { id: string }).id;
    const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
    const list = $((await operator.get('/doublons')).text);
    expect(list(`a[href="/doublons/${id}/fusionner?garder=${p}"]`)).toHaveLength(1);
    expect(list(`form[action="/doublons/${id}/fusionner"]`)).toHaveLength(0);

    const page = $((await operator.get(`/doublons/${id}/fusionner`).query({ garder: p })).text);
    expect(page('#fiche-gardee').text()).toContain('Marc Seul');
    expect(page('main').text()).toContain('ne peut pas être défaite');
    expect(page('form[method="post"] input[name="survivorId"]').attr('value')).toBe(p);
    expect(
      page('a')
        .filter((_, a) => page(a).text().trim() === 'Annuler')
        .attr('href'),
    ).toBe('/doublons');

    const unconfirmed = await postForm(operator, `/doublons/${id}/fusionner`, { survivorId: p, mergedId: q }, `/doublons/${id}/fusionner`);
    expect(unconfirmed.status).toBe(400);
    expect((await t.ctx.knex('persons').where({ id: q }).first()).status).toBe('active');
    // the page confirms this report's pair: any other two persons posted to it are not found, and nothing merges
    const stranger = await insertPerson(t.ctx.knex, { lastName: 'Autre', firstNames: 'Paul', birthDate: '1980-02-02' });
    const forged = await postForm(
      operator,
      `/doublons/${id}/fusionner`,
      { survivorId: p, mergedId: stranger, confirmation: 'oui' },
      `/doublons/${id}/fusionner`,
    );
    expect(forged.status).toBe(404);
    expect((await t.ctx.knex('persons').where({ id: stranger }).first()).status).toBe('active');
    const merged = await postForm(operator, `/doublons/${id}/fusionner`, { survivorId: p, mergedId: q, confirmation: 'oui' }, `/doublons/${id}/fusionner`);
    expect(merged.status).toBe(302);
    expect((await t.ctx.knex('persons').where({ id: q }).first()).status).toBe('merged');
  });

  it('landlords cannot open it', async () => {
    const { suspicionId } = await twoHouseholds('L');
    for (const email of [t.world.users.adminA.email, t.world.users.instructorB.email]) {
      expect((await (await loginAs(t.ctx.app, email)).get(`/doublons/${suspicionId}/fusionner`)).status).toBe(403);
    }
  });
});

describe('merging two persons who live in two households', () => {
  it('shows both households with their open requests and missions, and offers the departure with the merge', async () => {
    const { a, ha, hb, suspicionId } = await twoHouseholds('X');
    const [type] = await t.ctx
      .knex('aid_types')
      .insert({ code: 'PMX', label: 'Aide loyer PMX', payees: ['landlord'] })
      .returning('id');
    const requestId = await insertRequest(t.ctx.knex, {
      organisationId: t.world.landlordB.id,
      householdId: hb.id,
      aidTypeId: (type as { id: string }).id,
      createdBy: t.world.users.instructorB.id,
      status: 'in_review',
    });
    const reference = (await t.ctx.knex('aid_requests').where({ id: requestId }).first()).reference as string;
    const [mt] = await t.ctx
      .knex('mission_types')
      .insert({ code: 'PMXD', label: 'Diagnostic PMX', default_minutes: 240, billing_mode: 'hourly', rate_cents: 4500 })
      .returning('id');
    await t.ctx.knex('missions').insert({
      reference: 'M2026-09101',
      organisation_id: t.world.landlordA.id,
      household_id: ha.id,
      mission_type_id: (mt as { id: string }).id,
      status: 'proposed',
      origin: 'association',
      reason: 'Test',
      planned_minutes: 240,
      ordered_by: t.world.users.operator.id,
      ordered_by_label: 'Op',
      ordered_at: new Date('2026-11-20T10:00:00Z'),
    });
    const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
    const res = await operator.get(`/doublons/${suspicionId}/fusionner`).query({ garder: a });
    expect(res.status).toBe(200);
    const page = $(res.text);
    const kept = page('#fiche-gardee').closest('section').text();
    const other = page('#fiche-fusionnee').closest('section').text();
    expect(kept).toContain('A-X');
    expect(kept).toContain('M2026-09101');
    expect(other).toContain('B-X');
    expect(other).toContain(reference);
    expect(other).toContain('En instruction');
    expect(
      page('input[type="radio"][name="leaveFrom"]')
        .map((_, r) => page(r).attr('value'))
        .get()
        .sort(),
    ).toEqual([ha.id, hb.id].sort());
    expect(page('label[for="leaveDate"]').text()).toContain('Date de départ d’Aminata');
    expect(page('#confirmation').text()).toContain('Enregistrer le départ et fusionner');
  });

  it('records the departure and the merge in one step, audited, and refuses a missing or impossible departure', async () => {
    const { a, b, ha, hb, suspicionId } = await twoHouseholds('Y');
    // landlord A's own history of the person it keeps (its staff, its copy of her record)
    await t.ctx.knex('audit_events').insert({
      actor_label: 'Agent Secret-Alpha',
      organisation_id: t.world.landlordA.id,
      entity_type: 'person',
      entity_id: a,
      action: 'person.updated',
      after: JSON.stringify({ employerName: 'Employeur-Alpha' }),
    });
    const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
    const path = `/doublons/${suspicionId}/fusionner`;
    const missing = await postForm(operator, path, { survivorId: a, mergedId: b, confirmation: 'oui' }, `${path}?garder=${a}`);
    expect(missing.status).toBe(400);
    expect($(missing.text)('#leaveFrom-error').text()).toContain('deux ménages différents');
    const early = await postForm(
      operator,
      path,
      { survivorId: a, mergedId: b, leaveFrom: hb.id, leaveDate: '01/01/2024', confirmation: 'oui' },
      `${path}?garder=${a}`,
    );
    expect(early.status).toBe(400);
    expect($(early.text)('#leaveDate-error').text()).toContain('ne peut pas précéder');
    expect($(early.text)(`input[name="leaveFrom"][value="${hb.id}"]`).attr('checked')).toBeDefined();
    expect((await t.ctx.knex('persons').where({ id: b }).first()).status).toBe('active');

    // she left landlord B's household on 31 October and lives at landlord A's
    const done = await postForm(
      operator,
      path,
      { survivorId: a, mergedId: b, leaveFrom: hb.id, leaveDate: '31/10/2026', confirmation: 'oui' },
      `${path}?garder=${a}`,
    );
    expect(done.status).toBe(302);
    expect(await t.ctx.knex('persons').where({ id: b }).first()).toMatchObject({ status: 'merged', merged_into_id: a });
    const memberships = await t.ctx.knex('household_members').where({ person_id: a }).orderBy('from_date');
    expect(memberships.map((m) => [m.household_id, m.to_date])).toEqual([
      [ha.id, null],
      [hb.id, '2026-10-31'],
    ]);
    expect(await t.ctx.knex('audit_events').where({ entity_id: hb.id, action: 'member.left' })).toHaveLength(1);
    expect(await t.ctx.knex('audit_events').where({ entity_id: a, action: 'person.absorbed' })).toHaveLength(1);
    expect((await t.ctx.knex('duplicate_suspicions').where({ id: suspicionId }).first()).status).toBe('merged');
    // landlord B's page keeps her as a former member, and says nothing of landlord A
    const landlordB = (await (await loginAs(t.ctx.app, t.world.users.adminB.email)).get(`/menages/${hb.id}`)).text;
    expect($(landlordB)('#former-members').text()).toContain('Aminata');
    expect(landlordB).not.toContain('Bailleur Alpha');
    expect(landlordB).not.toContain('A-Y');
    expect(landlordB).not.toContain('Secret-Alpha');
    expect(landlordB).not.toContain('Employeur-Alpha');
    // the association reads every line
    expect((await operator.get(`/menages/${hb.id}`)).text).toContain('Secret-Alpha');
  });
});
