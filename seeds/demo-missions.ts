import type { Services } from '../src/services';
import type { FakeClock } from '../src/shared/clock';
import { parisDate, parisDateTime } from '../src/shared/dates';
import { addWorkingDays } from '../src/shared/working-days';
import type { AppointmentMode, ObjectiveCategory, ObjectiveResult, SessionKind } from '../src/missions/state-machine';
import { demoActors, demoMoment } from './demo-support';

/**
 * Demo support missions of both landlords in every status, run through the real services with a
 * moving clock: the adviser's week is filled (held and missed appointments this week, upcoming
 * ones over the next days, one overlap), reports and billing lines come from closed missions.
 */

const OP = 'operateur@asso.demo';
const ADMIN = 'admin@asso.demo';
const ADV = 'conseiller@asso.demo';
const ADMIN_A = 'admin@bailleur-a.demo';
const INS_A = 'instructeur@bailleur-a.demo';
const INS_B = 'instructeur@bailleur-b.demo';

const TYPES = [
  {
    code: 'DIAG',
    label: 'Diagnostic social',
    description: 'Évaluer la situation du ménage et orienter vers les dispositifs adaptés.',
    defaultMinutes: 240,
    billingMode: 'hourly' as const,
    rateCents: 4500,
  },
  {
    code: 'BUDGET',
    label: 'Accompagnement budgétaire',
    description: 'Construire un budget, prioriser les charges, prévenir les impayés.',
    defaultMinutes: 1200,
    billingMode: 'hourly' as const,
    rateCents: 4500,
  },
  {
    code: 'DOSSIER',
    label: 'Montage de dossiers (FSL, surendettement, CAF)',
    description: 'Constituer et suivre les dossiers de droits et d’aides avec le ménage.',
    defaultMinutes: 360,
    billingMode: 'flat' as const,
    rateCents: 25000,
  },
  {
    code: 'MEDIA',
    label: 'Médiation bailleur-locataire',
    description: 'Renouer le dialogue et convenir d’un plan d’apurement.',
    defaultMinutes: 180,
    billingMode: 'flat' as const,
    rateCents: 18000,
  },
];

type Step =
  | { do: 'order'; by: string; type: string; reason: string; linkAid?: string; assign?: boolean }
  | { do: 'assign'; by: string }
  | { do: 'accept'; objectives: Array<[ObjectiveCategory, string]> }
  | { do: 'decline'; reason: string }
  | { do: 'session'; minutes: number; kind: SessionKind; summary: string; privateNotes?: string; nextSteps?: string }
  /** an appointment `inDays` days from now (negative: this week, already held), scheduled when the step runs */
  | { do: 'appointment'; inDays: number; time: string; minutes: number; mode: AppointmentMode; email?: boolean; overlap?: boolean }
  | { do: 'outcome'; inDays: number; time: string; outcome: 'done' | 'no_show' }
  | { do: 'complete'; results: ObjectiveResult[]; outcome: string; recommendations?: string }
  | { do: 'interrupt'; reason: 'unreachable' | 'moved_out' | 'refused' | 'other'; comment?: string };

interface DemoMission {
  tenancy: string;
  steps: Array<[number, Step]>;
}

const MISSIONS: DemoMission[] = [
  // Bailleur A
  {
    tenancy: 'A-2021-01288',
    steps: [
      [
        40,
        {
          do: 'order',
          by: OP,
          type: 'BUDGET',
          reason: 'Perte d’emploi de Monsieur annoncée par le bailleur : accompagnement budgétaire proposé avant que les impayés ne s’installent.',
          assign: true,
        },
      ],
      [
        35,
        {
          do: 'accept',
          objectives: [
            ['budget', 'Établir un budget mensuel et le tenir trois mois'],
            ['rights', 'Ouvrir les droits CAF après la perte d’emploi'],
            ['housing', 'Ne plus créer de nouvel impayé'],
          ],
        },
      ],
      [
        34,
        {
          do: 'session',
          minutes: 90,
          kind: 'home_visit',
          summary: 'Premier entretien à domicile : budget reconstitué avec Monsieur et Madame, dépenses prioritaires identifiées.',
          privateNotes: 'Tensions dans le couple autour des dépenses ; à aborder avec tact.',
          nextSteps: 'Rassembler les relevés bancaires de trois mois.',
        },
      ],
      [
        20,
        {
          do: 'session',
          minutes: 60,
          kind: 'office',
          summary: 'Relevés analysés ; dossier CAF complété ensemble et déposé.',
          nextSteps: 'Suivre la réponse de la CAF.',
        },
      ],
      [10, { do: 'appointment', inDays: -3, time: '10:00', minutes: 60, mode: 'in_person', email: true }],
      [10, { do: 'appointment', inDays: 1, time: '10:00', minutes: 60, mode: 'in_person', email: true }],
      [0, { do: 'outcome', inDays: -3, time: '10:00', outcome: 'done' }],
      [
        0,
        {
          do: 'session',
          minutes: 55,
          kind: 'office',
          summary: 'Point sur le premier mois de budget : tenu à 90 %. Droits CAF ouverts.',
          nextSteps: 'Revoir le poste énergie au prochain rendez-vous.',
        },
      ],
    ],
  },
  {
    tenancy: 'A-2019-00417',
    steps: [
      [
        60,
        {
          do: 'order',
          by: ADMIN_A,
          type: 'DIAG',
          reason: 'Retards de loyer répétés depuis six mois sans explication ; la locataire accepte de rencontrer un travailleur social.',
        },
      ],
      [58, { do: 'assign', by: OP }],
      [
        55,
        {
          do: 'accept',
          objectives: [
            ['budget', 'Comprendre l’origine des retards de paiement'],
            ['rights', 'Vérifier l’accès aux droits (prime d’activité, CAF)'],
          ],
        },
      ],
      [
        54,
        {
          do: 'session',
          minutes: 120,
          kind: 'home_visit',
          summary: 'Diagnostic : date de versement du salaire postérieure à l’échéance du loyer ; prime d’activité jamais demandée.',
          privateNotes: 'Madame évoque un ex-conjoint qui ne verse pas la pension.',
        },
      ],
      [
        45,
        {
          do: 'session',
          minutes: 60,
          kind: 'phone',
          summary: 'Demande de prime d’activité faite en ligne ensemble ; report de l’échéance du loyer demandé au bailleur.',
        },
      ],
      [
        40,
        {
          do: 'complete',
          results: ['reached', 'partly'],
          outcome:
            'Les retards venaient du décalage entre la paie et l’échéance : le bailleur a accepté un prélèvement le 10. La prime d’activité est demandée, réponse attendue.',
          recommendations: 'Point à trois mois sur le respect des échéances.',
        },
      ],
    ],
  },
  {
    tenancy: 'A-2015-00051',
    steps: [
      [
        2,
        {
          do: 'order',
          by: ADMIN_A,
          type: 'MEDIA',
          reason: 'Madame Roche conteste la régularisation de charges ; une médiation aiderait à convenir d’un échéancier.',
        },
      ],
    ],
  },
  {
    tenancy: 'A-2012-00087',
    steps: [
      [25, { do: 'order', by: OP, type: 'DOSSIER', reason: 'Aide sur quittance refusée (retraitée) : proposer un dossier FSL avec elle.', assign: true }],
      [15, { do: 'decline', reason: 'Madame Bernard préfère faire la demande au FSL avec sa fille ; elle rappellera si besoin.' }],
    ],
  },
  {
    tenancy: 'A-2016-00342',
    steps: [
      [
        38,
        {
          do: 'order',
          by: OP,
          type: 'BUDGET',
          reason: 'Dette locative importante après une perte d’emploi ; accompagnement budgétaire proposé avec l’aide sur la dette.',
          linkAid: 'AD',
          assign: true,
        },
      ],
      [
        35,
        {
          do: 'accept',
          objectives: [
            ['budget', 'Réduire les dépenses d’énergie'],
            ['housing', 'Apurer la dette locative'],
          ],
        },
      ],
      [
        33,
        {
          do: 'session',
          minutes: 75,
          kind: 'home_visit',
          summary: 'Visite : chauffage d’appoint électrique énergivore ; conseils donnés, plan d’apurement esquissé.',
        },
      ],
      [12, { do: 'interrupt', reason: 'moved_out', comment: 'La famille a obtenu une mutation dans un logement plus petit d’un autre bailleur.' }],
    ],
  },
  {
    tenancy: 'A-2018-00733',
    steps: [
      [9, { do: 'order', by: INS_A, type: 'DIAG', reason: 'Madame Nguyen signale des difficultés depuis une baisse de ses heures de travail.', linkAid: 'AE' }],
      [8, { do: 'assign', by: OP }],
      [
        5,
        {
          do: 'accept',
          objectives: [
            ['employment', 'Étudier les droits liés à la baisse d’activité'],
            ['budget', 'Ajuster le budget aux nouveaux revenus'],
          ],
        },
      ],
      [5, { do: 'appointment', inDays: 2, time: '14:00', minutes: 90, mode: 'in_person', email: false }],
    ],
  },
  // Bailleur B
  {
    tenancy: 'B-2020-07731',
    steps: [
      [30, { do: 'order', by: OP, type: 'DOSSIER', reason: 'Premiers retards de loyer : constituer un dossier FSL avec le ménage.', assign: true }],
      [
        27,
        {
          do: 'accept',
          objectives: [
            ['rights', 'Déposer un dossier FSL complet'],
            ['housing', 'Reprendre le paiement du loyer courant'],
          ],
        },
      ],
      [26, { do: 'session', minutes: 60, kind: 'office', summary: 'Pièces du dossier FSL listées avec Monsieur Diallo.' }],
      [12, { do: 'appointment', inDays: -2, time: '09:30', minutes: 60, mode: 'in_person', email: true }],
      [12, { do: 'appointment', inDays: 3, time: '11:00', minutes: 45, mode: 'phone', email: true }],
      [0, { do: 'outcome', inDays: -2, time: '09:30', outcome: 'no_show' }],
    ],
  },
  {
    tenancy: 'B-2017-02205',
    steps: [
      [
        66,
        {
          do: 'order',
          by: OP,
          type: 'BUDGET',
          reason: 'Arrêt maladie long : revenus réduits, accompagnement budgétaire proposé avec l’aide sur quittance.',
          linkAid: 'AQ',
          assign: true,
        },
      ],
      [
        64,
        {
          do: 'accept',
          objectives: [
            ['budget', 'Adapter le budget aux indemnités journalières'],
            ['health', 'Faire valoir les droits à la complémentaire santé solidaire'],
          ],
        },
      ],
      [
        62,
        { do: 'session', minutes: 90, kind: 'home_visit', summary: 'Budget revu avec Madame Mercier ; demande de complémentaire santé solidaire préparée.' },
      ],
      [50, { do: 'session', minutes: 60, kind: 'video', summary: 'Suivi du budget : tenu. Complémentaire santé accordée.' }],
      [25, { do: 'session', minutes: 45, kind: 'phone', summary: 'Reprise du travail à mi-temps thérapeutique ; budget ajusté.' }],
      [
        10,
        {
          do: 'complete',
          results: ['reached', 'reached'],
          outcome: 'Budget stabilisé, aucun nouvel impayé depuis trois mois ; droits santé ouverts.',
          recommendations: 'Pas de suivi supplémentaire nécessaire.',
        },
      ],
    ],
  },
  {
    tenancy: 'B-2021-03118',
    steps: [
      [4, { do: 'order', by: OP, type: 'DOSSIER', reason: 'Suivre la mise en œuvre du plan de surendettement avec Monsieur Boulanger.', assign: true }],
      [4, { do: 'appointment', inDays: 5, time: '10:30', minutes: 60, mode: 'in_person', email: true }],
    ],
  },
  {
    tenancy: 'B-2019-04410',
    steps: [
      [6, { do: 'order', by: INS_B, type: 'MEDIA', reason: 'Désaccord sur un échéancier de régularisation de charges.' }],
      [5, { do: 'assign', by: OP }],
      [3, { do: 'accept', objectives: [['housing', 'Convenir d’un échéancier tenable avec le bailleur']] }],
      [3, { do: 'appointment', inDays: 4, time: '15:30', minutes: 60, mode: 'video', email: false }],
      [3, { do: 'appointment', inDays: 4, time: '16:00', minutes: 45, mode: 'phone', email: false, overlap: true }],
    ],
  },
  {
    tenancy: 'B-2024-00377',
    steps: [
      [20, { do: 'order', by: INS_B, type: 'DIAG', reason: 'Première demande d’aide : un diagnostic aiderait à voir la situation d’ensemble.' }],
      [19, { do: 'assign', by: OP }],
      [14, { do: 'decline', reason: 'Madame Dupuis ne souhaite pas d’accompagnement : sa situation se rétablit avec son nouvel emploi.' }],
    ],
  },
  {
    tenancy: 'B-2023-00912',
    steps: [
      [45, { do: 'order', by: OP, type: 'DIAG', reason: 'Hausse des charges répétée : diagnostic proposé.', assign: true }],
      [42, { do: 'accept', objectives: [['budget', 'Comprendre la hausse des charges']] }],
      [20, { do: 'interrupt', reason: 'unreachable', comment: 'Trois rendez-vous manqués, courriers sans réponse.' }],
    ],
  },
];

/**
 * The `inDays`-th working day from today (before it when negative): distinct counts are distinct
 * days whatever today is, so two demo appointments of different days never share a slot.
 */
function workingDay(now: Date, inDays: number): string {
  return addWorkingDays(parisDate(now), inDays);
}

export async function seedDemoMissions(services: Services, clock: FakeClock, now: Date): Promise<number> {
  const { knex, missions, appointments } = services;
  const actorFor = demoActors(knex);
  const at = demoMoment(clock, now);
  const admin = await actorFor(ADMIN);
  at(120);
  for (const t of TYPES) await missions.saveType(admin, null, { ...t, active: true });
  const typeIds = new Map((await missions.types()).map((t) => [t.code, t.id]));
  const adviser = await actorFor(ADV);
  const version = async (id: string) => Number((await knex('missions').where({ id }).first('version')).version);

  const timeline: Array<{ daysAgo: number; minutes: number; order: number; run: () => Promise<void> }> = [];
  for (const [order, m] of MISSIONS.entries()) {
    const state = { id: '' };
    for (const [index, [daysAgo, step]] of m.steps.entries()) timeline.push({ daysAgo, minutes: 30 + index * 41, order, run: () => runStep(m, state, step) });
  }
  timeline.sort((x, y) => y.daysAgo - x.daysAgo || x.minutes - y.minutes || x.order - y.order);
  for (const t of timeline) {
    at(t.daysAgo, t.minutes);
    if (t.daysAgo === 0) clock.set(now);
    await t.run();
  }
  clock.set(now);
  return MISSIONS.length;

  async function runStep(m: DemoMission, state: { id: string }, step: Step): Promise<void> {
    const household = await knex('households').where({ tenancy_reference: m.tenancy }).first('id');
    switch (step.do) {
      case 'order': {
        const requestId = step.linkAid
          ? ((
              await knex('aid_requests as r')
                .join('aid_types as t', 't.id', 'r.aid_type_id')
                .where({ 'r.household_id': household.id, 't.code': step.linkAid })
                .whereNotNull('r.reference')
                .first('r.id')
            )?.id as string | undefined)
          : undefined;
        state.id = await missions.order(await actorFor(step.by), {
          householdId: household.id,
          missionTypeId: typeIds.get(step.type) as string,
          reason: step.reason,
          requestId,
          adviserId: step.assign ? adviser.userId : undefined,
        });
        return;
      }
      case 'assign':
        return missions.assign(await actorFor(step.by), state.id, await version(state.id), adviser.userId);
      case 'accept':
        return missions.accept(adviser, state.id, await version(state.id), {
          consentDate: parisDate(clock.now()),
          consentMethod: 'in_person',
          objectives: step.objectives.map(([category, text]) => ({ category, text })),
        });
      case 'decline':
        return missions.decline(adviser, state.id, await version(state.id), step.reason);
      case 'session': {
        const holder = await knex('household_members as hm')
          .join('persons as p', 'p.id', 'hm.person_id')
          .where({ 'hm.household_id': household.id, 'hm.relationship': 'holder' })
          .first('p.first_names', 'p.last_name');
        return missions.recordSession(adviser, state.id, {
          heldOn: parisDate(clock.now()),
          durationMinutes: step.minutes,
          kind: step.kind,
          participants: `${holder.first_names} ${holder.last_name}`,
          summary: step.summary,
          privateNotes: step.privateNotes,
          nextSteps: step.nextSteps,
        });
      }
      case 'appointment': {
        const holder = await knex('household_members as hm')
          .join('persons as p', 'p.id', 'hm.person_id')
          .where({ 'hm.household_id': household.id, 'hm.relationship': 'holder' })
          .first('p.first_names', 'p.last_name', 'p.email');
        const name = `${holder.first_names} ${holder.last_name}`;
        const email = step.email
          ? (holder.email ??
            `${String(holder.first_names)
              .toLowerCase()
              .replace(/[^a-z]/g, '')}.${String(holder.last_name)
              .toLowerCase()
              .replace(/[^a-z]/g, '')}@exemple.fr`)
          : undefined;
        await appointments.schedule(adviser, state.id, {
          date: workingDay(now, step.inDays),
          time: step.time,
          durationMinutes: step.minutes,
          mode: step.mode,
          place:
            step.mode === 'in_person'
              ? 'Permanence de l’association, 21 quai d’Austerlitz, Paris 13e'
              : step.mode === 'phone'
                ? 'Appel au numéro du ménage'
                : 'Lien de visio envoyé la veille',
          contactName: name,
          contactEmail: email,
          acceptOverlap: step.overlap,
        });
        return;
      }
      case 'outcome': {
        const startsAt = parisDateTime(workingDay(now, step.inDays), step.time) as Date;
        const a = await knex('appointments').where({ mission_id: state.id, starts_at: startsAt }).first('id', 'version');
        return appointments.setOutcome(adviser, state.id, a.id, a.version, step.outcome);
      }
      case 'complete': {
        const results = Object.fromEntries(step.results.map((r, i) => [i + 1, r]));
        return missions.complete(adviser, state.id, await version(state.id), { results, outcome: step.outcome, recommendations: step.recommendations });
      }
      case 'interrupt':
        return missions.interrupt(adviser, state.id, await version(state.id), { reason: step.reason, comment: step.comment });
    }
  }
}
