import fs from 'node:fs';
import path from 'node:path';
import { toJsonLines } from '../src/funder/formats/jsonl';
import { buildManifest } from '../src/funder/formats/manifest';
import { acknowledgementName, dataFileName, manifestName } from '../src/funder/formats/names';
import { createFunderTransport } from '../src/funder/transport';
import type { FunderTransport } from '../src/funder/transport/transport';
import type { Services } from '../src/services';
import type { FakeClock } from '../src/shared/clock';
import { parisDate } from '../src/shared/dates';
import { demoActors, demoMoment } from './demo-support';

const SIREN_A = '412345670';
const SIREN_B = '523456788';
/** A valid SIREN of a landlord that is not a member of the association. */
const SIREN_NOT_MEMBER = '552100554';
const OPERATOR = 'operateur@asso.demo';
const ADVISER = 'conseiller@asso.demo';

type OrientationInput = { id: string; asd: string; orientedOn: string; person: Record<string, unknown>; siren: string; home: Record<string, unknown> };

/** An orientation record of the agreement (orientation.v1) as the funder's ASD service writes it. */
const orientation = (o: OrientationInput, extra: Record<string, unknown> = {}) => ({
  id: o.id,
  orientation_asd: o.asd,
  date_orientation: o.orientedOn,
  salarie: o.person,
  employeur: { raison_sociale: 'Transports Garnier SAS', siret: '73282932000074' },
  logement: { bailleur_siren: o.siren, ...o.home },
  besoins: ['impaye_loyer', 'accompagnement_budget'],
  cause: 'baisse_ressources',
  composition: { adultes: 1, enfants: 1 },
  consentement: { date: o.orientedOn, mode: 'electronique', reference_preuve: `CONS-${o.id}` },
  ...extra,
});

/**
 * The exchanges with Action Logement in the demo (docs/echanges), written to the funder's folders
 * of the folder transport as its system would, and lived through the services:
 * - last month, an orientation was received, taken into a support mission, and the SUIVI file of
 *   its first events was sent; the funder accepted one record and rejected the other (it waits on
 *   the « Échanges » page for a person) — the monthly flows (REPORTING, FACTURATION, ECRITURES) are
 *   left to their jobs: their content depends on the day the demo starts;
 * - today, `retour` holds a new ORIENTATIONS file of six records — two people known at their
 *   landlord, a new person, a person known at another landlord, a landlord that is not a member
 *   (rejected) and a record breaking the schema (rejected): the first run of `funder-orientations`
 *   fills the « Orientations ASD » queue.
 * Nothing is written with the SFTP transport (a real funder's server).
 */
export async function seedDemoFunder(services: Services, clock: FakeClock, now: Date): Promise<void> {
  const transportConfig = services.config.funder.transport;
  if (transportConfig.kind !== 'folder') return;
  setAsideEarlierDemo(transportConfig.dir, now);
  const funder = createFunderTransport(transportConfig);
  const at = demoMoment(clock, now);
  const actorFor = demoActors(services.knex);
  try {
    // last month: an orientation of Paulo Fernandes, taken into a budget mission
    at(36);
    const earlier = parisDate(clock.now());
    await sendOrientations(funder, 1, earlier, [
      orientation({
        id: 'ALS-DEMO-0001',
        asd: `ASD-${earlier.slice(0, 4)}-004201`,
        orientedOn: earlier,
        person: { civilite: 'M', nom: 'Fernandes', prenoms: 'Paulo', date_naissance: '1976-05-21', telephone: '06 12 34 56 78' },
        siren: SIREN_A,
        home: { reference_bail: 'A-2016-00342', adresse: '18 avenue Galline', code_postal: '69100', commune: 'Villeurbanne', loyer_centimes: 61200 },
      }),
    ]);
    await services.orientationIntake.run();
    const received = await services.knex('funder_orientations').where({ record_id: 'ALS-DEMO-0001' }).first();
    at(35);
    const operator = await actorFor(OPERATOR);
    const choices = await services.orientationFollowUp.choices(operator, received.id);
    const budget = choices.missionTypes.find((t) => t.text === 'Accompagnement budgétaire') ?? choices.missionTypes[0];
    if (choices.households[0] && budget) {
      const mission = await services.orientationFollowUp.start(operator, received.id, {
        version: received.version,
        householdId: choices.households[0].id,
        followUp: { kind: 'accompagnement', missionTypeId: budget.value, reason: choices.reason },
      });
      const adviser = await actorFor(ADVISER);
      await services.missions.assign(operator, mission.id, 1, adviser.userId);
      at(33);
      await services.missions.accept(adviser, mission.id, 2, {
        consentDate: parisDate(clock.now()),
        consentMethod: 'paper_signed',
        objectives: [
          { category: 'budget', text: 'Établir un budget mensuel et le tenir trois mois' },
          { category: 'housing', text: 'Reprendre le paiement du loyer courant' },
        ],
      });
    }
    // the next morning's SUIVI file; the funder accepts the orientation's receipt, rejects the mission's start
    at(32, -120);
    const suivi = await services.funderFollowUp.send();
    for (const file of suivi.files) {
      const lines = (await services.knex('funder_records').where({ file_id: file.fileId }).orderBy('created_at')).map(
        (r: { record_id: string; payload: { evenement: string } }) =>
          r.payload.evenement === 'accompagnement_accepte'
            ? {
                id: r.record_id,
                statut: 'rejete',
                code: 'ETAT',
                message: 'evenement : accompagnement déclaré avant le premier contact noté par le service ASD',
              }
            : { id: r.record_id, statut: 'accepte' },
      );
      await acknowledge(funder, file.file, clock.now(), lines);
    }
    clock.set(now);
    await services.funderAcknowledgements.run();

    // today's orientations, waiting in `retour` for the first run of funder-orientations
    const today = parisDate(now);
    const year = today.slice(0, 4);
    const home = (reference: string, adresse: string, code_postal: string, commune: string) => ({
      reference_bail: reference,
      adresse,
      code_postal,
      commune,
      loyer_centimes: 58900,
    });
    await sendOrientations(funder, 2, today, [
      orientation({
        id: 'ALS-DEMO-0002',
        asd: `ASD-${year}-004310`,
        orientedOn: today,
        person: { civilite: 'M', nom: 'Haddad', prenoms: 'Karim', date_naissance: '1979-11-20', courriel: 'karim.haddad@exemple.fr' },
        siren: SIREN_A,
        home: home('A-2021-01288', '3 allée des Érables', '69100', 'Villeurbanne'),
      }),
      orientation(
        {
          id: 'ALS-DEMO-0003',
          asd: `ASD-${year}-004311`,
          orientedOn: today,
          person: { civilite: 'M', nom: 'Moreau', prenoms: 'Julien', date_naissance: '1988-10-30' },
          siren: SIREN_A,
          home: home('A-2020-00918', '41 cours Gambetta', '69007', 'Lyon'),
        },
        { besoins: ['energie'], cause: 'perte_emploi' },
      ),
      orientation(
        {
          id: 'ALS-DEMO-0004',
          asd: `ASD-${year}-004312`,
          orientedOn: today,
          person: { civilite: 'M', nom: 'Morel', prenoms: 'Yanis', date_naissance: '1991-06-15', telephone: '07 61 22 40 18' },
          siren: SIREN_B,
          home: home('B-2025-01102', '22 rue Gambetta', '59000', 'Lille'),
        },
        { besoins: ['dette_locative', 'accompagnement_acces_droits'], cause: 'separation' },
      ),
      orientation({
        id: 'ALS-DEMO-0005',
        asd: `ASD-${year}-004313`,
        orientedOn: today,
        person: { civilite: 'MME', nom: 'Mercier', prenoms: 'Sandrine', date_naissance: '1981-11-25' },
        siren: SIREN_A,
        home: home('A-2025-02011', '7 rue Garibaldi', '69006', 'Lyon'),
      }),
      orientation({
        id: 'ALS-DEMO-0006',
        asd: `ASD-${year}-004314`,
        orientedOn: today,
        person: { civilite: 'MME', nom: 'Perrin', prenoms: 'Justine', date_naissance: '1985-02-02' },
        siren: SIREN_NOT_MEMBER,
        home: home('X-88', '1 place Bellecour', '69002', 'Lyon'),
      }),
      orientation(
        {
          id: 'ALS-DEMO-0007',
          asd: `ASD-${year}-004315`,
          orientedOn: today,
          person: { civilite: 'M', nom: 'Blanc', prenoms: 'Hugo', date_naissance: '1990-09-09' },
          siren: SIREN_B,
          home: home('B-2022-00456', '4 rue Nationale', '59000', 'Lille'),
        },
        // breaks the schema: an orientation states at least one need
        { besoins: [] },
      ),
    ]);
  } finally {
    await funder.close();
  }
}

/**
 * The folders an earlier demo left (its database since deleted) hold files whose names the new
 * demo would use again, with other record ids: they are moved aside, never deleted.
 */
function setAsideEarlierDemo(dir: string, now: Date): void {
  const used = ['depot', 'retour'].some((folder) => fs.existsSync(path.join(dir, folder)) && fs.readdirSync(path.join(dir, folder)).length > 0);
  if (used) fs.renameSync(dir, `${dir}.avant-${now.toISOString().replace(/[:.]/g, '-')}`);
}

/** Writes an ALS_ORIENTATIONS file and its manifest into `retour`, as the funder's system does (once: a name is never replaced). */
async function sendOrientations(funder: FunderTransport, sequence: number, day: string, records: object[]): Promise<void> {
  const name = dataFileName({ sender: 'ALS', flow: 'ORIENTATIONS', periodEnd: day, sequence });
  const present = new Set(await funder.list('retour'));
  if (present.has(name)) return;
  const data = toJsonLines(records);
  const manifest = buildManifest({
    fileName: name,
    flow: 'ORIENTATIONS',
    sender: 'ALS',
    periodStart: day,
    periodEnd: day,
    generatedAt: new Date(`${day}T07:00:00Z`).toISOString(),
    data,
  });
  await funder.put('retour', name, data);
  await funder.put('retour', manifestName(name), Buffer.from(JSON.stringify(manifest), 'utf8'));
}

/** The funder's acknowledgement of one of Entraide's files, in `retour`. */
async function acknowledge(funder: FunderTransport, file: string, at: Date, records: object[]): Promise<void> {
  const name = acknowledgementName(file);
  if ((await funder.list('retour')).includes(name)) return;
  await funder.put('retour', name, toJsonLines([{ fichier: file, statut: 'recu', recu_le: at.toISOString() }, ...records]));
}
