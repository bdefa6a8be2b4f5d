import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseJsonLines } from '../../src/funder/formats/jsonl';
import { manifestProblem } from '../../src/funder/formats/manifest';
import { schemaProblem } from '../../src/funder/formats/schemas';
import { FunderRecordRepository } from '../../src/funder/outbound/records-repository';
import { sepaBatches } from '../../src/jobs/definitions/sepa-batches';
import { insertHousehold } from '../factories/household';
import { missionSetup, missionVersion } from '../factories/mission';
import { actorOf, grantedRequest, paymentSetup } from '../factories/payment';
import { insertRequest } from '../factories/request';
import { orientationRecord, writeOrientations } from '../support/funder-side';
import { onPostgres } from '../support/database';
import { useWorld } from '../support/world';

/**
 * `SUIVI` out (issue 15): every event of a dossier tied to an ASD orientation is written to the
 * outbox in the transaction of the business change, and leaves once in the next daily file —
 * valid against suivi.v1, no free text; a dossier without orientation tells the funder nothing.
 */
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'entraide-suivi-'));
const t = useWorld({ FUNDER_DIR: root });
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

let aqId: string;
let siren: string;
beforeAll(async () => {
  ({ aqId } = await paymentSetup(t.ctx.services, t.ctx.knex, t.world));
  siren = (await t.ctx.knex('organisations').where({ id: t.world.landlordA.id }).first('siren')).siren as string;
});

const outbox = () => t.ctx.knex('funder_records').where({ flow: 'SUIVI' }).orderBy('created_at').orderBy('record_id');
const eventsOf = async (asd: string) =>
  (await t.ctx.knex('funder_records').where({ flow: 'SUIVI', orientation_asd: asd }).orderBy('position')).map(
    (r: { payload: Record<string, unknown> }) => r.payload,
  );
const depotFile = (name: string) => fs.readFileSync(path.join(root, 'depot', name));

describe('the SUIVI outbox', () => {
  it('writes the orientation received and closed, with the reason code', async () => {
    writeOrientations(root, 1, [orientationRecord('SU-1', siren)]);
    t.ctx.clock.advanceMinutes(15);
    await t.ctx.services.runJob('funder-orientations', { userId: null, label: 'Test' });
    const orientation = await t.ctx.knex('funder_orientations').where({ record_id: 'SU-1' }).first();
    const operator = await actorOf(t.ctx.knex, t.world.users.operator.id);
    t.ctx.clock.advanceMinutes(1);
    await t.ctx.services.orientationQueue.close(operator, orientation.id, { reason: 'injoignable', version: 1 });
    const events = await eventsOf(orientation.orientation_asd);
    expect(events.map((e) => [e.evenement, e.motif])).toEqual([
      ['orientation_recue', undefined],
      ['orientation_close', 'injoignable'],
    ]);
    for (const e of events) expect(schemaProblem('suivi', e)).toBeNull();
  });

  it('writes a decision and each payment of a request from an orientation, with amounts in cents', async () => {
    const asd = 'ASD-2026-700001';
    const householdId = (await insertHousehold(t.ctx.knex, t.world.landlordA.id)).id;
    t.ctx.clock.set(new Date('2026-10-14T08:00:00Z'));
    const requestId = await grantedRequest(t.ctx.services, t.ctx.knex, t.world, {
      aqId,
      householdId,
      amountCents: 60000,
      instalments: 2,
      firstDueDate: '2026-10-15',
      orientationAsd: asd,
    });
    await t.ctx.services.jobs.run(sepaBatches, t.ctx.services, 'Planificateur', '2026-10-14');
    const batch = await t.ctx.knex('payment_batches').where({ status: 'generated' }).orderBy('number', 'desc').first();
    const accountant = await actorOf(t.ctx.knex, t.world.users.accountant.id);
    await t.ctx.services.batches.approve(accountant, batch.id, batch.version);
    await t.ctx.services.batches.transmit(accountant, batch.id, batch.version + 1);
    const reference = (await t.ctx.knex('aid_requests').where({ id: requestId }).first('reference')).reference as string;
    expect(await eventsOf(asd)).toEqual([
      expect.objectContaining({ evenement: 'decision_accord', reference, aide: 'AQ', montant_centimes: 60000, echeances: 2 }),
      expect.objectContaining({ evenement: 'paiement_emis', reference, aide: 'AQ', montant_centimes: 30000, date_effet: '2026-10-14' }),
    ]);
    const sources = await t.ctx.knex('funder_records').where({ orientation_asd: asd }).distinct('source_type', 'source_id');
    expect(sources).toEqual([{ source_type: 'aid_request', source_id: requestId }]);
  });

  it('writes a refusal with its reason code, and nothing for a request without orientation', async () => {
    const before = (await outbox()).length;
    const householdId = (await insertHousehold(t.ctx.knex, t.world.landlordA.id)).id;
    const operator = await actorOf(t.ctx.knex, t.world.users.operator.id);
    const refuse = async (orientationAsd?: string) => {
      const id = await insertRequest(t.ctx.knex, {
        organisationId: t.world.landlordA.id,
        householdId,
        aidTypeId: aqId,
        createdBy: t.world.users.instructorA.id,
        status: 'in_review',
        assignedTo: t.world.users.operator.id,
        ...(orientationAsd ? { orientationAsd } : {}),
      });
      const version = Number((await t.ctx.knex('aid_requests').where({ id }).first('version')).version);
      await t.ctx.services.decisions.propose(operator, id, {
        kind: 'refuse',
        reasonCode: 'not_eligible',
        comment: 'Revenus au-dessus du plafond',
        version,
      } as never);
    };
    await refuse();
    expect((await outbox()).length).toBe(before);
    await refuse('ASD-2026-700002');
    const [refusal] = await eventsOf('ASD-2026-700002');
    expect(refusal).toMatchObject({ evenement: 'decision_refus', motif: 'not_eligible' });
    // the operator's comment (free text) never goes to the funder
    expect(JSON.stringify(refusal)).not.toContain('Revenus');
  });

  it('writes a mission’s acceptance, sessions and end with its objectives counted', async () => {
    t.ctx.clock.set(new Date('2026-11-25T09:00:00Z'));
    const setup = await missionSetup(t.ctx.services, t.ctx.knex, t.world);
    const asd = 'ASD-2026-700003';
    const operator = await actorOf(t.ctx.knex, t.world.users.operator.id);
    const adviser = await actorOf(t.ctx.knex, t.world.users.social_adviser.id);
    const missionId = await t.ctx.services.missions.order(
      operator,
      { householdId: setup.householdA, missionTypeId: setup.types.budget, reason: 'Orientation ASD', adviserId: t.world.users.social_adviser.id },
      { orientationAsd: asd },
    );
    await t.ctx.services.missions.accept(adviser, missionId, await missionVersion(t.ctx.knex, missionId), {
      consentDate: '2026-11-20',
      consentMethod: 'paper_signed',
      objectives: [
        { category: 'budget', text: 'Établir un budget mensuel' },
        { category: 'housing', text: 'Apurer la dette' },
      ],
    });
    await t.ctx.services.missions.recordSession(adviser, missionId, {
      heldOn: '2026-11-21',
      durationMinutes: 90,
      kind: 'home_visit',
      participants: 'Mme Lefèvre',
      summary: 'Point sur les dépenses de santé du ménage',
    });
    await t.ctx.services.missions.complete(adviser, missionId, await missionVersion(t.ctx.knex, missionId), {
      results: { 1: 'reached', 2: 'partly' },
      outcome: 'Budget tenu, dette en cours d’apurement',
    });
    const events = await eventsOf(asd);
    expect(events.map((e) => e.evenement)).toEqual(['accompagnement_accepte', 'accompagnement_seance', 'accompagnement_termine']);
    expect(events[1]).toMatchObject({ aide: 'BUDGET', duree_minutes: 90, date_effet: '2026-11-21' });
    expect(events[2]).toMatchObject({ objectifs_atteints: 1, objectifs_total: 2 });
    // the session's summary (social, here health-related) never goes to the funder
    expect(JSON.stringify(events)).not.toContain('santé');
    for (const e of events) expect(schemaProblem('suivi', e)).toBeNull();
  });
});

describe('the daily SUIVI file', () => {
  it('sends every waiting event once, valid against its schema, with a true manifest; a second run sends nothing', async () => {
    const waiting = await t.ctx.knex('funder_records').where({ flow: 'SUIVI', status: 'a_envoyer' }).orderBy('position');
    expect(waiting.length).toBe(8);
    t.ctx.clock.set(new Date('2026-12-02T05:00:00Z'));
    const outcome = await t.ctx.services.runJob('funder-followup', { userId: null, label: 'Test' });
    expect(outcome).toMatchObject({ status: 'succeeded', counts: { files: 1, events: waiting.length, refused: 0, delivered: 1 } });
    const file = await t.ctx.knex('funder_files').where({ flow: 'SUIVI', direction: 'out' }).orderBy('sequence', 'desc').first();
    expect(file.name).toMatch(/^ENTRAIDE_SUIVI_20261202_\d{6}\.jsonl$/);
    const data = depotFile(file.name);
    expect(manifestProblem(depotFile(`${file.name}.manifest.json`), data, { fileName: file.name, flow: 'SUIVI', sender: 'ENTRAIDE' })).toBeNull();
    const lines = parseJsonLines(data).map((l) => ('value' in l ? l.value : {}));
    expect(lines.map((l) => l.id)).toEqual(waiting.map((w: { record_id: string }) => w.record_id));
    for (const line of lines) expect(schemaProblem('suivi', line)).toBeNull();
    expect(await t.ctx.knex('funder_records').where({ flow: 'SUIVI', status: 'a_envoyer' })).toEqual([]);

    t.ctx.clock.set(new Date('2026-12-03T05:00:00Z'));
    expect(await t.ctx.services.funderFollowUp.send()).toMatchObject({ files: [], refused: 0 });
  });

  it('sets aside a record that breaks its schema, sends the others, and sends again under the same id a record put back after a rejection', async () => {
    const records = new FunderRecordRepository();
    const now = t.ctx.clock.now();
    await records.enqueue(
      t.ctx.knex,
      'SUIVI',
      { id: 'S-bad', orientation_asd: 'ASD-2026-700009', horodatage: now.toISOString(), evenement: 'decision_accord' },
      null,
      now,
    );
    await records.enqueue(
      t.ctx.knex,
      'SUIVI',
      { id: 'S-good', orientation_asd: 'ASD-2026-700009', horodatage: now.toISOString(), evenement: 'orientation_recue' },
      null,
      now,
    );
    // a record the funder rejected, put back by a person
    const sent = await t.ctx.knex('funder_records').where({ flow: 'SUIVI', status: 'envoye' }).first();
    await t.ctx.knex('funder_records').where({ id: sent.id }).update({ status: 'a_envoyer', code: 'INCONNU' });

    const run = await t.ctx.services.funderFollowUp.send();
    expect(run).toMatchObject({ refused: 1, files: [{ flow: 'SUIVI', records: 2 }] });
    expect(await t.ctx.knex('funder_records').where({ record_id: 'S-bad' }).first()).toMatchObject({
      status: 'rejete',
      code: 'SCHEMA',
      message: expect.stringContaining('refusé avant l’envoi : reference : champ obligatoire absent') as string,
    });
    const ids = parseJsonLines(depotFile(run.files[0]!.file)).map((l) => ('value' in l ? l.value.id : null));
    expect(ids.sort()).toEqual(['S-good', sent.record_id].sort());
    expect(await t.ctx.knex('funder_records').where({ id: sent.id }).first()).toMatchObject({
      status: 'envoye',
      sendings: 2,
      code: null,
      file_id: run.files[0]!.fileId,
    });
  });

  it(`sends each waiting event in one file only when two runs meet (${onPostgres() ? 'PostgreSQL: two runs at once, the advisory lock' : 'PGlite: one connection'})`, async () => {
    const records = new FunderRecordRepository();
    const now = t.ctx.clock.now();
    for (const n of [1, 2, 3])
      await records.enqueue(
        t.ctx.knex,
        'SUIVI',
        { id: `S-twice-${n}`, orientation_asd: 'ASD-2026-700010', horodatage: now.toISOString(), evenement: 'orientation_recue' },
        null,
        now,
      );
    const runs = await Promise.all([t.ctx.services.funderFollowUp.send(), t.ctx.services.funderFollowUp.send()]);
    const files = runs.flatMap((r) => r.files);
    expect(files.map((f) => f.records)).toEqual([3]);
    const rows = await t.ctx.knex('funder_records').whereLike('record_id', 'S-twice-%').select('status', 'sendings', 'file_id');
    expect(rows).toEqual(Array.from({ length: 3 }, () => ({ status: 'envoye', sendings: 1, file_id: files[0]!.fileId })));
    expect(fs.readdirSync(path.join(root, 'depot')).filter((n) => n === files[0]!.file)).toHaveLength(1);
  });
});
