import type { Services } from '../src/services';
import type { FakeClock } from '../src/shared/clock';
import { parisDate } from '../src/shared/dates';
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
  await services.debtorAccounts.create(admin, { label: 'Compte courant — La Banque Postale', holderName: 'Association Entraide Logement', iban: 'FR14 2004 1010 0505 0001 3M02 606', bic: 'PSSTFRPPXXX', isDefault: true, active: true });
  for (const [email, bank] of [[ADMIN_A, BANK.a], [ADMIN_B, BANK.b]] as const) {
    await services.payees.submitOwn(await actor(email), { holderName: bank.name, iban: bank.iban, bic: bank.bic }, { originalname: 'RIB.pdf', buffer: await rib(bank.name, bank.iban) });
  }
  at(119);
  const operator = await actor(OP);
  for (const supplier of [BANK.edf, BANK.engie]) {
    await services.payees.createSupplier(operator, { name: supplier.name, noticeEmail: `paiements@${supplier.name.split(' ')[0]?.toLowerCase()}.demo`, holderName: supplier.name, iban: supplier.iban, bic: supplier.bic }, { originalname: 'RIB.pdf', buffer: await rib(supplier.name, supplier.iban) });
  }
  at(118);
  // the landlords' accounts are checked by the operator, the suppliers' (entered by the operator) by the administrator
  for (const account of await services.payees.pendingReviews(admin)) {
    const reviewer = account.submittedBy === operator.userId ? admin : operator;
    await services.payees.review(reviewer, account.id, account.version, 'confirm', null);
  }
}

/**
 * After the requests: the history of Bailleur B's first grant — two nightly batches approved by the
 * accountant and transmitted (notices mailed), the first settled, the second rejected by the bank
 * (account closed), and Bailleur B's new IBAN waiting for confirmation (its payments wait too).
 */
export async function seedDemoPaymentHistory(services: Services, clock: FakeClock, now: Date): Promise<void> {
  const actor = demoActors(services.knex);
  const at = demoMoment(clock, now);
  const accountant = await actor(ACCOUNTANT);
  const night = { userId: null, label: 'Planificateur' };
  const batchOf = async (daysAgo: number) => {
    at(daysAgo);
    const { batches } = await services.batches.generate(parisDate(clock.now()), night, null);
    for (const b of batches) {
      at(daysAgo, 60);
      await services.batches.approve(accountant, b.batchId, 1);
      at(daysAgo, 75);
      await services.batches.transmit(accountant, b.batchId, 2);
    }
    return batches;
  };
  // the nights before Bailleur B's first two instalments fell due
  const dues = (await services.knex('payments as p').join('payees as y', 'y.id', 'p.payee_id').where('y.name', BANK.b.name).orderBy('p.due_date').limit(2).select('p.due_date'))
    .map((r: { due_date: string }) => Math.round((now.getTime() - new Date(`${r.due_date}T12:00:00Z`).getTime()) / 86_400_000) + 1);
  const first = await batchOf(dues[0] as number);
  at((dues[0] as number) - 3);
  for (const b of first) await services.batches.settle(accountant, b.batchId, 3);
  const second = await batchOf(dues[1] as number);
  at((dues[1] as number) - 4);
  for (const b of second) {
    const { items } = await services.batches.get(accountant, b.batchId);
    const rejected = items.find((i) => i.creditorName === BANK.b.name);
    if (rejected) await services.rejections.reject(await actor(OP), rejected.paymentId, 'AC04', 'Retour de la banque : compte clôturé');
  }
  at(3);
  await services.payees.submitOwn(await actor(ADMIN_B), { holderName: NEW_ACCOUNT_B.name, iban: NEW_ACCOUNT_B.iban, bic: NEW_ACCOUNT_B.bic }, { originalname: 'Nouveau RIB.pdf', buffer: await rib(NEW_ACCOUNT_B.name, NEW_ACCOUNT_B.iban) });
  clock.set(now);
}
