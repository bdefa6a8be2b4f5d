import ExcelJS from 'exceljs';
import { sepaBatches } from '../../src/jobs/definitions/sepa-batches';
import type { Actor } from '../../src/permissions';
import { ForbiddenError, ValidationError } from '../../src/shared/errors';
import { parisDateTime } from '../../src/shared/dates';
import { PseudonymisedExtract, SECRET } from '../../src/statistics/extract';
import { ExtractRepository } from '../../src/statistics/extract-repository';
import { insertHousehold, insertPerson } from '../factories/household';
import { missionSetup, missionVersion } from '../factories/mission';
import { actorOf, grantedRequest, IBAN, paymentSetup, proposeDecision } from '../factories/payment';
import { insertRequest } from '../factories/request';
import { useWorld } from '../support/world';

/**
 * The pseudonymised extract of issue 16 (« Pilotage & Data »): November 2026 built through the
 * real services — grants paid to the bank, a refusal with its comment, support missions with
 * their sessions and objectives — with persons whose every personal field is distinctive, so that
 * the test can prove none of them reaches any cell of any sheet.
 */
const t = useWorld();

const paris = (day: string, time = '10:00') => parisDateTime(day, time) as Date;
type Sheet = Array<Record<string, unknown>>;
type Book = Record<string, Sheet>;

const CAUSE_COMMENT = 'Licenciement économique chez Zorglub Industries';
const REFUSAL_COMMENT = 'Refus motivé par la situation de Mme Quetzal';
const MISSION_REASON = 'Retards de loyer chez la famille Quetzal';
const SESSION = {
  participants: 'Mme Quetzal et son fils Ulysse',
  summary: 'Budget revu avec Mme Quetzal',
  privateNotes: 'Note privée Quetzal',
  nextSteps: 'Rappeler Mme Quetzal',
};
const OBJECTIVE_TEXT = 'Établir le budget de la famille Quetzal';
const OUTCOME = 'Budget de la famille Quetzal établi';

let extract: PseudonymisedExtract;
let admin: Actor;
let auditor: Actor;
/** the Quetzal household of landlord A: the holder, her son (a minor in November 2026) and their two requests */
const quetzal = { household: '', holder: '', child: '', grantedId: '', secondId: '', missionId: '' };
let refusedId = '';

const propose = (requestId: string, input: Record<string, unknown>) => proposeDecision(t.ctx.services, t.ctx.knex, t.world, requestId, input);

/** The situation as filed, with the household's real members (the factory's holds a placeholder person). */
async function fileSituation(requestId: string, members: Array<{ personId: string; name: string }>, extra: Record<string, unknown> = {}) {
  const row = await t.ctx.knex('aid_requests').where({ id: requestId }).first('situation');
  const situation = typeof row.situation === 'string' ? JSON.parse(row.situation) : row.situation;
  const next = { ...situation, ...extra, members: members.map((m) => ({ ...m, employmentStatus: 'private_employee', resourcesCents: 120000 })) };
  await t.ctx
    .knex('aid_requests')
    .where({ id: requestId })
    .update({ situation: JSON.stringify(next) });
}

async function submitted(o: { aqId: string; postcode: string; at: Date; landlord?: 'A' | 'B'; requestedCents?: number; status?: 'submitted' | 'in_review' }) {
  const landlord = o.landlord === 'B' ? t.world.landlordB : t.world.landlordA;
  const household = await insertHousehold(t.ctx.knex, landlord.id, { postcode: o.postcode });
  const id = await insertRequest(t.ctx.knex, {
    organisationId: landlord.id,
    householdId: household.id,
    aidTypeId: o.aqId,
    createdBy: o.landlord === 'B' ? t.world.users.instructorB.id : t.world.users.instructorA.id,
    status: o.status ?? 'submitted',
    assignedTo: t.world.users.operator.id,
    ...(o.requestedCents ? { requestedCents: o.requestedCents } : {}),
  });
  await fileSituation(id, [{ personId: household.holderId, name: 'Julie Martin' }]);
  await t.ctx.knex('aid_requests').where({ id }).update({ submitted_at: o.at });
  return id;
}

/** Every sheet as rows keyed by header; dates as "AAAA-MM-JJ". */
async function read(data: Buffer): Promise<Book> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(data as unknown as ArrayBuffer);
  const out: Book = {};
  book.eachSheet((sheet) => {
    const headers = (sheet.getRow(1).values as unknown[]).slice(1).map(String);
    const rows: Sheet = [];
    sheet.eachRow((row, n) => {
      if (n === 1) return;
      const values = (row.values as unknown[]).slice(1);
      rows.push(Object.fromEntries(headers.map((h, i) => [h, values[i] instanceof Date ? values[i].toISOString().slice(0, 10) : (values[i] ?? null)])));
    });
    out[sheet.name] = rows;
  });
  return out;
}

const requestByAmount = (book: Book, euros: number) => {
  const row = book.Demandes?.find((r) => r['Montant demandé (€)'] === euros);
  if (!row) throw new Error(`no request of ${euros} € in ${JSON.stringify(book.Demandes)}`);
  return row;
};

beforeAll(async () => {
  extract = new PseudonymisedExtract({ db: t.ctx.knex, clock: t.ctx.clock, audit: t.ctx.services.audit });
  admin = await actorOf(t.ctx.knex, t.world.users.admin.id);
  auditor = await actorOf(t.ctx.knex, t.world.users.auditor.id);
  const setup = await paymentSetup(t.ctx.services, t.ctx.knex, t.world);

  // the Quetzal household in Lyon: a holder and her son born in 2014, every personal field distinctive
  quetzal.holder = await insertPerson(t.ctx.knex, {
    lastName: 'Quetzal',
    firstNames: 'Ophélie',
    birthDate: '1979-03-17',
    email: 'ophelie.quetzal@exemple.fr',
    phone: '0698765432',
  });
  quetzal.child = await insertPerson(t.ctx.knex, {
    lastName: 'Quetzal',
    firstNames: 'Ulysse',
    birthDate: '2014-09-02',
    employmentStatus: 'student',
    salaryCents: 0,
  });
  const household = await insertHousehold(t.ctx.knex, t.world.landlordA.id, {
    postcode: '69007',
    tenancyReference: 'BAIL-QUETZAL-0042',
    members: [
      { personId: quetzal.holder, relationship: 'holder' },
      { personId: quetzal.child, relationship: 'child' },
    ],
  });
  quetzal.household = household.id;
  await t.ctx
    .knex('households')
    .where({ id: household.id })
    .update({ address_line1: '17 impasse des Quetzals', address_line2: 'Bâtiment Zéphyr', city: 'Lyon 7e Arrondissement' });
  const members = [
    { personId: quetzal.holder, name: 'Ophélie Quetzal' },
    { personId: quetzal.child, name: 'Ulysse Quetzal' },
  ];

  // five more households of landlord A in Lyon granted on 2 to 6 November: with the Quetzals, six households in the cell
  for (let i = 0; i < 5; i++) {
    t.ctx.clock.set(paris(`2026-11-0${i + 2}`, '15:00'));
    const h = await insertHousehold(t.ctx.knex, t.world.landlordA.id, { postcode: '69003' });
    const id = await grantedRequest(t.ctx.services, t.ctx.knex, t.world, {
      aqId: setup.aqId,
      householdId: h.id,
      amountCents: 30000 + i * 1000,
      instalments: 1,
      firstDueDate: '2026-11-26',
    });
    await fileSituation(id, [{ personId: h.holderId, name: 'Julie Martin' }]);
    await t.ctx
      .knex('aid_requests')
      .where({ id })
      .update({ submitted_at: paris('2026-11-01', '09:00') });
  }
  // the Quetzals' request, granted 450 € on 9 November and paid; a second one, still in review, filed on the 20th
  t.ctx.clock.set(paris('2026-11-09', '15:00'));
  quetzal.grantedId = await grantedRequest(t.ctx.services, t.ctx.knex, t.world, {
    aqId: setup.aqId,
    householdId: household.id,
    amountCents: 45000,
    instalments: 1,
    firstDueDate: '2026-11-26',
  });
  await fileSituation(quetzal.grantedId, members, { cause: 'job_loss', causeComment: CAUSE_COMMENT, arrearsCents: 123400, arrearsMonths: 3 });
  await t.ctx
    .knex('aid_requests')
    .where({ id: quetzal.grantedId })
    .update({ submitted_at: paris('2026-11-03', '11:00') });
  quetzal.secondId = await insertRequest(t.ctx.knex, {
    organisationId: t.world.landlordA.id,
    householdId: household.id,
    aidTypeId: setup.aqId,
    createdBy: t.world.users.instructorA.id,
    status: 'in_review',
    requestedCents: 77700,
  });
  await fileSituation(quetzal.secondId, members, { cause: 'illness' });
  await t.ctx
    .knex('aid_requests')
    .where({ id: quetzal.secondId })
    .update({ submitted_at: paris('2026-11-20', '11:00') });

  // a refusal with a comment naming the tenant, in the same cell
  t.ctx.clock.set(paris('2026-11-10'));
  refusedId = await submitted({ aqId: setup.aqId, postcode: '69008', at: paris('2026-11-09'), status: 'in_review', requestedCents: 66600 });
  await propose(refusedId, { kind: 'refuse', reasonCode: 'not_eligible', comment: REFUSAL_COMMENT });

  // month boundaries in Paris: 31 October 23:59 is October, 1 November 00:01 (still 31 October in UTC) is November
  await submitted({ aqId: setup.aqId, postcode: '69003', at: paris('2026-10-31', '23:59'), requestedCents: 10100 });
  await submitted({ aqId: setup.aqId, postcode: '69003', at: paris('2026-11-01', '00:01'), requestedCents: 10200 });

  // two households of landlord B in Corse-du-Sud: a cell under the secrecy threshold
  await submitted({ aqId: setup.aqId, postcode: '20090', at: paris('2026-11-12'), landlord: 'B', requestedCents: 20100 });
  await submitted({ aqId: setup.aqId, postcode: '20167', at: paris('2026-11-13'), landlord: 'B', requestedCents: 20200 });

  // the transfers of the grants, sent to the bank on 25 November
  t.ctx.clock.set(paris('2026-11-25', '08:00'));
  await t.ctx.services.jobs.run(sepaBatches, t.ctx.services, 'Planificateur', '2026-11-25');
  const batch = await t.ctx.knex('payment_batches').where({ status: 'generated' }).first();
  const accountant = await actorOf(t.ctx.knex, t.world.users.accountant.id);
  await t.ctx.services.batches.approve(accountant, batch.id, batch.version);
  await t.ctx.services.batches.transmit(accountant, batch.id, batch.version + 1);

  // the Quetzals' support mission, ordered on 26 November from their request, met once and completed
  t.ctx.clock.set(paris('2026-11-26', '16:00'));
  const types = await missionSetup(t.ctx.services, t.ctx.knex, t.world);
  const operator = await actorOf(t.ctx.knex, t.world.users.operator.id);
  const adviser = await actorOf(t.ctx.knex, t.world.users.social_adviser.id);
  quetzal.missionId = await t.ctx.services.missions.order(operator, {
    householdId: household.id,
    missionTypeId: types.types.budget,
    reason: MISSION_REASON,
    requestId: quetzal.grantedId,
    adviserId: t.world.users.social_adviser.id,
  });
  await t.ctx.services.missions.accept(adviser, quetzal.missionId, await missionVersion(t.ctx.knex, quetzal.missionId), {
    consentDate: '2026-11-26',
    consentMethod: 'in_person',
    objectives: [{ category: 'budget', text: OBJECTIVE_TEXT }],
  });
  await t.ctx.services.missions.recordSession(adviser, quetzal.missionId, {
    heldOn: '2026-11-26',
    durationMinutes: 90,
    kind: 'home_visit',
    participants: SESSION.participants,
    summary: SESSION.summary,
    privateNotes: SESSION.privateNotes,
    nextSteps: SESSION.nextSteps,
  });
  await t.ctx.services.missions.complete(adviser, quetzal.missionId, await missionVersion(t.ctx.knex, quetzal.missionId), {
    results: { 1: 'reached' },
    outcome: OUTCOME,
    recommendations: 'Suivi conseillé pour Mme Quetzal',
  });
  // another landlord's mission ordered in December: outside a November extract
  t.ctx.clock.set(paris('2026-12-02', '10:00'));
  await t.ctx.services.missions.order(operator, { householdId: types.householdB, missionTypeId: types.types.diag, reason: 'Impayés chez la famille Xénon' });
  t.ctx.clock.set(paris('2026-12-03', '06:00'));
});

/** Every personal value the database holds (and the free texts this test wrote), as the strings a cell could show. */
async function personalValues(): Promise<Set<string>> {
  const k = t.ctx.knex;
  const values = new Set<string>();
  const add = (v: unknown) => {
    if (v === null || v === undefined) return;
    const s = v instanceof Date ? v.toISOString().slice(0, 10) : String(v).trim();
    if (s !== '') values.add(s);
  };
  const collect = async (table: string, columns: string[], where?: (q: ReturnType<typeof k>) => void) => {
    const q = k(table).select(columns);
    if (where) where(q);
    for (const row of await q) for (const c of columns) add(row[c]);
  };
  await collect('persons', [
    'id',
    'last_name',
    'first_names',
    'birth_date',
    'email',
    'phone',
    'employer_name',
    'employer_siret',
    'search_last_name',
    'search_first_name',
  ]);
  for (const p of await k('persons').select('first_names', 'last_name')) add(`${p.first_names} ${p.last_name}`);
  await collect('households', ['id', 'address_line1', 'address_line2', 'postcode', 'city', 'housing_estate', 'tenancy_reference']);
  await collect('household_members', ['id']);
  await collect('aid_requests', ['id', 'reference', 'tenant_name', 'search_name', 'payee_iban', 'payee_bic']);
  // a payee other than the landlord itself is a person (the landlord's own name is kept, as the landlord)
  await collect('aid_requests', ['payee_name'], (q) => void q.whereNot({ payee_kind: 'landlord' }));
  for (const r of await k('aid_requests').select('situation')) {
    const s = typeof r.situation === 'string' ? JSON.parse(r.situation) : r.situation;
    add(s.causeComment);
    for (const m of s.members ?? []) {
      add(m.personId);
      add(m.name);
    }
  }
  await collect('decisions', ['comment', 'validation_comment']);
  await collect('missions', ['id', 'reference', 'reason', 'outcome', 'recommendations', 'decline_reason', 'interruption_reason', 'ordered_by_label']);
  await collect('mission_objectives', ['text']);
  await collect('users', ['email', 'first_name', 'last_name']);
  for (const u of await k('users').select('first_name', 'last_name')) add(`${u.first_name} ${u.last_name}`);
  // encrypted at rest: the plain texts and IBANs this test and the factories wrote
  for (const v of [...Object.values(SESSION), CAUSE_COMMENT, REFUSAL_COMMENT, MISSION_REASON, OBJECTIVE_TEXT, OUTCOME, ...Object.values(IBAN)]) add(v);
  return values;
}

describe('the pseudonymised extract', () => {
  let book: Book;

  beforeAll(async () => {
    const result = await extract.build(auditor, { from: '2026-11', to: '2026-11' });
    book = await read(result.data);
    expect(result.fileName).toBe('extraction-pseudonymisee-2026-11-a-2026-11.xlsx');
    expect(result.requests).toBe(book.Demandes?.length);
    expect(result.missions).toBe(book.Accompagnements?.length);
  });

  it('holds the four sheets, the requests submitted in the Paris month and the missions ordered in it', async () => {
    expect(Object.keys(book)).toEqual(['Demandes', 'Accompagnements', 'Agrégats', 'Lisez-moi']);
    const novemberRequests = await t.ctx
      .knex('aid_requests')
      .where('submitted_at', '>=', paris('2026-11-01', '00:00'))
      .where('submitted_at', '<', paris('2026-12-01', '00:00'))
      .count<Array<{ n: string }>>('* as n');
    expect(book.Demandes).toHaveLength(Number(novemberRequests[0]!.n));
    expect(book.Demandes).toHaveLength(11);
    // 31 October 23:59 in Paris is October; 1 November 00:01 in Paris is November
    expect(book.Demandes!.some((r) => r['Montant demandé (€)'] === 101)).toBe(false);
    expect(requestByAmount(book, 102)['Date de dépôt']).toBe('2026-11-01');
    expect(book.Accompagnements).toHaveLength(1);
  });

  it('keeps codes, days, amounts in euros, the birth year, the département and the composition — nothing that names anyone', async () => {
    const granted = requestByAmount(book, 450);
    expect(granted).toMatchObject({
      'Année de naissance du titulaire': 1979,
      Département: '69',
      Bailleur: 'Bailleur Alpha',
      'Code de l’aide': 'AQ',
      Statut: 'in_payment',
      'Date de dépôt': '2026-11-03',
      'Date de décision': '2026-11-09',
      Décision: 'grant',
      'Cause de la difficulté': 'job_loss',
      'Membres du ménage': 2,
      'Dont mineurs': 1,
      'Dette de loyer (€)': 1234,
      'Mois d’impayés': 3,
      'Montant accordé (€)': 450,
      'Montant versé (€)': 450,
    });
    const siren = (await t.ctx.knex('organisations').where({ id: t.world.landlordA.id }).first('siren')).siren;
    expect(granted['SIREN du bailleur']).toBe(siren);
    expect(requestByAmount(book, 666)).toMatchObject({ Décision: 'refuse', 'Motif de refus': 'not_eligible', Statut: 'refused' });
    expect(requestByAmount(book, 201)['Département']).toBe('2A');
    const mission = book.Accompagnements![0]!;
    expect(mission).toMatchObject({
      Département: '69',
      'Code de l’accompagnement': 'BUDGET',
      Origine: 'association',
      Statut: 'completed',
      'Date de commande': '2026-11-26',
      'Date de fin': '2026-11-26',
      Séances: 1,
      'Durée des séances (heures)': 1.5,
      Objectifs: 1,
      'Objectifs atteints': 1,
      'Membres du ménage': 2,
      'Dont mineurs': 1,
    });
  });

  it('no column of the extract equals any personal field of the database', async () => {
    const personal = await personalValues();
    expect(personal.size).toBeGreaterThan(50);
    expect(personal).toContain('Quetzal');
    expect(personal).toContain(quetzal.holder);
    const leaks: string[] = [];
    for (const [sheet, rows] of Object.entries(book))
      for (const row of rows)
        for (const [column, value] of Object.entries(row)) {
          if (value === null) continue;
          const cell = String(value).trim();
          if (personal.has(cell)) leaks.push(`${sheet} / ${column}: ${cell}`);
          // a longer personal value (a name, an address, a free text, an id) inside a cell
          for (const p of personal) if (p.length >= 8 && cell.includes(p)) leaks.push(`${sheet} / ${column} contains ${p}`);
        }
    expect(leaks).toEqual([]);
  });

  it('gives a person and a household the same pseudonym throughout one extract', () => {
    const granted = requestByAmount(book, 450);
    const second = requestByAmount(book, 777);
    expect(granted['Titulaire (pseudonyme)']).toMatch(/^[0-9a-f]{16}$/);
    expect(second['Titulaire (pseudonyme)']).toBe(granted['Titulaire (pseudonyme)']);
    expect(second['Ménage (pseudonyme)']).toBe(granted['Ménage (pseudonyme)']);
    expect(second['Demande (pseudonyme)']).not.toBe(granted['Demande (pseudonyme)']);
    const mission = book.Accompagnements![0]!;
    expect(mission['Ménage (pseudonyme)']).toBe(granted['Ménage (pseudonyme)']);
    expect(mission['Demande liée (pseudonyme)']).toBe(granted['Demande (pseudonyme)']);
    const others = book.Demandes!.filter((r) => r !== granted && r !== second);
    expect(others.every((r) => r['Ménage (pseudonyme)'] !== granted['Ménage (pseudonyme)'])).toBe(true);
  });

  it('cannot be joined with another extract, unless both were made with the same key on purpose', async () => {
    const again = await read((await extract.build(admin, { from: '2026-11', to: '2026-11' })).data);
    const columns = ['Demande (pseudonyme)', 'Ménage (pseudonyme)', 'Titulaire (pseudonyme)'];
    for (const c of columns) expect(requestByAmount(again, 450)[c]).not.toBe(requestByAmount(book, 450)[c]);
    const mine = Buffer.alloc(32, 7);
    const first = await read((await extract.build(admin, { from: '2026-11', to: '2026-11', key: mine })).data);
    const second = await read((await extract.build(auditor, { from: '2026-10', to: '2026-12', key: Buffer.from(mine) })).data);
    for (const c of columns) expect(requestByAmount(second, 450)[c]).toBe(requestByAmount(first, 450)[c]);
    expect(second.Accompagnements![0]!['Ménage (pseudonyme)']).toBe(first.Accompagnements![0]!['Ménage (pseudonyme)']);
    const other = await read((await extract.build(admin, { from: '2026-11', to: '2026-11', key: Buffer.alloc(32, 8) })).data);
    expect(requestByAmount(other, 450)['Titulaire (pseudonyme)']).not.toBe(requestByAmount(first, 450)['Titulaire (pseudonyme)']);
    // the wider period holds October's last evening, and December's mission
    expect(requestByAmount(second, 101)['Date de dépôt']).toBe('2026-10-31');
    expect(second.Accompagnements).toHaveLength(2);
  });

  it('reads the period through its cursors a page at a time: pages of three rows give the same sheets', async () => {
    const key = Buffer.alloc(32, 3);
    const paged = new PseudonymisedExtract({ db: t.ctx.knex, clock: t.ctx.clock, audit: t.ctx.services.audit, repository: new ExtractRepository(3) });
    const small = await read((await paged.build(admin, { from: '2026-10', to: '2026-12', key })).data);
    const whole = await read((await extract.build(admin, { from: '2026-10', to: '2026-12', key })).data);
    expect(small.Demandes).toHaveLength(12);
    expect(small.Demandes).toEqual(whole.Demandes);
    expect(small.Accompagnements).toEqual(whole.Accompagnements);
  });

  it('shows « < 5 » for every figure fewer than five households stand behind in « Agrégats »', () => {
    const cells = book['Agrégats']!;
    const lyon = cells.find((c) => c['Département'] === '69' && c['Code de l’aide'] === 'AQ');
    // eight households in Lyon (five granted, the Quetzals, the refused one, the one of 1 November)
    expect(lyon).toMatchObject({ Mois: '2026-11', 'Demandes déposées': 9, Ménages: 8, Accords: 6, 'Montant accordé (€)': 300 + 310 + 320 + 330 + 340 + 450 });
    const corsica = cells.find((c) => c['Département'] === '2A');
    expect(corsica).toMatchObject({
      Mois: '2026-11',
      'Demandes déposées': SECRET,
      Ménages: SECRET,
      Accords: SECRET,
      'Montant demandé (€)': SECRET,
      'Montant accordé (€)': SECRET,
    });
    expect(cells).toHaveLength(2);
  });

  it('explains each column, the period, the generation time and the single-use key in « Lisez-moi »', () => {
    const lines = Object.fromEntries(book['Lisez-moi']!.map((r) => [r.Rubrique, r.Explication]));
    expect(lines['Période']).toContain('de 2026-11 à 2026-11');
    expect(lines['Générée le']).toBe('03/12/2026 à 06:00');
    expect(lines['Clé']).toContain('tirée au hasard pour cette seule extraction');
    for (const header of Object.keys(book.Demandes![0]!)) expect(lines[`Demandes — ${header}`]).toBeTruthy();
    for (const header of Object.keys(book.Accompagnements![0]!)) expect(lines[`Accompagnements — ${header}`]).toBeTruthy();
    for (const header of Object.keys(book['Agrégats']![0]!)) expect(lines[`Agrégats — ${header}`]).toBeTruthy();
  });

  it('neutralises text cells a spreadsheet would run as a formula', async () => {
    await t.ctx.knex('organisations').where({ id: t.world.landlordB.id }).update({ name: '=HYPERLINK("http://x.test","Bailleur Bêta")' });
    const cells = await read((await extract.build(admin, { from: '2026-11', to: '2026-11' })).data);
    await t.ctx.knex('organisations').where({ id: t.world.landlordB.id }).update({ name: t.world.landlordB.name });
    expect(requestByAmount(cells, 201).Bailleur).toBe('\'=HYPERLINK("http://x.test","Bailleur Bêta")');
  });
});

describe('who may extract, and the trace of each extract', () => {
  it('is for the administrator and the auditor: an operator, an accountant, an adviser or a landlord is refused', async () => {
    for (const user of [t.world.users.operator, t.world.users.accountant, t.world.users.social_adviser, t.world.users.adminA, t.world.users.instructorB]) {
      const actor = await actorOf(t.ctx.knex, user.id);
      await expect(extract.build(actor, { from: '2026-11', to: '2026-11' })).rejects.toBeInstanceOf(ForbiddenError);
    }
  });

  it('refuses a malformed, reversed or too long period, and a key of the wrong size, in French', async () => {
    const problem = async (input: { from: string; to: string; key?: Buffer }) => {
      const error = await extract.build(admin, input).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      return (error as ValidationError).fieldErrors;
    };
    expect(await problem({ from: 'novembre', to: '2026-13' })).toEqual({
      from: 'Indiquez le premier mois au format AAAA-MM, par exemple 2026-01',
      to: 'Indiquez le dernier mois au format AAAA-MM, par exemple 2026-12',
    });
    expect(await problem({ from: '2026-11', to: '2026-10' })).toEqual({ to: 'Le dernier mois ne peut pas précéder le premier mois' });
    expect(await problem({ from: '2025-01', to: '2027-01' })).toEqual({ to: 'La période ne peut pas dépasser 24 mois (elle en compte 25)' });
    expect(await problem({ from: '2025-01', to: '2026-12', key: Buffer.alloc(16) })).toEqual({
      key: 'La clé doit compter 32 octets (64 caractères hexadécimaux)',
    });
    // 24 months is the most one extract covers
    await expect(extract.build(admin, { from: '2025-01', to: '2026-12' })).resolves.toMatchObject({ requests: 12 });
  });

  it('writes who extracted which period, the rows of each sheet and whether a key was given — never the key', async () => {
    const key = Buffer.alloc(32, 0xab);
    const before = await t.ctx.knex('audit_events').where({ entity_type: 'statistics_extract' }).count<Array<{ n: string }>>('* as n');
    const result = await extract.build(auditor, { from: '2026-11', to: '2026-12', key });
    const events = await t.ctx.knex('audit_events').where({ entity_type: 'statistics_extract' }).orderBy('id');
    expect(events).toHaveLength(Number(before[0]!.n) + 1);
    const event = events[events.length - 1];
    expect(event).toMatchObject({ actor_user_id: t.world.users.auditor.id, action: 'statistics.extracted', organisation_id: null });
    const after = typeof event.after === 'string' ? JSON.parse(event.after) : event.after;
    expect(after).toMatchObject({
      from: '2026-11',
      to: '2026-12',
      fileName: result.fileName,
      callerKey: true,
      rows: { demandes: result.requests, accompagnements: result.missions, agregats: 2 },
    });
    const written = JSON.stringify(event);
    for (const form of [key.toString('hex'), key.toString('base64'), key.toString('base64url')]) expect(written).not.toContain(form);
    expect(result.missions).toBe(2);
  });

  it('writes nothing when the extract is refused', async () => {
    const before = await t.ctx.knex('audit_events').where({ entity_type: 'statistics_extract' }).count<Array<{ n: string }>>('* as n');
    await expect(extract.build(await actorOf(t.ctx.knex, t.world.users.operator.id), { from: '2026-11', to: '2026-11' })).rejects.toThrow(ForbiddenError);
    const after = await t.ctx.knex('audit_events').where({ entity_type: 'statistics_extract' }).count<Array<{ n: string }>>('* as n');
    expect(after[0]!.n).toBe(before[0]!.n);
  });
});
