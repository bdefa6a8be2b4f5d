import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { sepaBatches } from '../../src/jobs/definitions/sepa-batches';
import { parseJsonLines } from '../../src/funder/formats/jsonl';
import { manifestProblem } from '../../src/funder/formats/manifest';
import { schemaProblem } from '../../src/funder/formats/schemas';
import type { ReportingRecord } from '../../src/funder/reporting/records';
import { FunderReporting } from '../../src/funder/reporting/service';
import { parisDateTime } from '../../src/shared/dates';
import { insertHousehold } from '../factories/household';
import { missionSetup, missionsMetOn } from '../factories/mission';
import { actorOf, grantedRequest, paymentSetup, proposeDecision } from '../factories/payment';
import { insertRequest } from '../factories/request';
import { onPostgres } from '../support/database';
import { useWorld } from '../support/world';

/**
 * The monthly REPORTING flow (docs/echanges/reporting.md): November 2026 built through the real
 * services — grants, a refusal, an adjournment, transfers sent to the bank, support missions with
 * their sessions — and every figure checked against counts taken here; small cells secret; the
 * file made once per month, valid record by record, its manifest true, on the funder's server.
 */
const funderDir = fs.mkdtempSync(path.join(os.tmpdir(), 'entraide-reporting-'));
const t = useWorld({ FUNDER_DIR: funderDir });
afterAll(() => fs.rmSync(funderDir, { recursive: true, force: true }));

const paris = (day: string, time = '10:00') => parisDateTime(day, time) as Date;
const NOV = { from: paris('2026-11-01', '00:00'), to: paris('2026-12-01', '00:00') };
const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

let reporting: FunderReporting;
let sirenA: string;
let sirenB: string;
/** the requests of the large cell (landlord A, AQ, Rhône) */
const granted: Array<{ id: string; cents: number; submittedDay: string; decidedDay: string }> = [];
const largeCell: string[] = [];

const propose = (requestId: string, input: Record<string, unknown>) => proposeDecision(t.ctx.services, t.ctx.knex, t.world, requestId, input);

async function submitted(o: { landlord: 'A' | 'B'; aidTypeId: string; postcode: string; at: Date; status?: 'submitted' | 'in_review' }): Promise<string> {
  const landlord = o.landlord === 'A' ? t.world.landlordA : t.world.landlordB;
  const household = await insertHousehold(t.ctx.knex, landlord.id, { postcode: o.postcode });
  const id = await insertRequest(t.ctx.knex, {
    organisationId: landlord.id,
    householdId: household.id,
    aidTypeId: o.aidTypeId,
    createdBy: o.landlord === 'A' ? t.world.users.instructorA.id : t.world.users.instructorB.id,
    status: o.status ?? 'submitted',
    assignedTo: t.world.users.operator.id,
  });
  await t.ctx.knex('aid_requests').where({ id }).update({ submitted_at: o.at });
  return id;
}

beforeAll(async () => {
  reporting = new FunderReporting({ db: t.ctx.knex, clock: t.ctx.clock, outbound: t.ctx.services.funderOutbound });
  const setup = await paymentSetup(t.ctx.services, t.ctx.knex, t.world);
  sirenA = (await t.ctx.knex('organisations').where({ id: t.world.landlordA.id }).first('siren')).siren as string;
  sirenB = (await t.ctx.knex('organisations').where({ id: t.world.landlordB.id }).first('siren')).siren as string;

  // six households of landlord A in Lyon granted through the decision service, decided on 2 to 7 November
  for (let i = 0; i < 6; i++) {
    const decidedDay = `2026-11-0${i + 2}`;
    const submittedDay = `2026-11-0${1 + (i % 2)}`;
    t.ctx.clock.set(paris(decidedDay, '15:00'));
    const cents = 30000 + i * 1000;
    const id = await grantedRequest(t.ctx.services, t.ctx.knex, t.world, {
      aqId: setup.aqId,
      householdId: (await insertHousehold(t.ctx.knex, t.world.landlordA.id, { postcode: '69003' })).id,
      amountCents: cents,
      instalments: 1,
      firstDueDate: '2026-11-26',
    });
    await t.ctx
      .knex('aid_requests')
      .where({ id })
      .update({ submitted_at: paris(submittedDay, '09:00') });
    granted.push({ id, cents, submittedDay, decidedDay });
    largeCell.push(id);
  }
  // a refusal and an adjournment in the same cell, on 10 November, of requests received on 9 November
  t.ctx.clock.set(paris('2026-11-10'));
  const refused = await submitted({ landlord: 'A', aidTypeId: setup.aqId, postcode: '69008', at: paris('2026-11-09'), status: 'in_review' });
  await propose(refused, { kind: 'refuse', reasonCode: 'not_eligible' });
  const adjourned = await submitted({ landlord: 'A', aidTypeId: setup.aqId, postcode: '69008', at: paris('2026-11-09'), status: 'in_review' });
  await propose(adjourned, { kind: 'adjourn', adjournedUntil: '2026-12-15' });
  largeCell.push(refused, adjourned);
  // month boundaries in Paris: 31 October 23:59 is October, 1 November 00:01 (still 31 October in UTC) is November
  await submitted({ landlord: 'A', aidTypeId: setup.aqId, postcode: '69003', at: paris('2026-10-31', '23:59') });
  largeCell.push(await submitted({ landlord: 'A', aidTypeId: setup.aqId, postcode: '69003', at: paris('2026-11-01', '00:01') }));

  // the transfers of the six grants, sent to the bank on 25 November
  t.ctx.clock.set(paris('2026-11-25', '08:00'));
  await t.ctx.services.jobs.run(sepaBatches, t.ctx.services, 'Planificateur', '2026-11-25');
  const batch = await t.ctx.knex('payment_batches').where({ status: 'generated' }).first();
  const accountant = await actorOf(t.ctx.knex, t.world.users.accountant.id);
  await t.ctx.services.batches.approve(accountant, batch.id, batch.version);
  await t.ctx.services.batches.transmit(accountant, batch.id, batch.version + 1);

  // small cells of landlord B: two households in Corse-du-Sud, one in Haute-Corse, one in La Réunion
  await submitted({ landlord: 'B', aidTypeId: setup.aqId, postcode: '20090', at: paris('2026-11-12') });
  await submitted({ landlord: 'B', aidTypeId: setup.aqId, postcode: '20167', at: paris('2026-11-13') });
  await submitted({ landlord: 'B', aidTypeId: setup.aqId, postcode: '20200', at: paris('2026-11-13') });
  await submitted({ landlord: 'B', aidTypeId: setup.aqId, postcode: '97411', at: paris('2026-11-14') });

  // five support missions of landlord A in Lyon, accepted and met on 20 November (90 minutes each), one completed
  t.ctx.clock.set(paris('2026-11-20', '16:00'));
  const missions = await missionSetup(t.ctx.services, t.ctx.knex, t.world);
  await missionsMetOn(t.ctx.services, t.ctx.knex, t.world, missions, { count: 5, postcode: '69007', heldOn: '2026-11-20' });
  t.ctx.clock.set(paris('2026-12-03', '06:00'));
});

const byId = (records: ReportingRecord[], id: string) => {
  const found = records.find((r) => r.id === id);
  if (!found) throw new Error(`no record ${id} among ${records.map((r) => r.id).join(', ')}`);
  return found;
};

describe('the month’s indicators', () => {
  it('counts a large cell as the base does: requests received in the Paris month, decisions, amounts granted and sent, households, median delays', async () => {
    const records = await reporting.indicators('2026-11');
    const cell = byId(records, `R-202611-A-AQ-${sirenA}-69`);
    // taken here, independently: the requests of landlord A for AQ in the Rhône submitted in November (Paris)
    const received = await t.ctx
      .knex('aid_requests as r')
      .join('households as h', 'h.id', 'r.household_id')
      .join('aid_types as a', 'a.id', 'r.aid_type_id')
      .where({ 'r.organisation_id': t.world.landlordA.id, 'a.code': 'AQ' })
      .where('h.postcode', 'like', '69%')
      .where('r.submitted_at', '>=', NOV.from)
      .where('r.submitted_at', '<', NOV.to)
      .count<Array<{ n: string }>>('* as n');
    expect(Number(received[0]!.n)).toBe(largeCell.length);
    const sent = await t.ctx
      .knex('payments')
      .whereIn(
        'request_id',
        granted.map((g) => g.id),
      )
      .where({ status: 'sent' })
      .sum<Array<{ cents: string }>>('amount_cents as cents');
    const days = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 86_400_000;
    expect(cell).toEqual({
      id: `R-202611-A-AQ-${sirenA}-69`,
      mois: '2026-11',
      nature: 'aide',
      code: 'AQ',
      bailleur_siren: sirenA,
      departement: '69',
      secret: false,
      demandes_recues: 9,
      demandes_decidees: 8,
      accords: 6,
      refus: 1,
      ajournements: 1,
      montant_accorde_centimes: granted.reduce((n, g) => n + g.cents, 0),
      montant_verse_centimes: Number(sent[0]!.cents),
      menages_aides: 6,
      delai_median_decision_jours: median([...granted.map((g) => days(g.submittedDay, g.decidedDay)), 1, 1]),
      delai_median_premier_versement_jours: median(granted.map((g) => days(g.decidedDay, '2026-11-25'))),
      missions_ouvertes: 0,
      missions_terminees: 0,
      heures_accompagnement: 0,
    });
    expect(cell.montant_verse_centimes).toBe(cell.montant_accorde_centimes);
  });

  it('hides every figure of a cell with fewer than 5 households (secret: true), and places Corsica and overseas by their départements', async () => {
    const records = await reporting.indicators('2026-11');
    for (const dept of ['2A', '2B', '974']) {
      const cell = byId(records, `R-202611-A-AQ-${sirenB}-${dept}`);
      expect(cell.secret).toBe(true);
      expect(Object.entries(cell).filter(([, v]) => v !== null)).toEqual([
        ['id', cell.id],
        ['mois', '2026-11'],
        ['nature', 'aide'],
        ['code', 'AQ'],
        ['bailleur_siren', sirenB],
        ['departement', dept],
        ['secret', true],
      ]);
    }
    expect(records.filter((r) => r.bailleur_siren === sirenB).map((r) => r.departement)).toEqual(['2A', '2B', '974']);
  });

  it('counts support missions by mission type: opened (accepted), completed, hours of sessions held in the month', async () => {
    const records = await reporting.indicators('2026-11');
    const minutes = await t.ctx
      .knex('mission_sessions')
      .where('held_on', '>=', '2026-11-01')
      .where('held_on', '<', '2026-12-01')
      .sum<Array<{ m: string }>>('duration_minutes as m');
    expect(byId(records, `R-202611-M-DIAG-${sirenA}-69`)).toMatchObject({
      nature: 'accompagnement',
      secret: false,
      demandes_recues: 0,
      missions_ouvertes: 5,
      missions_terminees: 1,
      menages_aides: 5,
      heures_accompagnement: Number(minutes[0]!.m) / 60,
      delai_median_decision_jours: null,
    });
  });

  it('gives records that all respect the published schema, and an October holding only what happened in October', async () => {
    const november = await reporting.indicators('2026-11');
    expect(november.length).toBe(5);
    for (const record of november) expect(schemaProblem('reporting', record)).toBeNull();
    const october = await reporting.indicators('2026-10');
    expect(october.map((r) => [r.id, r.secret])).toEqual([[`R-202610-A-AQ-${sirenA}-69`, true]]);
  });
});

describe('the monthly file', () => {
  it('is made once for the month, delivered to the funder’s depot with a true manifest; a forced re-run has a new name and the same ids', async () => {
    const depot = path.join(funderDir, 'depot');
    const first = await reporting.sendMonth();
    expect(first).toMatchObject({ month: '2026-11', status: 'prepare', records: 5, secret: 3 });
    expect(first.file).toMatch(/^ENTRAIDE_REPORTING_20261130_\d{6}\.jsonl$/);
    expect(first.deliveries).toContainEqual({ file: first.file, status: 'depose', problem: null });
    const data = fs.readFileSync(path.join(depot, first.file));
    const manifestBytes = fs.readFileSync(path.join(depot, `${first.file}.manifest.json`));
    expect(manifestProblem(manifestBytes, data, { fileName: first.file, flow: 'REPORTING', sender: 'ENTRAIDE' })).toBeNull();
    const lines = parseJsonLines(data).map((l) => ('value' in l ? (l.value as ReportingRecord) : null));
    expect(lines).toEqual(await reporting.indicators('2026-11'));
    const manifest = JSON.parse(manifestBytes.toString('utf8')) as { periode_debut: string; periode_fin: string; totaux: Record<string, number> };
    expect(manifest).toMatchObject({ periode_debut: '2026-11-01', periode_fin: '2026-11-30' });
    const published = lines.filter((r) => r && !r.secret) as ReportingRecord[];
    expect(manifest.totaux).toEqual({
      demandes_recues: published.reduce((n, r) => n + (r.demandes_recues ?? 0), 0),
      demandes_decidees: 8,
      accords: 6,
      refus: 1,
      ajournements: 1,
      montant_accorde_centimes: published.reduce((n, r) => n + (r.montant_accorde_centimes ?? 0), 0),
      montant_verse_centimes: published.reduce((n, r) => n + (r.montant_verse_centimes ?? 0), 0),
      missions_ouvertes: 5,
      missions_terminees: 1,
      enregistrements_secrets: 3,
    });
    expect(manifest.totaux.demandes_recues).toBe(9);

    const filesOfMonth = () => t.ctx.knex('funder_files').where({ flow: 'REPORTING', period_start: '2026-11-01' }).count<Array<{ n: string }>>('* as n');
    expect(await reporting.sendMonth('2026-11')).toMatchObject({ status: 'deja_envoye', file: first.file, prepared: null });
    expect(Number((await filesOfMonth())[0]!.n)).toBe(1);

    const rerun = await reporting.sendMonth('2026-11', { force: true });
    expect(rerun.status).toBe('prepare');
    expect(rerun.file).not.toBe(first.file);
    const again = parseJsonLines(fs.readFileSync(path.join(depot, rerun.file))).map((l) => ('value' in l ? (l.value as ReportingRecord).id : null));
    expect(again).toEqual(lines.map((r) => r?.id));
    expect(Number((await filesOfMonth())[0]!.n)).toBe(2);
  });

  it(`makes one file when two runs ask for the same month at once (${onPostgres() ? 'PostgreSQL: the advisory lock' : 'PGlite: one connection'})`, async () => {
    const outcomes = await Promise.all([reporting.sendMonth('2026-10'), reporting.sendMonth('2026-10')]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['deja_envoye', 'prepare']);
    expect(outcomes[0].file).toBe(outcomes[1].file);
    const files = await t.ctx.knex('funder_files').where({ flow: 'REPORTING', period_start: '2026-10-01' }).count<Array<{ n: string }>>('* as n');
    expect(Number(files[0]!.n)).toBe(1);
  });

  it('refuses a month not over yet', async () => {
    await expect(reporting.sendMonth('2026-12')).rejects.toThrow(/n’est pas terminé/);
    await expect(reporting.sendMonth('2026-13')).rejects.toThrow(/mois invalide/);
  });
});

describe('a month without activity', () => {
  it('sends no file and uses no sequence number (an empty file is never stored)', async () => {
    const files = async () => Number((await t.ctx.knex('funder_files').where({ flow: 'REPORTING' }).count<{ n: string }[]>({ n: '*' }))[0]!.n);
    const before = await files();
    const sent = await reporting.sendMonth('2025-03');
    expect(sent).toMatchObject({ status: 'vide', file: '', records: 0, prepared: null });
    expect(await files()).toBe(before);
  });
});

describe('the spreadsheet', () => {
  it('has French headers, the same figures, and « secret » where the file has null', async () => {
    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await reporting.xlsx('2026-11')) as never);
    const sheet = book.worksheets[0] as ExcelJS.Worksheet;
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    expect(header.slice(0, 9)).toEqual([
      'Identifiant',
      'Mois',
      'Nature',
      'Code de l’aide ou de l’accompagnement',
      'SIREN du bailleur',
      'Département',
      'Secret statistique',
      'Demandes reçues',
      'Demandes décidées',
    ]);
    const rows = new Map<string, unknown[]>();
    sheet.eachRow((row, n) => {
      if (n > 1) rows.set(String(row.getCell(1).value), (row.values as unknown[]).slice(1));
    });
    const records = await reporting.indicators('2026-11');
    expect(rows.size).toBe(records.length);
    const large = rows.get(`R-202611-A-AQ-${sirenA}-69`) as unknown[];
    const record = byId(records, `R-202611-A-AQ-${sirenA}-69`);
    expect(large.slice(2, 15)).toEqual([
      'Aide',
      'AQ',
      sirenA,
      '69',
      'non',
      9,
      8,
      6,
      1,
      1,
      (record.montant_accorde_centimes ?? 0) / 100,
      (record.montant_verse_centimes ?? 0) / 100,
      6,
    ]);
    const secret = rows.get(`R-202611-A-AQ-${sirenB}-2A`) as unknown[];
    expect(secret.slice(6)).toEqual(['oui', ...Array<string>(13).fill('secret')]);
  });
});

describe('a record the funder rejected, sent again after a correction', () => {
  const LARGE = () => `R-202611-A-AQ-${sirenA}-69`;
  const REUNION = () => `R-202611-A-AQ-${sirenB}-974`;
  /** The funder rejects records of the file that last carried them (folder transport: its `retour`). */
  async function rejectOnFunderSide(...recordIds: string[]): Promise<string[]> {
    const rows = await t.ctx
      .knex('funder_records as r')
      .join('funder_files as f', 'f.id', 'r.file_id')
      .where({ 'r.flow': 'REPORTING' })
      .whereIn('r.record_id', recordIds)
      .orderBy('r.record_id')
      .select('r.id', 'r.record_id', 'f.name');
    const row = rows[0];
    expect(rows.map((r: { name: string }) => r.name)).toEqual(recordIds.map(() => row.name));
    const ids = parseJsonLines(fs.readFileSync(path.join(funderDir, 'depot', row.name as string))).map((l) => ('value' in l ? String(l.value.id) : ''));
    const lines = [
      { fichier: row.name, statut: 'recu', recu_le: '2026-12-03T08:00:00+01:00' },
      ...ids.map((id) =>
        recordIds.includes(id)
          ? { id, statut: 'rejete', code: 'AUTRE', message: 'un ménage est compté dans le mauvais département' }
          : { id, statut: 'accepte' },
      ),
    ];
    fs.writeFileSync(path.join(funderDir, 'retour', `ACK_${row.name as string}`), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    await t.ctx.services.funderAcknowledgements.run();
    const statuses = await t.ctx
      .knex('funder_records')
      .whereIn(
        'id',
        rows.map((r: { id: string }) => r.id),
      )
      .pluck('status');
    expect(statuses).toEqual(recordIds.map(() => 'rejete'));
    return recordIds.map((recordId) => (rows as Array<{ id: string; record_id: string }>).find((r) => r.record_id === recordId)!.id);
  }
  let reunionId: string;
  const admin = () => actorOf(t.ctx.knex, t.world.users.admin.id);

  it('leaves again under the same id with the cell’s figures as they are after the correction, the change in the audit trail', async () => {
    fs.mkdirSync(path.join(funderDir, 'retour'), { recursive: true });
    const before = byId(await reporting.indicators('2026-11'), LARGE());
    const ids = await rejectOnFunderSide(LARGE(), REUNION());
    const id = ids[0]!;
    reunionId = ids[1]!;
    // the correction: the refused request's household lives in Isère, not in the Rhône
    const refusedHousehold = await t.ctx.knex('aid_requests').where({ id: largeCell[6] }).first('household_id');
    await t.ctx.knex('households').where({ id: refusedHousehold.household_id }).update({ postcode: '38000' });

    expect(await t.ctx.services.funderExchanges.resend(await admin(), id)).toEqual({ recordId: LARGE(), flow: 'REPORTING', rebuilt: true });
    const waiting = await t.ctx.knex('funder_records').where({ id }).first('status', 'payload');
    expect(waiting.status).toBe('a_envoyer');
    expect(waiting.payload).toMatchObject({
      id: LARGE(),
      demandes_recues: before.demandes_recues! - 1,
      refus: 0,
      demandes_decidees: before.demandes_decidees! - 1,
    });
    expect(schemaProblem('reporting', waiting.payload)).toBeNull();
    const audit = await t.ctx.knex('audit_events').where({ entity_type: 'funder_record', entity_id: id, action: 'resend' }).first('before', 'after');
    expect(audit.before.payload).toMatchObject({ demandes_recues: before.demandes_recues });
    expect(audit.after).toMatchObject({ rebuilt: true, payload: { demandes_recues: before.demandes_recues! - 1 } });

    // the next daily run carries it, rebuilt, under its id
    const run = await t.ctx.services.funderFollowUp.send();
    const file = run.files.find((f) => f.flow === 'REPORTING');
    expect(file).toBeDefined();
    const sent = parseJsonLines(fs.readFileSync(path.join(funderDir, 'depot', file!.file))).map((l) => ('value' in l ? l.value : {}));
    expect(sent).toEqual([waiting.payload]);
  });

  it('refuses, in French and changing nothing, a record whose cell no longer exists after the correction', async () => {
    const id = reunionId;
    await t.ctx
      .knex('households')
      .whereIn('id', t.ctx.knex('aid_requests').where({ organisation_id: t.world.landlordB.id }).select('household_id'))
      .where({ postcode: '97411' })
      .update({ postcode: '20090' });
    await expect(t.ctx.services.funderExchanges.resend(await admin(), id)).rejects.toThrow(
      /ne peut pas repartir sous le même identifiant.*funder:reporting --month 2026-11 --force/,
    );
    expect(await t.ctx.knex('funder_records').where({ id }).first('status')).toEqual({ status: 'rejete' });
    expect(await t.ctx.knex('audit_events').where({ entity_type: 'funder_record', entity_id: id, action: 'resend' })).toEqual([]);
  });
});
