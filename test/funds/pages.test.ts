import { insertAidTypes } from '../../seeds/demo';
import type { Actor } from '../../src/permissions';
import { FundRepository } from '../../src/funds/repository';
import type { FundInput } from '../../src/funds/service';
import { actorOf } from '../factories/payment';
import { insertHousehold } from '../factories/household';
import { insertRequest } from '../factories/request';
import { $, type Agent, csrfToken, download, fieldError, loginAs, postForm } from '../support/http';
import { useWorld } from '../support/world';

/**
 * The funds' pages over HTTP (issue 16, budget envelopes): the list, a fund's page with its
 * formula, warning, chart, breakdowns and movements, its workbook, and the administrators' form —
 * kept values and French messages on a rejected post, hostile bodies never a 500, and who reads what.
 */
const t = useWorld();
let admin: Agent;
let operator: Agent;
let auditor: Agent;
let accountant: Agent;
let adminActor: Actor;
let fundId: string;
let requestId: string;
let reference: string;

const input = (o: Partial<FundInput> = {}): FundInput => ({
  name: 'Fonds de solidarité 2026',
  analyticCode: 'FSL-2026',
  startsOn: '2026-01-01',
  endsOn: '2026-12-31',
  aidTypeCodes: ['AQ'],
  notes: null,
  contributions: [
    { kind: 'landlord', organisationId: t.world.landlordA.id, organisationName: '', dwellings: 1000, perDwellingCents: 500 },
    { kind: 'matching', funderName: 'Action Logement', rateBp: 5000, capCents: null },
  ],
  allocations: [],
  ...o,
});

beforeAll(async () => {
  await insertAidTypes(t.ctx.knex);
  adminActor = await actorOf(t.ctx.knex, t.world.users.admin.id);
  // 1 000 logements × 5 € + 50 % = 7 500 €; 6 500 € committed (86 %): the warning
  fundId = await t.ctx.services.funds.create(adminActor, input());
  const aqId = (await t.ctx.knex('aid_types').where({ code: 'AQ' }).first('id')).id as string;
  const household = await insertHousehold(t.ctx.knex, t.world.landlordA.id);
  requestId = await insertRequest(t.ctx.knex, {
    organisationId: t.world.landlordA.id,
    householdId: household.id,
    aidTypeId: aqId,
    createdBy: t.world.users.instructorA.id,
    status: 'granted',
  });
  reference = (await t.ctx.knex('aid_requests').where({ id: requestId }).first('reference')).reference as string;
  await new FundRepository().insertMovement(t.ctx.knex, {
    fundId,
    kind: 'commit',
    amountCents: 650_000,
    requestId,
    organisationId: t.world.landlordA.id,
    aidTypeCode: 'AQ',
    occurredAt: new Date('2026-11-15T10:00:00Z'),
    byLabel: 'Camille Admin',
    overrideReason: 'Urgence expulsion',
  });
  admin = await loginAs(t.ctx.app, t.world.users.admin.email);
  operator = await loginAs(t.ctx.app, t.world.users.operator.email);
  auditor = await loginAs(t.ctx.app, t.world.users.auditor.email);
  accountant = await loginAs(t.ctx.app, t.world.users.accountant.email);
});

/** A valid form body for a new fund (two landlord rows, one fixed endowment, one allocation). */
const formBody = (o: Record<string, string> = {}): Record<string, string> => ({
  name: 'Fonds énergie 2027',
  analyticCode: 'fse-27',
  startsOn: '01/01/2027',
  endsOn: '31/12/2027',
  aidTypeCodes: 'AE',
  notes: 'Voté en conseil le 12/11/2026',
  'landlord[0][organisationId]': t.world.landlordA.id,
  'landlord[0][dwellings]': '1 200',
  'landlord[0][perDwelling]': '2,50',
  'landlord[1][organisationId]': '',
  'landlord[1][dwellings]': '',
  'landlord[1][perDwelling]': '',
  'matching[0][funderName]': 'Action Logement',
  'matching[0][rate]': '33,33',
  'matching[0][cap]': '500',
  'fixed[0][funderName]': 'Département du Rhône',
  'fixed[0][amount]': '10 000',
  'allocation[0][organisationId]': t.world.landlordA.id,
  'allocation[0][amount]': '4 000',
  ...o,
});

describe('the list of funds', () => {
  it('shows each fund with its figures, a text badge at 80 %, and the « Nouveau fonds » button to administrators only', async () => {
    const res = await admin.get('/fonds');
    expect(res.status).toBe(200);
    const row = $(res.text)(`tr[data-fonds="${fundId}"]`);
    expect(row.find('a').attr('href')).toBe(`/fonds/${fundId}`);
    const text = row.text().replace(/\s+/g, ' ');
    expect(text).toContain('Fonds de solidarité 2026');
    expect(text).toMatch(/7\s500,00\s€/);
    expect(text).toMatch(/6\s500,00\s€/);
    expect(text).toMatch(/1\s000,00\s€/);
    expect(text).toContain('80 % atteints');
    expect($(res.text)('a[href="/fonds/nouveau"]').length).toBeGreaterThan(0);
    expect($(res.text)('nav a[href="/fonds"]').text()).toContain('Fonds');

    const asOperator = await operator.get('/fonds');
    expect(asOperator.status).toBe(200);
    expect($(asOperator.text)('a[href="/fonds/nouveau"]').length).toBe(0);
  });
});

describe('a fund’s page', () => {
  it('shows the total with its formula, the warning, the chart with its table, the breakdowns and the movements with links to requests', async () => {
    const res = await admin.get(`/fonds/${fundId}`);
    expect(res.status).toBe(200);
    const page = $(res.text);
    expect(page('h1').text()).toBe('Fonds de solidarité 2026');
    expect(page('#formule').text()).toMatch(/5\s000,00\s€ \+ 2\s500,00\s€ = 7\s500,00\s€/);
    expect(page('#contributions').text()).toContain('Bailleur Alpha : 1\u202f000 logements');
    expect(page('#contributions').text()).toContain('Action Logement : 50');
    expect(page('#alerte-80').text()).toMatch(/86[,.]\d*\s%|86\s%/);
    const img = page(`img[src="/fonds/${fundId}/graphique"]`);
    expect(img.attr('alt')).toMatch(/graphique/);
    expect(page('#par-mois caption').text()).toContain('par mois');
    expect(page('#par-mois tbody').text()).toContain('nov. 2026');
    expect(page('#par-bailleur tbody').text()).toContain('Bailleur Alpha');
    expect(page('#par-aide tbody').text()).toContain('Aide sur quittance');
    const movement = page('#mouvements tbody tr').first();
    expect(movement.find(`a[href="/demandes/${requestId}"]`).text()).toBe(reference);
    expect(movement.text()).toContain('Urgence expulsion');
    expect(movement.text()).toContain('Engagement');
    expect(page(`a[href="/fonds/${fundId}/mouvements"]`).length).toBeGreaterThan(0);
    page('th').each((_, th) => expect(page(th).attr('scope')).toMatch(/^(col|row)$/));
  });

  it.each([
    ['auditor', () => auditor],
    ['accountant', () => accountant],
  ])('lets the %s read the page, with the request’s reference as plain text, never a link', async (_label, agent) => {
    const res = await agent().get(`/fonds/${fundId}`);
    expect(res.status).toBe(200);
    const page = $(res.text);
    expect(page('#mouvements').text()).toContain(reference);
    expect(page('a[href^="/demandes/"]').length).toBe(0);
    expect(page(`a[href="/fonds/${fundId}/modifier"]`).length).toBe(0);
  });

  it('answers 404 for an unknown or malformed id, and ignores a page number that is not one', async () => {
    expect((await admin.get('/fonds/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await admin.get('/fonds/abc')).status).toBe(404);
    expect((await admin.get('/fonds/abc/graphique')).status).toBe(404);
    expect((await admin.get('/fonds/abc/mouvements')).status).toBe(404);
    expect((await admin.get('/fonds/abc/modifier')).status).toBe(404);
    const odd = await admin.get(`/fonds/${fundId}?page=-1&page=zz`);
    expect(odd.status).toBe(200);
    expect((await admin.get(`/fonds/${fundId}?page=99999`)).status).toBe(200);
  });

  it('pages the movements 50 at a time, newest first', async () => {
    const id = await t.ctx.services.funds.create(adminActor, input({ name: 'Fonds paginé', analyticCode: 'PAGES' }));
    const repository = new FundRepository();
    for (let i = 0; i < 55; i++)
      await repository.insertMovement(t.ctx.knex, {
        fundId: id,
        kind: 'commit',
        amountCents: 100 + i,
        requestId,
        organisationId: t.world.landlordA.id,
        aidTypeCode: 'AQ',
        occurredAt: new Date(Date.UTC(2026, 9, 1, 8, i)),
        byLabel: 'Camille Admin',
      });
    const first = $((await auditor.get(`/fonds/${id}`)).text);
    expect(first('#mouvements tbody tr').length).toBe(50);
    expect(first('#mouvements tbody tr').first().text()).toMatch(/1,54\s€/);
    expect(first(`nav[aria-label="Pagination"] a[href="/fonds/${id}?page=2"]`).length).toBe(1);
    const second = $((await auditor.get(`/fonds/${id}?page=2`)).text);
    expect(second('#mouvements tbody tr').length).toBe(5);
    expect(second('#mouvements tbody tr').last().text()).toMatch(/1,00\s€/);
  });

  it('draws the chart as SVG, cached privately with an ETag answered 304', async () => {
    const res = await download(auditor, `/fonds/${fundId}/graphique`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(res.headers['cache-control']).toBe('private, max-age=60');
    expect(res.body.toString('utf8')).toMatch(/^<svg|<svg[^>]*role="img"/);
    const again = await auditor.get(`/fonds/${fundId}/graphique`).set('If-None-Match', String(res.headers.etag));
    expect(again.status).toBe(304);
  });

  it('downloads the movements as a workbook (the export is traced)', async () => {
    const before = await t.ctx.knex('access_events').where({ action: 'fund.export', user_id: t.world.users.accountant.id }).count<{ n: string }[]>('* as n');
    const res = await download(accountant, `/fonds/${fundId}/mouvements`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(res.headers['content-disposition']).toContain('fonds-fsl-2026.xlsx');
    expect(res.body.subarray(0, 2).toString('latin1')).toBe('PK');
    const after = await t.ctx.knex('access_events').where({ action: 'fund.export', user_id: t.world.users.accountant.id }).count<{ n: string }[]>('* as n');
    expect(Number(after[0]!.n) - Number(before[0]!.n)).toBe(1);
  });
});

describe('the fund form', () => {
  it('creates a fund from the form, then edits it: values prefilled, rows and version kept, a stale version refused', async () => {
    const form = await admin.get('/fonds/nouveau');
    expect(form.status).toBe(200);
    // two blank rows of each kind
    expect($(form.text)('select[name="landlord[1][organisationId]"]').length).toBe(1);
    expect($(form.text)('select[name="landlord[2][organisationId]"]').length).toBe(0);
    const created = await postForm(admin, '/fonds/nouveau', formBody());
    expect(created.status).toBe(302);
    const id = /\/fonds\/([0-9a-f-]{36})$/.exec(created.headers.location as string)?.[1] as string;
    const page = await admin.get(`/fonds/${id}`);
    expect(page.text).toContain('Fonds énergie 2027');
    expect($(page.text)('p.text-body-secondary').first().text()).toContain('FSE-27');
    // 1 200 × 2,50 € = 3 000 €; 33,33 % = 999,90 € capped at 500 €; + 10 000 € = 13 500 €
    expect($(page.text)('#formule').text()).toMatch(/3\s000,00\s€ \+ 500,00\s€ \+ 10\s000,00\s€ = 13\s500,00\s€/);

    const edit = await admin.get(`/fonds/${id}/modifier`);
    expect(edit.status).toBe(200);
    const e = $(edit.text);
    expect(e('#name').val()).toBe('Fonds énergie 2027');
    expect(e('#startsOn').val()).toBe('2027-01-01');
    expect(e('[name="landlord[0][organisationId]"] option:selected').val()).toBe(t.world.landlordA.id);
    expect(e('[name="landlord[0][dwellings]"]').val()).toBe('1200');
    expect(e('[name="matching[0][rate]"]').val()).toBe('33,33');
    expect(e('[name="matching[0][cap]"]').val()).toBe('500,00');
    expect(e('[name="allocation[0][amount]"]').val()).toBe('4000,00');
    expect(e('#aidTypeCodes-AE').attr('checked')).toBeDefined();
    // the existing rows and two blank ones
    expect(e('[name="landlord[2][organisationId]"]').length).toBe(1);
    expect(e('[name="landlord[3][organisationId]"]').length).toBe(0);
    const version = e('input[name="version"]').val() as string;

    const fields = Object.fromEntries(
      e('form[method="post"] input, form[method="post"] select, form[method="post"] textarea')
        .toArray()
        .filter((el) => el.attribs.name && el.attribs.name !== '_csrf' && el.attribs.type !== 'checkbox')
        .map((el) => [el.attribs.name as string, (e(el).val() as string) ?? '']),
    );
    const saved = await postForm(admin, `/fonds/${id}/modifier`, { ...fields, aidTypeCodes: 'AE', 'fixed[0][amount]': '12 000' });
    expect(saved.status).toBe(302);
    expect($((await admin.get(`/fonds/${id}`)).text)('#total').text()).toMatch(/15\s500,00\s€/);

    const stale = await postForm(admin, `/fonds/${id}/modifier`, { ...fields, aidTypeCodes: 'AE', version }, `/fonds/${id}/modifier`);
    expect(stale.status).toBe(400);
    expect($(stale.text)('#form-error').text()).not.toBe('');
  });

  it('keeps every typed value on a rejected post, with a French message next to each wrong field', async () => {
    const res = await postForm(
      admin,
      '/fonds/nouveau',
      formBody({
        name: 'Fonds de solidarité 2026',
        analyticCode: 'x',
        endsOn: '31/12/2026',
        'landlord[0][dwellings]': 'beaucoup',
        'landlord[1][organisationId]': t.world.landlordB.id,
        'matching[0][rate]': '2000',
        'fixed[0][funderName]': '',
        'allocation[1][organisationId]': t.world.landlordA.id,
        'allocation[1][amount]': '100',
      }),
    );
    expect(res.status).toBe(400);
    const page = $(res.text);
    expect(fieldError(res.text, 'analyticCode')).toMatch(/Le code analytique compte 2 à 20/);
    expect(fieldError(res.text, 'endsOn')).toMatch(/date de fin/);
    expect(page('[id="landlord[0][dwellings]-error"]').text()).toMatch(/Bailleur 1 : le nombre de logements est un nombre entier/);
    expect(page('[id="landlord[1][dwellings]-error"]').text()).toMatch(/Bailleur 2 : saisissez le nombre de logements/);
    expect(page('[id="matching[0][rate]-error"]').text()).toMatch(/Abondement 1 : le taux est un pourcentage/);
    expect(page('[id="fixed[0][funderName]-error"]').text()).toMatch(/Dotation 1 : saisissez le nom du financeur/);
    expect(page('[id="allocation[1][organisationId]-error"]').text()).toMatch(/Enveloppe 2 : ce bailleur a déjà une enveloppe/);
    // the values typed, kept
    expect(page('#name').val()).toBe('Fonds de solidarité 2026');
    expect(page('[name="landlord[0][dwellings]"]').val()).toBe('beaucoup');
    expect(page('[name="landlord[1][organisationId]"] option:selected').val()).toBe(t.world.landlordB.id);
    expect(page('[name="allocation[1][amount]"]').val()).toBe('100');
    expect(page('#aidTypeCodes-AE').attr('checked')).toBeDefined();
    // the summary links land on the fields
    expect(page('.error-summary a[href="#landlord[0][dwellings]"]').length).toBe(1);
    // rows up to the last one filled, and two blank ones
    expect(page('[name="allocation[3][organisationId]"]').length).toBe(1);
  });

  it('asks for at least one contribution and one aid, and refuses a name already taken (the service’s message)', async () => {
    const empty = await postForm(admin, '/fonds/nouveau', { name: 'Vide', analyticCode: 'VIDE', startsOn: '01/01/2027', endsOn: '31/12/2027' });
    expect(empty.status).toBe(400);
    expect(fieldError(empty.text, 'contributions')).toMatch(/au moins une contribution/);
    expect(fieldError(empty.text, 'aidTypeCodes')).toMatch(/au moins une aide/);
    const taken = await postForm(admin, '/fonds/nouveau', formBody({ name: 'Fonds de solidarité 2026', analyticCode: 'AUTRE' }));
    expect(taken.status).toBe(400);
    expect(fieldError(taken.text, 'name')).toMatch(/Un autre fonds porte déjà ce nom/);
  });

  it('never answers 500 to a hostile body (NUL, 100 000 characters, repeated or odd names, prototype keys, huge numbers)', async () => {
    const huge = 'x'.repeat(100_000);
    const encode = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
    const bodies = [
      encode(formBody({ name: 'Fonds\u0000nul' })),
      // one 100 000-character field at a time (the body limit, 200 kB, is the edge's: 413)
      ...[
        'name',
        'notes',
        'analyticCode',
        'startsOn',
        'landlord[0][dwellings]',
        'landlord[0][perDwelling]',
        'matching[0][funderName]',
        'matching[0][rate]',
        'allocation[0][organisationId]',
      ].map((field) => encode(formBody({ [field]: huge }))),
      `${encode(formBody())}&${encodeURIComponent('landlord[0][dwellings][]')}=x&${encodeURIComponent('landlord[0][dwellings]')}=2&name=autre`,
      `${encode(formBody())}&__proto__=x&constructor=y&${encodeURIComponent('landlord[99][__proto__]')}=1&${encodeURIComponent('landlord[__proto__][dwellings]')}=3&${encodeURIComponent('landlord[999][dwellings]')}=3`,
      `${encode(formBody())}&${Array.from({ length: 150 }, (_, i) => `aidTypeCodes=C${i}`).join('&')}`,
      encode(
        formBody({
          'landlord[0][dwellings]': '99999999',
          'landlord[0][perDwelling]': '9999999999',
          'fixed[0][amount]': '9999999999,99',
          'matching[0][rate]': '1000',
        }),
      ),
      encode(formBody({ 'landlord[0][organisationId]': "1' or 1=1 --", 'allocation[0][organisationId]': '00000000-0000-4000-8000-000000000000' })),
      `${encode(formBody({ startsOn: '31/02/2027' }))}&endsOn=01/01/2028`,
      'name=seul',
      '',
    ];
    const token = await csrfToken(admin, '/fonds/nouveau');
    for (const body of bodies) {
      const res = await admin
        .post('/fonds/nouveau')
        .type('form')
        .send(`_csrf=${encodeURIComponent(token)}${body ? `&${body}` : ''}`);
      expect({ body: body.slice(0, 80), status: res.status < 500 }).toEqual({ body: body.slice(0, 80), status: true });
      expect([400, 302]).toContain(res.status);
    }
    // a field posted twice is one value too many, said on the field
    const repeated = await admin
      .post('/fonds/nouveau')
      .type('form')
      .send(
        `_csrf=${encodeURIComponent(token)}&${encode(formBody({ name: 'Fonds répété', analyticCode: 'REP' }))}&${encodeURIComponent('landlord[0][dwellings]')}=2`,
      );
    expect(repeated.status).toBe(400);
    expect($(repeated.text)('[id="landlord[0][dwellings]-error"]').text()).toContain('Bailleur 1 : une seule valeur');
    expect(await t.ctx.knex('funds').where({ analytic_code: 'REP' }).first()).toBeUndefined();
    const edit = await admin
      .post(`/fonds/${fundId}/modifier`)
      .type('form')
      .send(`_csrf=${encodeURIComponent(token)}&${encode(formBody({ version: huge }))}`);
    expect(edit.status).toBe(400);
  });
});

describe('who gets in', () => {
  it('lets the operator read but not create nor edit', async () => {
    expect((await operator.get(`/fonds/${fundId}`)).status).toBe(200);
    expect((await operator.get('/fonds/nouveau')).status).toBe(403);
    expect((await operator.get(`/fonds/${fundId}/modifier`)).status).toBe(403);
    expect((await postForm(operator, '/fonds/nouveau', formBody(), '/mon-compte')).status).toBe(403);
    expect((await postForm(operator, `/fonds/${fundId}/modifier`, formBody(), '/mon-compte')).status).toBe(403);
  });

  it('lets the auditor and the accountant read but not edit', async () => {
    for (const agent of [auditor, accountant]) {
      expect((await agent.get('/fonds')).status).toBe(200);
      expect((await agent.get(`/fonds/${fundId}/modifier`)).status).toBe(403);
      expect((await agent.get('/fonds/nouveau')).status).toBe(403);
    }
  });

  it('refuses landlords and advisers every fund page', async () => {
    for (const email of [t.world.users.adminA.email, t.world.users.instructorA.email, t.world.users.social_adviser.email]) {
      const agent = await loginAs(t.ctx.app, email);
      for (const path of [
        '/fonds',
        `/fonds/${fundId}`,
        `/fonds/${fundId}/graphique`,
        `/fonds/${fundId}/mouvements`,
        '/fonds/nouveau',
        `/fonds/${fundId}/modifier`,
      ])
        expect({ email, path, status: (await agent.get(path)).status }).toEqual({ email, path, status: 403 });
      expect($((await agent.get('/mon-compte')).text)('nav a[href="/fonds"]').length).toBe(0);
    }
  });
});
