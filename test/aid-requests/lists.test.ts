import ExcelJS from 'exceljs';
import { insertAidTypes } from '../../seeds/demo';
import { insertHousehold, insertPerson } from '../factories/household';
import { insertRequest } from '../factories/request';
import { insertUser } from '../factories/user';
import { $, loginAs, postForm, download } from '../support/http';
import { useWorld } from '../support/world';

const t = useWorld();
let aq: string;
let ae: string;
let otherAgency: string;
const ids: Record<string, string> = {};

beforeAll(async () => {
  await insertAidTypes(t.ctx.knex);
  aq = (await t.ctx.knex('aid_types').where({ code: 'AQ' }).first()).id;
  ae = (await t.ctx.knex('aid_types').where({ code: 'AE' }).first()).id;
  const [ag] = await t.ctx.knex('agencies').insert({ organisation_id: t.world.landlordA.id, name: 'Agence Est' }).returning('id');
  otherAgency = (ag as { id: string }).id;
  const make = async (key: string, o: { status: string; aid: string; cents: number; name: string; agency?: string; org?: string }) => {
    const person = await insertPerson(t.ctx.knex, { lastName: o.name.split(' ')[1], firstNames: o.name.split(' ')[0] });
    const org = o.org ?? t.world.landlordA.id;
    const household = (await insertHousehold(t.ctx.knex, org, { members: [{ personId: person }] })).id;
    ids[key] = await insertRequest(t.ctx.knex, {
      organisationId: org,
      householdId: household,
      aidTypeId: o.aid,
      createdBy: t.world.users.instructorA.id,
      status: o.status as never,
      requestedCents: o.cents,
      agencyId: o.agency,
      tenantName: o.name,
    });
    const [last, first] = [o.name.split(' ')[1] as string, o.name.split(' ')[0] as string];
    await t.ctx
      .knex('aid_requests')
      .where({ id: ids[key] })
      .update({
        search_name: `${last
          .toLowerCase()
          .normalize('NFD')
          .replace(/\p{Diacritic}/gu, '')
          .replace(/[^a-z0-9]/g, '')} ${first.toLowerCase()}`,
      });
  };
  await make('garnier', { status: 'submitted', aid: aq, cents: 180000, name: 'Lucie Garnier', agency: t.world.landlordA.agencyId });
  await make('cesar', { status: 'granted', aid: ae, cents: 45000, name: 'Jean César', agency: otherAgency });
  await make('injection', { status: 'in_review', aid: aq, cents: 99000, name: '=HYPERLINK("http://x") Dupont', agency: t.world.landlordA.agencyId });
  await make('draft', { status: 'draft', aid: aq, cents: 50000, name: 'Paul Brouillon', agency: otherAgency });
  await make('other', { status: 'submitted', aid: aq, cents: 70000, name: 'Yves Ailleurs', org: t.world.landlordB.id });
});

const refs = (html: string) =>
  $(html)('tbody tr td:first-child')
    .map((_i, e) => $(html)(e).text().trim())
    .get();

describe('"Mes demandes" and the association list', () => {
  it('filters by status, aid type, agency, text (reference or name without accents) and counts by status', async () => {
    const landlord = await loginAs(t.ctx.app, t.world.users.adminA.email);
    const all = (await landlord.get('/demandes')).text;
    expect(refs(all)).toHaveLength(4);
    expect($(all)('.counter-list').text()).toMatch(/Déposée : 1/);
    expect($(all)('.counter-list').text()).toMatch(/Accordée : 1/);
    const ref = (await t.ctx.knex('aid_requests').where({ id: ids.cesar }).first()).reference;
    expect(refs((await landlord.get('/demandes?q=cesar')).text)).toEqual([ref]);
    expect(refs((await landlord.get(`/demandes?q=${ref.slice(0, 8)}`)).text)).toContain(ref);
    expect(refs((await landlord.get('/demandes?q=garnier%20lucie')).text)).toHaveLength(1);
    expect(refs((await landlord.get('/demandes?q=lucie%20garnier')).text)).toHaveLength(1);
    expect(refs((await landlord.get(`/demandes?type=${ae}`)).text)).toEqual([ref]);
    expect(refs((await landlord.get(`/demandes?agence=${otherAgency}`)).text)).toHaveLength(2);
    expect(refs((await landlord.get('/demandes?status=draft')).text)).toEqual(['Brouillon']);
    expect(refs((await landlord.get('/demandes?tri=montant&ordre=asc&status=&q=')).text)[0]).toBe(ref);
    // what does not parse is ignored, never an error
    expect((await landlord.get('/demandes?status=nimporte&du=31/02/2026&tri=drop&page=-3')).status).toBe(200);
    const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
    const seen = (await operator.get('/demandes')).text;
    expect(refs(seen)).toHaveLength(4); // three of A without its draft, one of B
    // the association's counters (counted status by status over every landlord) and the total agree with the rows
    expect($(seen)('.counter-list').text()).toMatch(/Déposée : 2/);
    expect($(seen)('.counter-list').text()).not.toMatch(/Brouillon/);
    expect($(seen)('main').text()).toMatch(/4 demandes/);
    expect($((await operator.get('/demandes?status=submitted')).text)('main').text()).toMatch(/2 demandes/);
    expect(refs((await operator.get(`/demandes?bailleur=${t.world.landlordB.id}`)).text)).toHaveLength(1);
  });

  it('restricts an instructor to their agency when the restriction is set, down to the request page', async () => {
    const restricted = await insertUser(t.ctx.knex, {
      organisationId: t.world.landlordA.id,
      role: 'landlord_instructor',
      email: 'restreint@alpha.test',
      agencyId: t.world.landlordA.agencyId,
    });
    await t.ctx.knex('users').where({ id: restricted.id }).update({ agency_restricted: true });
    const agent = await loginAs(t.ctx.app, restricted.email);
    expect(refs((await agent.get('/demandes')).text)).toHaveLength(2);
    expect((await agent.get(`/demandes/${ids.cesar}`)).status).toBe(404);
    expect((await agent.get(`/demandes/${ids.garnier}`)).status).toBe(200);
    const csv = (await agent.get('/demandes/export.csv')).text;
    expect(csv).not.toContain('César');
    // the same instructor without the restriction sees the whole organisation
    const free = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    expect(refs((await free.get('/demandes')).text)).toHaveLength(4);
  });

  it('lets an admin set the restriction on a user, audited', async () => {
    const admin = await loginAs(t.ctx.app, t.world.users.adminA.email);
    const user = await t.ctx.knex('users').where({ id: t.world.users.instructorA.id }).first();
    const res = await postForm(admin, `/utilisateurs/${user.id}/modifier`, {
      firstName: user.first_name,
      lastName: user.last_name,
      email: user.email,
      role: user.role,
      agencyId: user.agency_id,
      agencyRestricted: 'on',
      version: String(user.version),
    });
    expect(res.status).toBe(302);
    expect((await t.ctx.knex('users').where({ id: user.id }).first()).agency_restricted).toBe(true);
    expect(await t.ctx.knex('audit_events').where({ entity_id: user.id, action: 'user.updated' }).orderBy('occurred_at', 'desc').first()).toMatchObject({
      after: { agencyRestricted: true },
    });
    await t.ctx.knex('users').where({ id: user.id }).update({ agency_restricted: false });
  });

  it('exports the filtered list with the chosen columns as CSV (formulas neutralised) and XLSX', async () => {
    const landlord = await loginAs(t.ctx.app, t.world.users.adminA.email);
    const csv = await landlord.get('/demandes/export.csv?colonnes=reference&colonnes=locataire&colonnes=demande&colonnes=statut');
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    const lines = csv.text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe('Référence;Locataire;Statut;Montant demandé (€)');
    expect(lines).toHaveLength(5);
    const injected = lines.find((l) => l.includes('HYPERLINK')) as string;
    expect(injected.split(';')[1]).toBe('"\'=HYPERLINK(""http://x"") Dupont"');
    expect(lines.some((l) => l.endsWith(';1800,00'))).toBe(true);
    const filtered = await landlord.get(`/demandes/export.csv?type=${ae}`);
    expect(filtered.text.trim().split('\r\n')).toHaveLength(2);

    const xlsx = await download(landlord, '/demandes/export.xlsx?colonnes=reference&colonnes=locataire&colonnes=demande');
    expect(xlsx.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx.body as never);
    const sheet = book.getWorksheet('Demandes') as ExcelJS.Worksheet;
    expect(sheet.getRow(1).values).toEqual([undefined, 'Référence', 'Locataire', 'Montant demandé (€)']);
    const values = sheet.getSheetValues().slice(2) as unknown[][];
    expect(values).toHaveLength(4);
    expect(values.some((r) => r[3] === 1800)).toBe(true);
    expect(values.some((r) => String(r[2]).startsWith("'=HYPERLINK"))).toBe(true);
    // another landlord's export holds none of these
    const other = await loginAs(t.ctx.app, t.world.users.adminB.email);
    expect((await other.get('/demandes/export.csv')).text).not.toContain('Garnier');
  });
});

describe('the instruction queue', () => {
  it('lists by tab, filters by landlord, amount and age, saves filters per user and assigns in bulk', async () => {
    const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
    const queue = (await operator.get('/instruction')).text;
    expect($(queue)('tbody tr')).toHaveLength(2);
    const b = await operator.get(`/instruction?bailleur=${t.world.landlordB.id}`);
    expect($(b.text)('tbody tr')).toHaveLength(1);
    expect($((await operator.get('/instruction?min=1000&max=2000')).text)('tbody tr')).toHaveLength(1);
    expect($((await operator.get('/instruction?age=400')).text)('tbody').text()).toContain('Rien dans cette file');
    expect(
      (await postForm(operator, '/instruction/filtres', { name: 'Gros montants', query: 'onglet=a_prendre&min=1000&page=4' }, '/instruction')).status,
    ).toBe(302);
    expect(await t.ctx.knex('saved_filters').where({ user_id: t.world.users.operator.id }).first()).toMatchObject({
      name: 'Gros montants',
      query: { q: 'onglet=a_prendre&min=1000' },
    });
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    expect((await admin.get('/instruction')).text).not.toContain('Gros montants');
    expect($((await operator.get('/instruction')).text)('a:contains("Gros montants")').attr('href')).toBe('/instruction?onglet=a_prendre&min=1000');

    const res = await postForm(
      operator,
      '/instruction/attribuer',
      { ids: [ids.garnier, ids.other] as unknown as string, assignee: t.world.users.admin.id },
      '/instruction',
    );
    expect(res.status).toBe(302);
    const rows = await t.ctx.knex('aid_requests').whereIn('id', [ids.garnier as string, ids.other as string]);
    expect(rows.map((r) => [r.status, r.assigned_to])).toEqual([
      ['in_review', t.world.users.admin.id],
      ['in_review', t.world.users.admin.id],
    ]);
    expect($((await admin.get('/instruction?onglet=mes_dossiers')).text)('tbody tr')).toHaveLength(2);
    const none = await postForm(operator, '/instruction/attribuer', {}, '/instruction');
    expect(none.status).toBe(302);
    expect($((await operator.get(none.headers.location as string)).text)('.alert-danger').text()).toContain('Cochez au moins une demande');
    const wrong = await postForm(operator, '/instruction/attribuer', { ids: ids.cesar as string, assignee: t.world.users.instructorA.id }, '/instruction');
    expect($((await operator.get(wrong.headers.location as string)).text)('.alert-danger').text()).toContain('Choisissez un chargé d’instruction actif');
  });

  it('shows the dashboard to operators: counts, ages, amounts granted, processing time', async () => {
    const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
    const page = $((await operator.get('/tableau-de-bord')).text);
    expect(page('h1').text()).toBe('Tableau de bord');
    expect(page('figure').first().text()).toMatch(/Aide énergie|Aucune aide/);
    expect(page('main').text()).toContain('Délai moyen de décision');
  });
});
