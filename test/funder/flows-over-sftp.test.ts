import fs from 'node:fs';
import path from 'node:path';
import { parseJsonLines } from '../../src/funder/formats/jsonl';
import { manifestProblem } from '../../src/funder/formats/manifest';
import { type Flow, parseDataFileName } from '../../src/funder/formats/names';
import { schemaProblem } from '../../src/funder/formats/schemas';
import { sepaBatches } from '../../src/jobs/definitions/sepa-batches';
import { insertHousehold } from '../factories/household';
import { missionSetup, missionVersion } from '../factories/mission';
import { actorOf, grantedRequest, paymentSetup } from '../factories/payment';
import { orientationRecord, readAcknowledgement, writeOrientations } from '../support/funder-side';
import { sftpEnv, startSftpServer, type TestSftpServer } from '../support/sftp-server';
import { useWorld } from '../support/world';

/**
 * The five flows end to end over the funder's real SFTP server (issue 15), as production runs them:
 * the scheduled jobs, the clock at the hour each one runs. October's orientations come in and are
 * acknowledged; a request and a mission born of one live their month; then every outbound flow
 * deposits its files — each record valid against its schema, each manifest true — the funder
 * acknowledges them, and the next quarter-hourly run applies the acknowledgements. A server that
 * drops every connection leaves the files « préparé »; the next run deposits them, once.
 */
let server: TestSftpServer;
const env: Record<string, string> = {};
beforeAll(async () => {
  server = await startSftpServer();
  Object.assign(env, sftpEnv(server));
});
const t = useWorld(env);
afterAll(() => server.close());

const SCHEMA: Record<Exclude<Flow, 'ORIENTATIONS'>, 'suivi' | 'facturation' | 'ecritures' | 'reporting'> = {
  SUIVI: 'suivi',
  FACTURATION: 'facturation',
  ECRITURES: 'ecritures',
  REPORTING: 'reporting',
};
const at = (iso: string) => t.ctx.clock.set(new Date(iso));
const run = async (job: string) => {
  const outcome = await t.ctx.services.runJob(job, { userId: null, label: 'Planificateur' });
  expect(outcome).toMatchObject({ status: 'succeeded' });
  return outcome as { counts: Record<string, number> };
};
const depot = () => fs.readdirSync(path.join(server.root, 'depot')).sort();
const depotFile = (name: string) => fs.readFileSync(path.join(server.root, 'depot', name));
const dataFiles = (flow: Flow) => depot().filter((n) => n.startsWith(`ENTRAIDE_${flow}_`) && n.endsWith('.jsonl'));
/** The funder acknowledges one of our files: every record accepted but those given. */
function acknowledge(name: string, rejected: Record<string, { code: string; message: string }> = {}): void {
  const ids = parseJsonLines(depotFile(name)).map((l) => ('value' in l ? String(l.value.id) : ''));
  const lines = [
    { fichier: name, statut: 'recu', recu_le: '2026-11-04T07:00:00+01:00' },
    ...ids.map((id) => (rejected[id] ? { id, statut: 'rejete', ...rejected[id] } : { id, statut: 'accepte' })),
  ];
  fs.writeFileSync(path.join(server.root, 'retour', `ACK_${name}`), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
}

let siren: string;
let asd: string;
beforeAll(async () => {
  siren = (await t.ctx.knex('organisations').where({ id: t.world.landlordA.id }).first('siren')).siren as string;
});

describe('the five flows over SFTP', () => {
  it('ORIENTATIONS in: reads the funder’s file from its server and writes the acknowledgement back there, record by record', async () => {
    at('2026-10-05T07:15:00Z');
    const dated = { date_orientation: '2026-10-02', consentement: { date: '2026-10-01', mode: 'electronique', reference_preuve: 'CONS-1001' } };
    const name = writeOrientations(server.root, 1, [orientationRecord('SF-1', siren, dated), orientationRecord('SF-2', '552100554', dated)]);
    const outcome = await run('funder-orientations');
    expect(outcome.counts).toMatchObject({ files: 1, accepted: 1, rejected: 1 });
    expect(readAcknowledgement(server.root, name).map((l) => [l.fichier ?? l.id, l.statut, l.code])).toEqual([
      [name, 'recu', undefined],
      ['SF-1', 'accepte', undefined],
      ['SF-2', 'rejete', 'INCONNU'],
    ]);
    const orientation = await t.ctx.knex('funder_orientations').where({ record_id: 'SF-1' }).first();
    expect(orientation).toMatchObject({ status: 'a_traiter' });
    asd = orientation.orientation_asd as string;
    // read once: the next quarter of an hour finds nothing new
    t.ctx.clock.advanceMinutes(15);
    expect((await run('funder-orientations')).counts).toMatchObject({ files: 0 });
  });

  it('SUIVI, FACTURATION, ECRITURES, REPORTING out: each deposited on the server, every record valid, every manifest true', async () => {
    // October: a request and a mission born of the orientation, the request granted and paid, the mission held and closed
    at('2026-10-06T08:00:00Z');
    const { aqId } = await paymentSetup(t.ctx.services, t.ctx.knex, t.world);
    const setup = await missionSetup(t.ctx.services, t.ctx.knex, t.world);
    await grantedRequest(t.ctx.services, t.ctx.knex, t.world, {
      aqId,
      householdId: (await insertHousehold(t.ctx.knex, t.world.landlordA.id)).id,
      amountCents: 45000,
      instalments: 1,
      firstDueDate: '2026-10-14',
      orientationAsd: asd,
    });
    at('2026-10-14T20:00:00Z');
    await t.ctx.services.jobs.run(sepaBatches, t.ctx.services, 'Planificateur', '2026-10-14');
    const batch = await t.ctx.knex('payment_batches').where({ status: 'generated' }).orderBy('number', 'desc').first();
    const accountant = await actorOf(t.ctx.knex, t.world.users.accountant.id);
    await t.ctx.services.batches.approve(accountant, batch.id, batch.version);
    await t.ctx.services.batches.transmit(accountant, batch.id, batch.version + 1);

    at('2026-10-20T09:00:00Z');
    const operator = await actorOf(t.ctx.knex, t.world.users.operator.id);
    const adviser = await actorOf(t.ctx.knex, t.world.users.social_adviser.id);
    const missions = t.ctx.services.missions;
    const missionId = await missions.order(
      operator,
      { householdId: setup.householdA, missionTypeId: setup.types.budget, reason: 'Retards de loyer répétés', adviserId: t.world.users.social_adviser.id },
      { orientationAsd: asd },
    );
    await missions.accept(adviser, missionId, await missionVersion(t.ctx.knex, missionId), {
      consentDate: '2026-10-20',
      consentMethod: 'in_person',
      objectives: [{ category: 'budget', text: 'Établir un budget mensuel' }],
    });
    await missions.recordSession(adviser, missionId, {
      heldOn: '2026-10-20',
      durationMinutes: 90,
      kind: 'office',
      participants: 'Léa Durand',
      summary: 'Point budget.',
    });
    await missions.complete(adviser, missionId, await missionVersion(t.ctx.knex, missionId), { results: { 1: 'reached' }, outcome: 'Budget tenu.' });

    // November: the accountant closes October; each job at its hour
    at('2026-11-02T04:00:00Z');
    await t.ctx.services.accounting.closePeriod(accountant, '2026-10');
    at('2026-11-02T05:00:00Z'); // 06:00 Paris
    expect((await run('funder-followup')).counts).toMatchObject({ files: 1, delivered: 1 });
    expect((await run('funder-billing')).counts).toMatchObject({ invoices: 1, delivered: 1 });
    at('2026-11-02T05:30:00Z');
    expect((await run('funder-ledger')).counts).toMatchObject({ files: 1, delivered: 1 });
    at('2026-11-03T05:00:00Z');
    expect((await run('funder-reporting')).counts).toMatchObject({ files: 1, delivered: 1 });

    for (const flow of ['SUIVI', 'FACTURATION', 'ECRITURES', 'REPORTING'] as const) {
      const [name, ...more] = dataFiles(flow);
      expect([flow, name, more]).toEqual([flow, expect.stringMatching(new RegExp(`^ENTRAIDE_${flow}_\\d{8}_000001\\.jsonl$`)), []]);
      const data = depotFile(name!);
      expect(manifestProblem(depotFile(`${name!}.manifest.json`), data, { fileName: name!, flow, sender: 'ENTRAIDE' })).toBeNull();
      const lines = parseJsonLines(data);
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect([flow, 'value' in line && schemaProblem(SCHEMA[flow], line.value)]).toEqual([flow, null]);
      expect(parseDataFileName(name!)).toMatchObject({ sender: 'ENTRAIDE', flow });
      expect(await t.ctx.knex('funder_files').where({ name }).first('status')).toEqual({ status: 'depose' });
    }
    // SUIVI tells the orientation's story: received, then the request's and the mission's steps
    const suivi = parseJsonLines(depotFile(dataFiles('SUIVI')[0]!)).map((l) => ('value' in l ? l.value : {}));
    expect(suivi.every((e) => e.orientation_asd === asd)).toBe(true);
    expect(suivi.map((e) => e.evenement)).toEqual([
      'orientation_recue',
      'decision_accord',
      'paiement_emis',
      'accompagnement_accepte',
      'accompagnement_seance',
      'accompagnement_termine',
    ]);
  });

  it('applies the funder’s acknowledgements read from its server: accepted files, and a rejected record waiting for a person', async () => {
    const suiviName = dataFiles('SUIVI')[0]!;
    const firstEvent = parseJsonLines(depotFile(suiviName)).map((l) => ('value' in l ? String(l.value.id) : ''))[0]!;
    acknowledge(suiviName, { [firstEvent]: { code: 'ETAT', message: 'événement impossible dans l’état du dossier' } });
    for (const flow of ['FACTURATION', 'ECRITURES', 'REPORTING'] as const) acknowledge(dataFiles(flow)[0]!);
    at('2026-11-04T06:00:00Z');
    expect((await run('funder-orientations')).counts).toMatchObject({ acknowledgements: 4 });
    const files = await t.ctx.knex('funder_files').where({ direction: 'out' }).orderBy('flow').select('flow', 'status', 'rejected');
    expect(files).toEqual([
      { flow: 'ECRITURES', status: 'accuse', rejected: 0 },
      { flow: 'FACTURATION', status: 'accuse', rejected: 0 },
      { flow: 'REPORTING', status: 'accuse', rejected: 0 },
      { flow: 'SUIVI', status: 'rejete_en_partie', rejected: 1 },
    ]);
    expect(await t.ctx.knex('funder_records').where({ status: 'rejete' }).select('record_id', 'code')).toEqual([{ record_id: firstEvent, code: 'ETAT' }]);
  });

  it('leaves the files « préparé » while the server drops every connection, then deposits them once at the next run', async () => {
    // a person puts the rejected record back; the server is down at 06:00
    const rejected = await t.ctx.knex('funder_records').where({ status: 'rejete' }).first('id', 'record_id');
    const admin = await actorOf(t.ctx.knex, t.world.users.admin.id);
    await t.ctx.services.funderExchanges.resend(admin, rejected.id as string);
    at('2026-11-05T05:00:00Z');
    server.failNext(1_000);
    expect((await run('funder-followup')).counts).toMatchObject({ files: 1, delivered: 0, undelivered: 1 });
    expect(dataFiles('SUIVI')).toHaveLength(1);
    const waiting = await t.ctx.knex('funder_files').where({ flow: 'SUIVI', sequence: 2 }).first('name', 'status');
    expect(waiting.status).toMatch(/^(prepare|en_echec)$/);

    server.failNext(0);
    at('2026-11-05T05:15:00Z');
    expect((await run('funder-orientations')).counts).toMatchObject({ delivered: 1, undelivered: 0 });
    expect(dataFiles('SUIVI')).toEqual([dataFiles('SUIVI')[0], waiting.name]);
    // the record left again under its id
    expect(parseJsonLines(depotFile(waiting.name as string)).map((l) => ('value' in l ? l.value.id : null))).toEqual([rejected.record_id]);
    expect(
      manifestProblem(depotFile(`${waiting.name as string}.manifest.json`), depotFile(waiting.name as string), {
        fileName: waiting.name as string,
        flow: 'SUIVI',
        sender: 'ENTRAIDE',
      }),
    ).toBeNull();
    // nothing twice: the next quarter of an hour deposits nothing
    at('2026-11-05T05:30:00Z');
    expect((await run('funder-orientations')).counts).toMatchObject({ delivered: 0, undelivered: 0 });
  });
});
