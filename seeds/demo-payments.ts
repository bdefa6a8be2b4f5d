import type { Services } from '../src/services';
import type { FakeClock } from '../src/shared/clock';
import { parisDate } from '../src/shared/dates';
import { addMonths } from '../src/payments/schedule';
import type { TimedEvent } from './demo-requests';
import { BANK, demoActors, demoMoment, demoPdf } from './demo-support';

const OP = 'operateur@asso.demo';
const ADMIN = 'admin@asso.demo';
const ACCOUNTANT = 'comptable@asso.demo';
const ADMIN_A = 'admin@bailleur-a.demo';
const ADMIN_B = 'admin@bailleur-b.demo';

/** Bailleur B's new account, given after a rejected transfer: it waits for the association's check. */
const NEW_ACCOUNT_B = { name: 'Bailleur B', iban: 'FR7630006000011234567890189', bic: 'AGRIFRPPXXX' };

const rib = (name: string, iban: string) => demoPdf('Relevé d’identité bancaire', `${name} — IBAN ${iban}`);

/**
 * Before the requests: the association's debtor account, both landlords' accounts given by their
 * administrators and checked by the association, two energy suppliers.
 */
export async function seedDemoBankAccounts(services: Services, clock: FakeClock, now: Date): Promise<void> {
  const actor = demoActors(services.knex);
  const at = demoMoment(clock, now);
  at(120);
  const admin = await actor(ADMIN);
  // the accountant's settings start from the defaults, with the association's SIREN (it names the FEC)
  const association = await services.knex('organisations').where({ kind: 'association' }).first('siren');
  await services.knex.transaction(async (trx) =>
    services.accountingSettings.saveAccounting(
      trx,
      admin,
      { ...(await services.accountingSettings.accounting(trx)), siren: association?.siren ?? '000000000' },
      0,
    ),
  );
  await services.debtorAccounts.create(admin, {
    label: 'Compte courant — La Banque Postale',
    holderName: 'Association Entraide Logement',
    iban: 'FR14 2004 1010 0505 0001 3M02 606',
    bic: 'PSSTFRPPXXX',
    isDefault: true,
    active: true,
  });
  for (const [email, bank] of [
    [ADMIN_A, BANK.a],
    [ADMIN_B, BANK.b],
  ] as const) {
    await services.payees.submitOwn(
      await actor(email),
      { holderName: bank.name, iban: bank.iban, bic: bank.bic },
      { originalname: 'RIB.pdf', buffer: await rib(bank.name, bank.iban) },
    );
  }
  at(119);
  const operator = await actor(OP);
  for (const supplier of [BANK.edf, BANK.engie]) {
    await services.payees.createSupplier(
      operator,
      {
        name: supplier.name,
        noticeEmail: `paiements@${supplier.name.split(' ')[0]?.toLowerCase()}.demo`,
        holderName: supplier.name,
        iban: supplier.iban,
        bic: supplier.bic,
      },
      { originalname: 'RIB.pdf', buffer: await rib(supplier.name, supplier.iban) },
    );
  }
  at(118);
  // the landlords' accounts are checked by the operator, the suppliers' (entered by the operator) by the administrator
  for (const account of await services.payees.pendingReviews(admin)) {
    const reviewer = account.submittedBy === operator.userId ? admin : operator;
    await services.payees.review(reviewer, account.id, account.version, 'confirm', null);
  }
}

/** Days from a date to now, whole days (a date 3 days ago → 3). */
const daysAgoOf = (date: string, now: Date) => Math.round((now.getTime() - new Date(`${date}T12:00:00Z`).getTime()) / 86_400_000);

/**
 * The history of Bailleur B's oldest grant (900 € in 3 instalments from 60 days ago, first due 5
 * days later), as events in the demo's timeline: the nightly batch before each of the first two
 * instalments, approved and transmitted by the accountant (notices mailed); the first settled; the
 * second rejected by the bank (account closed); Bailleur B's new IBAN, waiting for confirmation
 * (its payments wait with it).
 */
export function paymentHistoryEvents(services: Services, clock: FakeClock, now: Date): TimedEvent[] {
  const actor = demoActors(services.knex);
  const night = { userId: null, label: 'Planificateur' };
  const firstDue = parisDate(new Date(new Date(now.getTime() - 60 * 86_400_000).setUTCHours(8, 0, 0, 0) + 5 * 86_400_000));
  const [d1, d2] = [daysAgoOf(firstDue, now) + 1, daysAgoOf(addMonths(firstDue, 1), now) + 1];
  const batches: Record<number, string[]> = {};
  const nightly = (daysAgo: number): TimedEvent => ({
    daysAgo,
    minutes: -60,
    run: async () => {
      const accountant = await actor(ACCOUNTANT);
      const made = (await services.batches.generate(parisDate(clock.now()), night, null)).batches;
      batches[daysAgo] = made.map((b) => b.batchId);
      for (const b of made) {
        clock.set(new Date(clock.now().getTime() + 60 * 60_000));
        await services.batches.approve(accountant, b.batchId, 1);
        clock.set(new Date(clock.now().getTime() + 15 * 60_000));
        await services.batches.transmit(accountant, b.batchId, 2);
      }
    },
  });
  return [
    nightly(d1),
    {
      daysAgo: d1 - 3,
      minutes: 0,
      run: async () => {
        for (const id of batches[d1] ?? []) await services.batches.settle(await actor(ACCOUNTANT), id, 3);
      },
    },
    nightly(d2),
    {
      daysAgo: d2 - 4,
      minutes: 0,
      run: async () => {
        for (const id of batches[d2] ?? []) {
          const { items } = await services.batches.get(await actor(ACCOUNTANT), id);
          const rejected = items.find((i) => i.creditorName === BANK.b.name);
          if (rejected) await services.rejections.reject(await actor(OP), rejected.paymentId, 'AC04', 'Retour de la banque : compte clôturé');
        }
      },
    },
    {
      daysAgo: 3,
      minutes: 0,
      run: async () => {
        await services.payees.submitOwn(
          await actor(ADMIN_B),
          { holderName: NEW_ACCOUNT_B.name, iban: NEW_ACCOUNT_B.iban, bic: NEW_ACCOUNT_B.bic },
          { originalname: 'Nouveau RIB.pdf', buffer: await rib(NEW_ACCOUNT_B.name, NEW_ACCOUNT_B.iban) },
        );
      },
    },
  ];
}
