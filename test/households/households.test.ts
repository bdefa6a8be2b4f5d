import { useWorld } from '../support/world';
import { $, csrfToken, fieldError, loginAs, postForm, download } from '../support/http';
import { insertHousehold, insertPerson } from '../factories/household';
import { insertDraftRequest } from '../factories/request';

const t = useWorld();

const household = {
  addressLine1: '12 rue des Tanneurs',
  postcode: '69007',
  city: 'Lyon',
  tenancyReference: 'LY-2024-0042',
  entryDate: '01/03/2024',
  rent: '480,50',
  charges: '75',
  housingAllowance: '120',
  civility: 'mme',
  lastName: 'Lefèvre-Dupont',
  firstNames: 'Éloïse Marie',
  birthDate: '14/07/1985',
  email: 'eloise.lefevre@exemple.fr',
  phone: '06 12 34 56 78',
  employmentStatus: 'private_employee',
  employerName: 'Transports Rhône',
  employerSiret: '732 829 320 00074',
  resourceSalary: '1 650,00',
};

describe('creating a household (landlord instructor)', () => {
  it('creates the household with its holder, amounts in cents, and shows who did it', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    const res = await postForm(agent, '/menages', household, '/menages/nouveau');
    expect(res.status).toBe(302);
    const h = await t.ctx.knex('households').where({ tenancy_reference: 'LY-2024-0042' }).first();
    expect(h).toMatchObject({
      organisation_id: t.world.landlordA.id,
      rent_cents: '48050',
      charges_cents: '7500',
      housing_allowance_cents: '12000',
      entry_date: '2024-03-01',
    });
    const p = await t.ctx.knex('persons').where({ last_name: 'Lefèvre-Dupont' }).first();
    expect(p).toMatchObject({
      search_last_name: 'lefevredupont',
      search_first_name: 'eloise',
      birth_date: '1985-07-14',
      resource_salary_cents: '165000',
      employer_siret: '73282932000074',
      phone: '0612345678',
    });
    const m = await t.ctx.knex('household_members').where({ household_id: h.id }).first();
    expect(m).toMatchObject({ person_id: p.id, relationship: 'holder', from_date: '2024-03-01', to_date: null });
    const page = $((await agent.get(res.headers.location as string)).text);
    expect(page('h1').text()).toBe('Éloïse Marie Lefèvre-Dupont');
    expect(page('.last-update').text()).toContain('par Camille');
    expect(page('#historique').parent().text()).toContain('Création du ménage');
  });

  it('refuses impossible data with a French message next to each field, keeping every value', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    const res = await postForm(
      agent,
      '/menages',
      {
        ...household,
        tenancyReference: 'LY-ERR',
        rent: '0',
        birthDate: '01/01/2031',
        resourceSalary: '-12',
        employerName: '',
        employerSiret: '12345678901234',
        entryDate: '01/01/2030',
      },
      '/menages/nouveau',
    );
    expect(res.status).toBe(400);
    expect(fieldError(res.text, 'rent')).toBe('Le loyer doit être supérieur à 0 €');
    expect(fieldError(res.text, 'birthDate')).toBe('La date de naissance ne peut pas être dans le futur');
    expect(fieldError(res.text, 'resourceSalary')).toContain('montant positif');
    expect(fieldError(res.text, 'employerName')).toBe('Saisissez le nom de l’employeur : il est obligatoire pour un salarié');
    expect(fieldError(res.text, 'employerSiret')).toContain('SIRET n’est pas valide');
    expect(fieldError(res.text, 'entryDate')).toContain('futur');
    const page = $(res.text);
    expect(page('#lastName').attr('value')).toBe('Lefèvre-Dupont');
    expect(page('#resourceSalary').attr('value')).toBe('-12');
    expect(await t.ctx.knex('households').where({ tenancy_reference: 'LY-ERR' }).first()).toBeUndefined();
  });
});

describe('duplicate detection', () => {
  it('warns a landlord that the person is known (no details), then saves on confirmation and tells the association', async () => {
    await insertHousehold(t.ctx.knex, t.world.landlordB.id, {
      members: [{ personId: await insertPerson(t.ctx.knex, { lastName: 'Lefevre Dupont', firstNames: 'ELOISE', birthDate: '1990-02-03' }) }],
    });
    const agent = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    const input = { ...household, tenancyReference: 'LY-DUP', lastName: 'lefèvre-dupont', firstNames: 'Éloïse', birthDate: '03/02/1990', email: '', phone: '' };
    const live = await agent.get('/personnes/doublons').query({ lastName: input.lastName, firstNames: input.firstNames, birthDate: '1990-02-03' });
    expect($(live.text)('.alert-warning').text()).toContain('déjà connue');
    expect(live.text).not.toContain('Bailleur Bêta');

    const warned = await postForm(agent, '/menages', input, '/menages/nouveau');
    expect(warned.status).toBe(400);
    expect($(warned.text)('#confirmNotDuplicate-error').text()).toContain('déjà connue');
    expect(warned.text).not.toContain('Bailleur Bêta');

    const saved = await postForm(agent, '/menages', { ...input, confirmNotDuplicate: 'on' }, '/menages/nouveau');
    expect(saved.status).toBe(302);
    expect(await t.ctx.knex('duplicate_suspicions').where({ status: 'open' })).toHaveLength(1);
  });

  it('shows the matches to an operator, who merges the two persons keeping every membership', async () => {
    const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
    const live = await operator.get('/personnes/doublons').query({ lastName: 'LEFEVRE-DUPONT', firstNames: 'eloise', birthDate: '03/02/1990' });
    expect(live.text).toContain('Bailleur Bêta');
    const list = $((await operator.get('/doublons')).text);
    expect(list('section.card')).toHaveLength(1);
    const suspicion = await t.ctx.knex('duplicate_suspicions').where({ status: 'open' }).first();
    const before = await t.ctx.knex('household_members').whereIn('person_id', [suspicion.person_id, suspicion.match_id]);
    expect(before).toHaveLength(2);
    // both are current members of households of two landlords: the merge asks which household she leaves
    const refused = await postForm(
      operator,
      `/doublons/${suspicion.id}/fusionner`,
      { survivorId: suspicion.match_id, mergedId: suspicion.person_id, confirmation: 'oui' },
      '/doublons',
    );
    expect(refused.status).toBe(400);
    expect(fieldError(refused.text, 'leaveFrom')).toContain('deux ménages différents');
    expect((await t.ctx.knex('persons').where({ id: suspicion.person_id }).first()).status).toBe('active');
    const membership = before.find((m) => m.person_id === suspicion.person_id);
    await postForm(
      operator,
      `/menages/${membership.household_id}/membres/${membership.id}/depart`,
      { date: '2026-11-01', confirmation: 'oui' },
      `/menages/${membership.household_id}`,
    );
    const merged = await postForm(
      operator,
      `/doublons/${suspicion.id}/fusionner`,
      { survivorId: suspicion.match_id, mergedId: suspicion.person_id, confirmation: 'oui' },
      '/doublons',
    );
    expect(merged.status).toBe(302);
    const after = await t.ctx.knex('household_members').whereIn(
      'id',
      before.map((m) => m.id),
    );
    expect(after.every((m) => m.person_id === suspicion.match_id)).toBe(true);
    expect(await t.ctx.knex('persons').where({ id: suspicion.person_id }).first()).toMatchObject({ status: 'merged', merged_into_id: suspicion.match_id });
    const record = await t.ctx.knex('merges').where({ merged_id: suspicion.person_id }).first();
    expect(record.merged_snapshot.lastName).toBe('lefèvre-dupont');
    expect(record.merged_by).toBe(t.world.users.operator.id);
    expect(await t.ctx.knex('audit_events').where({ entity_id: suspicion.match_id, action: 'person.absorbed' }).first()).toBeTruthy();
    expect((await t.ctx.knex('duplicate_suspicions').where({ id: suspicion.id }).first()).status).toBe('merged');
  });

  it('finds duplicates by e-mail or phone too, ignoring case', async () => {
    await insertPerson(t.ctx.knex, { lastName: 'Nguyen', firstNames: 'Minh', email: 'Minh.Nguyen@Exemple.fr', phone: '0701020304' });
    const agent = await loginAs(t.ctx.app, t.world.users.operator.email);
    const byEmail = await agent
      .get('/personnes/doublons')
      .query({ lastName: 'Autre', firstNames: 'Nom', birthDate: '1970-01-01', email: 'minh.nguyen@exemple.fr' });
    expect(byEmail.text).toContain('Minh Nguyen');
    const byPhone = await agent.get('/personnes/doublons').query({ lastName: 'Autre', firstNames: 'Nom', birthDate: '1970-01-01', phone: '07 01 02 03 04' });
    expect(byPhone.text).toContain('Minh Nguyen');
    const none = await agent.get('/personnes/doublons').query({ lastName: 'Autre', firstNames: 'Nom', birthDate: '1970-01-01' });
    expect($(none.text)('.alert-warning')).toHaveLength(0);
  });
});

describe('members over time', () => {
  it('adds a person, then moves them to another household (couple) keeping both histories', async () => {
    const from = await insertHousehold(t.ctx.knex, t.world.landlordA.id, { tenancyReference: 'A-FROM' });
    const to = await insertHousehold(t.ctx.knex, t.world.landlordA.id, { tenancyReference: 'A-TO' });
    const agent = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    const added = await postForm(agent, `/menages/${from.id}/personnes/nouvelle`, {
      relationship: 'spouse',
      fromDate: '01/06/2022',
      lastName: 'Roussel',
      firstNames: 'Hugo',
      birthDate: '02/02/1988',
      employmentStatus: 'job_seeker',
      resourceUnemployment: '980',
    });
    expect(added.status).toBe(302);
    const hugo = await t.ctx.knex('persons').where({ last_name: 'Roussel' }).first();

    const early = await postForm(
      agent,
      `/menages/${to.id}/rattacher`,
      { personId: hugo.id, relationship: 'spouse', fromDate: '01/01/2022' },
      `/menages/${to.id}/rattacher?q=roussel`,
    );
    expect(early.status).toBe(400);
    expect(fieldError(early.text, 'fromDate')).toContain('ne peut pas précéder');

    const moved = await postForm(
      agent,
      `/menages/${to.id}/rattacher`,
      { personId: hugo.id, relationship: 'spouse', fromDate: '15/09/2025' },
      `/menages/${to.id}/rattacher?q=roussel`,
    );
    expect(moved.status).toBe(302);
    const memberships = await t.ctx.knex('household_members').where({ person_id: hugo.id }).orderBy('from_date');
    expect(memberships.map((m) => [m.household_id, m.from_date, m.to_date])).toEqual([
      [from.id, '2022-06-01', '2025-09-15'],
      [to.id, '2025-09-15', null],
    ]);
    const fromPage = $((await agent.get(`/menages/${from.id}`)).text);
    expect(fromPage('#former-members').text()).toContain('Hugo Roussel');
    expect(fromPage('#former-members').text()).toContain('15/09/2025');
    const toPage = $((await agent.get(`/menages/${to.id}`)).text);
    expect(toPage('#current-members').text()).toContain('Hugo Roussel');

    const twice = await postForm(
      agent,
      `/menages/${to.id}/rattacher`,
      { personId: hugo.id, relationship: 'spouse', fromDate: '16/09/2025' },
      `/menages/${to.id}/rattacher`,
    );
    expect(fieldError(twice.text, 'personId')).toBe('Cette personne fait déjà partie de ce ménage');
  });

  it('splits a household: the chosen members form a new one from the date, the others stay', async () => {
    const holder = await insertPerson(t.ctx.knex, { lastName: 'Bernard', firstNames: 'Paul' });
    const spouse = await insertPerson(t.ctx.knex, { lastName: 'Bernard', firstNames: 'Lina' });
    const child = await insertPerson(t.ctx.knex, { lastName: 'Bernard', firstNames: 'Léo', birthDate: '2015-05-05', employmentStatus: 'student' });
    const h = await insertHousehold(t.ctx.knex, t.world.landlordA.id, {
      tenancyReference: 'A-SPLIT',
      members: [{ personId: holder }, { personId: spouse, relationship: 'spouse' }, { personId: child, relationship: 'child' }],
    });
    const agent = await loginAs(t.ctx.app, t.world.users.adminA.email);
    const all = await postForm(agent, `/menages/${h.id}/separer`, {
      memberIds: h.membershipIds as unknown as string,
      date: '01/10/2026',
      tenancyReference: 'A-SPLIT-2',
    });
    expect(fieldError(all.text, 'memberIds')).toBe('Au moins une personne doit rester dans le ménage actuel');
    const res = await agent
      .post(`/menages/${h.id}/separer`)
      .type('form')
      .send(
        `_csrf=${encodeURIComponent(await csrfToken(agent, `/menages/${h.id}/separer`))}&memberIds=${h.membershipIds[1]}&memberIds=${h.membershipIds[2]}&date=2026-10-01&tenancyReference=A-SPLIT-2`,
      );
    expect(res.status).toBe(302);
    const newId = (res.headers.location as string).split('/').pop() as string;
    const newMembers = await t.ctx.knex('household_members').where({ household_id: newId }).orderBy('relationship');
    expect(newMembers.map((m) => [m.person_id, m.relationship, m.from_date])).toEqual([
      [child, 'child', '2026-10-01'],
      [spouse, 'holder', '2026-10-01'], // the spouse who leaves becomes the holder of the new household
    ]);
    const old = await t.ctx.knex('household_members').where({ household_id: h.id }).orderBy('id');
    expect(old.filter((m) => m.to_date === null).map((m) => m.person_id)).toEqual([holder]);
    expect(old.filter((m) => m.to_date === '2026-10-01')).toHaveLength(2);
  });

  it('records a departure and refuses one dated before the arrival', async () => {
    const h = await insertHousehold(t.ctx.knex, t.world.landlordA.id, {
      members: [{ personId: await insertPerson(t.ctx.knex) }, { personId: await insertPerson(t.ctx.knex), relationship: 'child', fromDate: '2021-01-01' }],
    });
    const agent = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    const early = await postForm(
      agent,
      `/menages/${h.id}/membres/${h.membershipIds[1]}/depart`,
      { date: '2020-06-01', confirmation: 'oui' },
      `/menages/${h.id}`,
    );
    expect(early.status).toBe(400);
    expect(fieldError(early.text, 'date')).toBe('La date de départ ne peut pas précéder la date d’arrivée');
    expect((await t.ctx.knex('household_members').where({ id: h.membershipIds[1] }).first()).to_date).toBeNull();
    const ok = await postForm(agent, `/menages/${h.id}/membres/${h.membershipIds[1]}/depart`, { date: '2026-01-31', confirmation: 'oui' }, `/menages/${h.id}`);
    expect(ok.status).toBe(302);
    expect((await t.ctx.knex('household_members').where({ id: h.membershipIds[1] }).first()).to_date).toBe('2026-01-31');
  });

  it('the database refuses a second current household for the same person', async () => {
    const p = await insertPerson(t.ctx.knex);
    await insertHousehold(t.ctx.knex, t.world.landlordA.id, { members: [{ personId: p }] });
    await expect(insertHousehold(t.ctx.knex, t.world.landlordB.id, { members: [{ personId: p }] })).rejects.toMatchObject({ code: '23505' });
  });

  it('merges two households of the same landlord, moving members and history', async () => {
    const a = await insertHousehold(t.ctx.knex, t.world.landlordA.id, { tenancyReference: 'A-KEEP' });
    const b = await insertHousehold(t.ctx.knex, t.world.landlordA.id, { tenancyReference: 'A-GONE' });
    const [aid] = await t.ctx
      .knex('aid_types')
      .insert({ code: 'MRG', label: 'Aide', payees: ['landlord'] })
      .returning('id');
    const requestId = await insertDraftRequest(t.ctx.knex, {
      organisationId: t.world.landlordA.id,
      householdId: b.id,
      aidTypeId: (aid as { id: string }).id,
      createdBy: t.world.users.instructorA.id,
    });
    const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
    const res = await postForm(operator, `/menages/${a.id}/fusionner`, { mergedReference: 'a-gone', confirmation: 'oui' }, `/menages/${a.id}`);
    expect(res.status).toBe(302);
    expect((await t.ctx.knex('household_members').where({ id: b.membershipIds[0] }).first()).household_id).toBe(a.id);
    expect(await t.ctx.knex('households').where({ id: b.id }).first()).toMatchObject({ status: 'merged', merged_into_id: a.id });
    expect((await t.ctx.knex('aid_requests').where({ id: requestId }).first()).household_id).toBe(a.id);
    expect((await t.ctx.knex('merges').where({ merged_id: b.id }).first()).moved.requests).toEqual([requestId]);
    const gone = $((await operator.get(`/menages/${b.id}`)).text);
    expect(gone('.alert-warning').text()).toContain('fusionné');
    const landlord = await loginAs(t.ctx.app, t.world.users.adminA.email);
    expect((await postForm(landlord, `/menages/${a.id}/fusionner`, { mergedReference: 'x' }, `/menages/${a.id}`)).status).toBe(403);
  });
});

describe('history, access log, list and export', () => {
  it('historises every field change of the household and its people, with names', async () => {
    const h = await insertHousehold(t.ctx.knex, t.world.landlordA.id, { tenancyReference: 'A-HIST' });
    const agent = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    const hh = await t.ctx.knex('households').where({ id: h.id }).first();
    await postForm(agent, `/menages/${h.id}/modifier`, {
      addressLine1: hh.address_line1,
      postcode: '69003',
      city: 'Lyon',
      tenancyReference: 'A-HIST',
      rent: '530',
      charges: '80',
      version: String(hh.version),
    });
    const p = await t.ctx.knex('persons').where({ id: h.holderId }).first();
    await postForm(agent, `/personnes/${p.id}/modifier`, {
      lastName: p.last_name,
      firstNames: p.first_names,
      birthDate: p.birth_date,
      employmentStatus: 'job_seeker',
      resourceUnemployment: '900',
      version: String(p.version),
    });
    const page = $((await agent.get(`/menages/${h.id}`)).text);
    const history = page('#historique').parent().text();
    expect(history).toMatch(/Loyer : 520,00\s€ → 530,00\s€/);
    expect(history).toContain(`Modification d’une personne — Julie ${p.last_name}`);
    expect(history).toContain('Situation professionnelle : Salarié du secteur privé → Demandeur d’emploi');
    expect(history).toMatch(/Allocations chômage : 0,00\s€ → 900,00\s€/);
  });

  it('writes an access log line for every view of a household page (who, when, which)', async () => {
    const h = await insertHousehold(t.ctx.knex, t.world.landlordA.id);
    const agent = await loginAs(t.ctx.app, t.world.users.adminA.email);
    await agent.get(`/menages/${h.id}`);
    await agent.get(`/menages/${h.id}`);
    const rows = await t.ctx.knex('access_events').where({ entity_type: 'household', entity_id: h.id });
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ user_id: t.world.users.adminA.id, organisation_id: t.world.landlordA.id, action: 'household.view' });
    await expect(t.ctx.knex('access_events').delete()).rejects.toThrow(/append-only/);
  });

  it('lists, searches (accents ignored) and exports only the organisation’s households, CSV safe for spreadsheets', async () => {
    await insertHousehold(t.ctx.knex, t.world.landlordA.id, {
      tenancyReference: '=HYPERLINK("http://evil")',
      members: [{ personId: await insertPerson(t.ctx.knex, { lastName: 'Çelik', firstNames: 'Ayşe' }) }],
    });
    const agent = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    const search = $((await agent.get('/menages').query({ q: 'celik' })).text);
    expect(search('tbody tr')).toHaveLength(1);
    expect(search('tbody').text()).toContain('Çelik');
    const csv = await download(agent, '/menages/export.csv');
    expect(csv.headers['content-type']).toContain('text/csv');
    const body = csv.body;
    expect(body.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const text = body.toString('utf8');
    expect(text.split('\r\n')[0]).toBe('\ufeffBailleur;Titulaire;Personnes;Référence du bail;Adresse;Code postal;Ville;Loyer (€);Charges (€)');
    expect(text).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(text).not.toContain('Bailleur Bêta');
  });
});

describe('isolation between organisations', () => {
  it('another landlord gets 404 on every household and person route; auditors and advisers get 403', async () => {
    const h = await insertHousehold(t.ctx.knex, t.world.landlordA.id);
    const other = await loginAs(t.ctx.app, t.world.users.instructorB.email);
    for (const path of [
      `/menages/${h.id}`,
      `/menages/${h.id}/modifier`,
      `/menages/${h.id}/personnes/nouvelle`,
      `/menages/${h.id}/rattacher`,
      `/menages/${h.id}/separer`,
      `/personnes/${h.holderId}/modifier`,
    ]) {
      expect({ path, status: (await other.get(path)).status }).toEqual({ path, status: 404 });
    }
    const leave = await postForm(other, `/menages/${h.id}/membres/${h.membershipIds[0]}/depart`, { date: '2026-01-01' }, '/menages');
    expect(leave.status).toBe(404);
    const join = await postForm(other, `/menages/${h.id}/rattacher`, { personId: h.holderId, relationship: 'spouse', fromDate: '2026-01-01' }, '/menages');
    expect(join.status).toBe(404);
    const ownHousehold = await insertHousehold(t.ctx.knex, t.world.landlordB.id);
    const steal = await postForm(
      other,
      `/menages/${ownHousehold.id}/rattacher`,
      { personId: h.holderId, relationship: 'spouse', fromDate: '2026-01-01' },
      '/menages',
    );
    expect(steal.status).toBe(400);
    expect((await t.ctx.knex('household_members').where({ person_id: h.holderId }).whereNull('to_date').first()).household_id).toBe(h.id);
    expect(await t.ctx.knex('access_events').where({ entity_id: h.id, user_id: t.world.users.instructorB.id })).toHaveLength(0);
    for (const key of ['auditor', 'social_adviser', 'accountant'] as const) {
      const agent = await loginAs(t.ctx.app, t.world.users[key].email);
      // an adviser reads its missions' households only: any other one does not exist for it
      expect((await agent.get(`/menages/${h.id}`)).status).toBe(key === 'social_adviser' ? 404 : 403);
      expect((await agent.get('/menages')).status).toBe(403);
    }
  });
});
