import type { Services } from '../src/services';
import type { FakeClock } from '../src/shared/clock';
import { parisDate } from '../src/shared/dates';
import { DOCUMENT_KINDS } from '../src/aid-types/rules';
import type { SituationInput } from '../src/aid-requests/filing/schemas';
import { BANK, demoActors, demoMoment, demoPdf } from './demo-support';

/**
 * Demo requests of both landlords in every status, filed and instructed through the real services
 * (a moving clock dates each step), so that timelines, letters, mails, audit lines and payment
 * schedules are exactly what the extranet itself produces.
 */

type Step =
  | {
      do: 'file';
      situation?: Partial<Record<keyof SituationInput, string>>;
      amount: string;
      months?: string;
      payee: keyof typeof BANK;
      payeeKind?: 'landlord' | 'supplier';
      submit: boolean;
    }
  | { do: 'take'; by: string }
  | { do: 'ask'; by: string; text: string }
  | { do: 'answer'; text: string }
  | { do: 'message'; by: string; text: string }
  | { do: 'note'; by: string; text: string }
  | { do: 'grant'; by: string; amount: string; instalments: number; firstDueInDays: number }
  | { do: 'refuse'; by: string; reason: string; comment?: string }
  | { do: 'adjourn'; by: string; untilInDays: number; comment: string }
  | { do: 'validate'; by: string }
  | { do: 'withdraw' };

interface DemoRequest {
  tenancy: string;
  aid: 'AQ' | 'AE' | 'AD';
  instructor: string;
  /** Each step with how many days ago it happened. */
  steps: Array<[number, Step]>;
}

const OP = 'operateur@asso.demo';
const ADMIN = 'admin@asso.demo';
const INS_A = 'instructeur@bailleur-a.demo';
const INS_B = 'instructeur@bailleur-b.demo';

const REQUESTS: DemoRequest[] = [
  // Bailleur A
  {
    tenancy: 'A-2021-01288',
    aid: 'AQ',
    instructor: INS_A,
    steps: [
      [
        3,
        {
          do: 'file',
          situation: {
            arrears: '1 440',
            arrearsMonths: '2',
            cause: 'job_loss',
            causeComment: 'Licenciement économique en septembre, allocations chômage depuis octobre.',
          },
          amount: '1 800',
          months: '6',
          payee: 'a',
          submit: true,
        },
      ],
    ],
  },
  {
    tenancy: 'A-2015-00051',
    aid: 'AE',
    instructor: INS_A,
    steps: [[1, { do: 'file', situation: { cause: 'income_drop', chargesRegularisation: '1 240' }, amount: '450', payee: 'a', submit: false }]],
  },
  {
    tenancy: 'A-2019-00417',
    aid: 'AQ',
    instructor: INS_A,
    steps: [
      [20, { do: 'file', situation: { arrears: '820', arrearsMonths: '1', cause: 'illness' }, amount: '1 200', months: '4', payee: 'a', submit: true }],
      [18, { do: 'take', by: OP }],
      [10, { do: 'grant', by: OP, amount: '1 200', instalments: 4, firstDueInDays: 5 }],
    ],
  },
  {
    tenancy: 'A-2018-00733',
    aid: 'AE',
    instructor: INS_A,
    steps: [
      [12, { do: 'file', situation: { cause: 'income_drop', chargesIncrease: '140' }, amount: '380', payee: 'edf', payeeKind: 'supplier', submit: true }],
      [11, { do: 'take', by: OP }],
      [9, { do: 'ask', by: OP, text: 'Merci de joindre la dernière facture EDF et l’échéancier de régularisation des charges.' }],
    ],
  },
  {
    tenancy: 'A-2020-00918',
    aid: 'AQ',
    instructor: INS_A,
    steps: [
      [15, { do: 'file', situation: { arrears: '1 300', arrearsMonths: '2', cause: 'separation' }, amount: '2 400', months: '6', payee: 'a', submit: true }],
      [14, { do: 'take', by: OP }],
      [2, { do: 'note', by: OP, text: 'Situation vérifiée avec le bailleur par téléphone : reprise d’emploi prévue en mars.' }],
      [2, { do: 'grant', by: OP, amount: '2 400', instalments: 6, firstDueInDays: 13 }],
    ],
  },
  {
    tenancy: 'A-2016-00342',
    aid: 'AD',
    instructor: INS_A,
    steps: [
      [40, { do: 'file', situation: { arrears: '3 600', arrearsMonths: '5', cause: 'job_loss' }, amount: '3 200', payee: 'a', submit: true }],
      [38, { do: 'take', by: OP }],
      [31, { do: 'grant', by: OP, amount: '3 200', instalments: 1, firstDueInDays: 37 }],
      [30, { do: 'validate', by: ADMIN }],
    ],
  },
  {
    tenancy: 'A-2012-00087',
    aid: 'AQ',
    instructor: INS_A,
    steps: [
      [30, { do: 'file', situation: { cause: 'income_drop' }, amount: '900', months: '3', payee: 'a', submit: true }],
      [28, { do: 'take', by: OP }],
      [
        25,
        {
          do: 'refuse',
          by: OP,
          reason: 'not_eligible',
          comment: 'Madame Bernard est retraitée : l’aide sur quittance est réservée aux salariés du secteur privé. Une demande au FSL est conseillée.',
        },
      ],
    ],
  },
  {
    tenancy: 'A-2022-01544',
    aid: 'AE',
    instructor: INS_A,
    steps: [
      [
        22,
        { do: 'file', situation: { cause: 'income_drop', chargesRegularisation: '1 150' }, amount: '500', payee: 'engie', payeeKind: 'supplier', submit: true },
      ],
      [21, { do: 'take', by: OP }],
      [6, { do: 'adjourn', by: OP, untilInDays: 20, comment: 'En attente de la décision du FSL, saisi par la CAF pour la même dette.' }],
    ],
  },
  {
    tenancy: 'A-2022-01544',
    aid: 'AQ',
    instructor: INS_A,
    steps: [
      [26, { do: 'file', situation: { cause: 'income_drop' }, amount: '600', months: '2', payee: 'a', submit: true }],
      [24, { do: 'withdraw' }],
    ],
  },
  {
    tenancy: 'A-2019-00417',
    aid: 'AE',
    instructor: INS_A,
    steps: [
      [8, { do: 'file', situation: { cause: 'illness', chargesRegularisation: '1 080' }, amount: '300', payee: 'a', submit: true }],
      [7, { do: 'take', by: OP }],
      [6, { do: 'ask', by: OP, text: 'Pouvez-vous préciser la période couverte par la régularisation ?' }],
      [4, { do: 'answer', text: 'La régularisation couvre janvier à décembre 2025 ; le décompte est joint.' }],
    ],
  },
  // Bailleur B
  {
    tenancy: 'B-2020-07731',
    aid: 'AQ',
    instructor: INS_B,
    steps: [
      [5, { do: 'file', situation: { arrears: '960', arrearsMonths: '2', cause: 'income_drop' }, amount: '2 000', months: '5', payee: 'b', submit: true }],
    ],
  },
  {
    tenancy: 'B-2019-04410',
    aid: 'AE',
    instructor: INS_B,
    steps: [
      // paid to the supplier by the night's batch of the oldest grant's second instalment: the Fonds Énergie consumes it
      [40, { do: 'file', situation: { cause: 'income_drop', chargesIncrease: '120' }, amount: '600', payee: 'edf', payeeKind: 'supplier', submit: true }],
      [39, { do: 'take', by: OP }],
      [36, { do: 'grant', by: OP, amount: '600', instalments: 1, firstDueInDays: 5 }],
      [35, { do: 'validate', by: ADMIN }],
    ],
  },
  {
    tenancy: 'B-2017-02205',
    aid: 'AQ',
    instructor: INS_B,
    steps: [
      [70, { do: 'file', situation: { arrears: '1 020', arrearsMonths: '2', cause: 'illness' }, amount: '900', months: '3', payee: 'b', submit: true }],
      [68, { do: 'take', by: OP }],
      [60, { do: 'grant', by: OP, amount: '900', instalments: 3, firstDueInDays: 5 }],
    ],
  },
  {
    tenancy: 'B-2021-03118',
    aid: 'AD',
    instructor: INS_B,
    steps: [
      [
        35,
        {
          do: 'file',
          situation: { arrears: '2 900', arrearsMonths: '5', cause: 'other', causeComment: 'Dette ancienne, plan de surendettement en cours.' },
          amount: '2 500',
          payee: 'b',
          submit: true,
        },
      ],
      [33, { do: 'take', by: OP }],
      [28, { do: 'refuse', by: OP, reason: 'other_solution', comment: 'Le plan de la commission de surendettement prend en charge la dette locative.' }],
      [27, { do: 'validate', by: ADMIN }],
    ],
  },
  {
    tenancy: 'B-2024-00377',
    aid: 'AQ',
    instructor: INS_B,
    steps: [[2, { do: 'file', situation: { cause: 'job_loss' }, amount: '1 500', months: '5', payee: 'b', submit: false }]],
  },
  {
    tenancy: 'B-2023-00912',
    aid: 'AE',
    instructor: INS_B,
    steps: [
      [9, { do: 'file', situation: { cause: 'income_drop', chargesRegularisation: '1 320' }, amount: '400', payee: 'b', submit: true }],
      [7, { do: 'take', by: OP }],
      [7, { do: 'message', by: INS_B, text: 'Madame nous signale une nouvelle hausse de ses charges en novembre.' }],
    ],
  },
];

const NO_PROPOSAL = {
  amount: undefined,
  instalments: undefined,
  firstDueDate: undefined,
  reasonCode: undefined,
  adjournedUntil: undefined,
  comment: undefined,
};

/** Something that happens in the demo's past, `daysAgo` days before now (the payment events). */
export interface TimedEvent {
  daysAgo: number;
  minutes: number;
  order?: number;
  run(): Promise<void>;
}

export async function seedDemoRequests(services: Services, clock: FakeClock, now: Date, more: TimedEvent[] = []): Promise<number> {
  const { knex } = services;
  const actorFor = demoActors(knex);
  const at = demoMoment(clock, now);
  const version = async (id: string) => Number((await knex('aid_requests').where({ id }).first('version')).version);
  const aidTypes = await knex('aid_types').select('id', 'code');

  // every step of every request (and the payment events given) in the order they happened, so
  // that what is numbered in time (references, accounting entries) follows the calendar
  const timeline: TimedEvent[] = [...more];
  for (const [order, r] of REQUESTS.entries()) {
    const state = { id: '' };
    for (const [index, [daysAgo, step]] of r.steps.entries()) timeline.push({ daysAgo, minutes: index * 47, order, run: () => runStep(r, state, step) });
  }
  timeline.sort((x, y) => y.daysAgo - x.daysAgo || x.minutes - y.minutes || (x.order ?? -1) - (y.order ?? -1));
  for (const t of timeline) {
    at(t.daysAgo, t.minutes);
    await t.run();
  }

  async function runStep(r: DemoRequest, state: { id: string }, step: Step): Promise<void> {
    const household = await knex('households').where({ tenancy_reference: r.tenancy }).first('id');
    const aidTypeId = aidTypes.find((t: { code: string }) => t.code === r.aid).id as string;
    const landlord = await actorFor(r.instructor);
    const id = state.id;
    {
      switch (step.do) {
        case 'file': {
          const id = await services.aidRequests.createDraft(landlord, household.id, aidTypeId);
          state.id = id;
          const request = await services.aidRequests.get(landlord, id);
          const situation = {
            ...Object.fromEntries(
              Object.entries({
                rent: request.situation.rentCents,
                charges: request.situation.chargesCents,
                housingAllowance: request.situation.housingAllowanceCents,
              }).map(([k, v]) => [k, v]),
            ),
            ...step.situation,
          };
          const resources = Object.fromEntries(request.situation.members.map((m, i) => [`resources_${i}`, m.resourcesCents]));
          const cents = (v: unknown) => (typeof v === 'number' ? v : v ? Math.round(Number(String(v).replace(/\s/g, '').replace(',', '.')) * 100) : 0);
          await services.aidRequests.saveStep(landlord, id, {
            step: 'situation',
            input: {
              rent: cents(situation.rent),
              charges: cents(situation.charges),
              housingAllowance: cents(situation.housingAllowance),
              fixedCharges: 0,
              ...resources,
              arrears: cents(situation.arrears),
              arrearsMonths: situation.arrearsMonths ? Number(situation.arrearsMonths) : undefined,
              cause: situation.cause as SituationInput['cause'],
              causeComment: situation.causeComment,
              chargesIncrease: cents(situation.chargesIncrease),
              chargesRegularisation: cents(situation.chargesRegularisation),
              version: await version(id),
            },
          });
          await services.aidRequests.saveStep(landlord, id, {
            step: 'aide',
            input: { requested: cents(step.amount), requestedMonths: step.months ? Number(step.months) : undefined, version: await version(id) },
          });
          const bank = BANK[step.payee];
          await services.aidRequests.saveStep(landlord, id, {
            step: 'versement',
            input: { payeeKind: step.payeeKind ?? 'landlord', payeeName: bank.name, payeeIban: bank.iban, payeeBic: bank.bic, version: await version(id) },
          });
          if (!step.submit) break;
          const rules = await services.aidRequests.rulesOf(request);
          for (const d of rules?.rules.documents ?? []) {
            const label = DOCUMENT_KINDS[d.kind];
            await services.requestDocuments.add(landlord, id, d.kind, {
              originalname: `${label}.pdf`,
              buffer: await demoPdf(label, `Ménage du bail ${r.tenancy}`),
            });
          }
          await services.aidRequests.saveStep(landlord, id, {
            step: 'consentement',
            input: { consentInformed: 'on', consentDate: parisDate(clock.now()), consentMethod: 'paper_signed', version: await version(id) },
          });
          await services.aidRequests.submit(landlord, id, await version(id));
          break;
        }
        case 'take':
          await services.instruction.assign(await actorFor(step.by), [id], undefined);
          break;
        case 'ask':
          await services.instruction.askInformation(await actorFor(step.by), id, { message: step.text, version: await version(id) });
          break;
        case 'answer':
          await services.instruction.answerInformation(landlord, id, { message: step.text, version: await version(id) }, [
            { originalname: 'Décompte de régularisation.pdf', buffer: await demoPdf('Décompte de régularisation des charges', r.tenancy) },
          ]);
          break;
        case 'message':
          await services.instruction.postMessage(await actorFor(step.by), id, step.text, []);
          break;
        case 'note':
          await services.instruction.addNote(await actorFor(step.by), id, step.text);
          break;
        case 'grant': {
          const first = parisDate(new Date(clock.now().getTime() + step.firstDueInDays * 86_400_000));
          await services.decisions.propose(await actorFor(step.by), id, {
            ...NO_PROPOSAL,
            kind: 'grant',
            amount: step.amount,
            amountCents: Math.round(Number(step.amount.replace(/\s/g, '')) * 100),
            instalments: step.instalments,
            firstDueDate: first,
            version: await version(id),
          });
          break;
        }
        case 'refuse':
          await services.decisions.propose(await actorFor(step.by), id, {
            ...NO_PROPOSAL,
            kind: 'refuse',
            reasonCode: step.reason as never,
            comment: step.comment,
            amountCents: null,
            version: await version(id),
          });
          break;
        case 'adjourn':
          await services.decisions.propose(await actorFor(step.by), id, {
            ...NO_PROPOSAL,
            kind: 'adjourn',
            adjournedUntil: parisDate(new Date(clock.now().getTime() + step.untilInDays * 86_400_000)),
            comment: step.comment,
            amountCents: null,
            version: await version(id),
          });
          break;
        case 'validate':
          await services.decisions.validate(await actorFor(step.by), id, { outcome: 'approve', version: await version(id) });
          break;
        case 'withdraw':
          await services.aidRequests.withdraw(landlord, id, await version(id));
          break;
      }
    }
  }
  clock.set(now);
  return REQUESTS.length;
}
