import type { DomainEventMap, EventPayment } from '../shared/domain-events';
import type { Db } from '../db/types';
import type { AccountingSettingsStore } from './settings-store';
import { parisDate } from '../shared/dates';
import { ConflictError } from '../shared/errors';
import type { LedgerRepository, NewEntry, NewLine } from './repository';
import { type AccountingSettings, fiscalYearOf } from './settings';

/** A payment as the ledger sees it: amount, payee, its request, the payment it replaces when re-issued. */
/** A payment as the ledger books it (the events' shape). */
export type LedgerPayment = EventPayment;

type Draft = Omit<NewEntry, 'fiscalYear' | 'counter'>;

/**
 * The double-entry ledger, written in the same transaction as the business event it records:
 * grant → expense / payable per instalment (auxiliary account = the payee); batch transmitted →
 * one entry per transfer, payable / bank, matched with its payable; rejection → reversal of the
 * bank line; instalments cancelled → reversal of the unpaid expense. Entries balance (here and in
 * the database), are numbered without gaps, never change; the third-party lines of a grant share
 * one matching code (one code per entry, as the DGFiP tool checks).
 */
export class LedgerService {
  private readonly ledger: LedgerRepository;
  private readonly settings: AccountingSettingsStore;

  constructor(deps: { ledger: LedgerRepository; settings: AccountingSettingsStore }) {
    this.ledger = deps.ledger;
    this.settings = deps.settings;
  }

  /** Posts entries: each balanced, dated in an open period, numbered in order in the caller's transaction. */
  async post(trx: Db, drafts: Draft[], s: AccountingSettings, now: Date): Promise<Array<{ id: string; lineIds: string[]; numberText: string }>> {
    if (drafts.length === 0) return [];
    for (const e of drafts) {
      const debit = e.lines.reduce((a, l) => a + BigInt(l.debitCents), 0n);
      const credit = e.lines.reduce((a, l) => a + BigInt(l.creditCents), 0n);
      if (e.lines.length < 2 || debit !== credit || e.lines.some((l) => l.debitCents > 0 === l.creditCents > 0 || l.debitCents < 0 || l.creditCents < 0)) {
        throw new Error(`unbalanced accounting entry "${e.label}": debit ${debit}, credit ${credit}`);
      }
    }
    for (const period of new Set(drafts.map((e) => e.entryDate.slice(0, 7)))) {
      if (await this.ledger.isClosed(trx, period))
        throw new ConflictError(`La période ${period.slice(5)}/${period.slice(0, 4)} est close en comptabilité : aucune écriture ne peut y être datée.`);
    }
    // numbers reserved per sequence (fiscal year, or journal), then given in the order of the drafts
    const keyOf = (e: Draft) => {
      const fy = fiscalYearOf(e.entryDate, s.fiscalYearStartMonth);
      return { year: fy.year, counter: s.numbering === 'journal' ? e.journalCode : '*' };
    };
    const counts = new Map<string, number>();
    for (const e of drafts) {
      const k = keyOf(e);
      counts.set(`${k.year}|${k.counter}`, (counts.get(`${k.year}|${k.counter}`) ?? 0) + 1);
    }
    const next = new Map<string, number>();
    for (const [key, count] of counts) {
      const [year, counter] = key.split('|') as [string, string];
      next.set(key, await this.ledger.nextNumbers(trx, Number(year), counter, count));
    }
    const numbered = drafts.map((e) => {
      const k = keyOf(e);
      const key = `${k.year}|${k.counter}`;
      const number = next.get(key) as number;
      next.set(key, number + 1);
      return {
        ...e,
        fiscalYear: k.year,
        counter: k.counter,
        number,
        numberText: `${k.counter === '*' ? '' : `${e.journalCode}-`}${k.year}-${String(number).padStart(6, '0')}`,
      };
    });
    const labels = await this.ledger.accountLabels(trx, [...new Set(drafts.flatMap((e) => e.lines.map((l) => l.accountNumber)))]);
    const inserted = await this.ledger.insertMany(trx, numbered, labels, now);
    return inserted.map((r, i) => ({ ...r, numberText: numbered[i]?.numberText as string }));
  }

  /** A grant: the expense of the aid, owed to the payee instalment by instalment. */
  async onGrant(trx: Db, g: DomainEventMap['aid.granted'], now: Date): Promise<void> {
    const s = await this.accountingSettings(trx);
    const own = s.aidTypeAccounts[g.aidCode];
    const expense = own?.expense ?? g.rulesAccounts?.expenseAccount ?? s.accounts.expense;
    const payable = own?.payable ?? g.rulesAccounts?.thirdPartyAccount ?? s.accounts.payable;
    const payees = await this.ledger.payeeAccounts(trx, ids(g.payments.map((p) => p.payeeId)));
    const total = g.payments.reduce((a, p) => a + p.amountCents, 0);
    const today = parisDate(now);
    const label = `Aide ${g.aidCode} ${g.reference}`;
    await this.post(
      trx,
      [
        {
          journalCode: s.journals.grants,
          entryDate: today,
          pieceRef: g.reference,
          pieceDate: today,
          label,
          sourceType: 'grant',
          requestId: g.requestId,
          createdByLabel: g.by,
          analyticCode: g.analyticCode,
          lines: [
            { accountNumber: expense, label, debitCents: total, creditCents: 0 },
            ...g.payments.map((p): NewLine => ({
              accountNumber: payable,
              ...aux(payees, p),
              label: `${label} échéance ${p.instalment}/${p.instalments}`,
              debitCents: 0,
              creditCents: p.amountCents,
              paymentId: p.id,
            })),
          ],
        },
      ],
      s,
      now,
    );
  }

  /**
   * A batch leaves for the bank: one entry per transfer pays its payable from the bank account
   * (piece: the file's MsgId), and the payable line and the payment line are matched.
   */
  async onBatchTransmitted(trx: Db, b: DomainEventMap['batch.transmitted'], now: Date): Promise<void> {
    const s = await this.accountingSettings(trx);
    const today = parisDate(now);
    // a re-issue pays what its rejection put back on the payable
    const key = (p: LedgerPayment) => p.reissueOf ?? p.id;
    const open = await this.ledger.openPayables(trx, b.items.map(key));
    const payees = await this.ledger.payeeAccounts(trx, ids(b.items.map((p) => p.payeeId)));
    const analytic = await this.ledger.analyticCodes(
      trx,
      b.items.map((p) => p.requestId),
    );
    const drafts = b.items.map((p): Draft => {
      const label = `Virement ${p.reference ?? ''} échéance ${p.instalment}/${p.instalments}`;
      return {
        journalCode: s.journals.bank,
        entryDate: today,
        pieceRef: b.msgId,
        pieceDate: today,
        label,
        sourceType: 'batch',
        batchId: b.batchId,
        requestId: p.requestId,
        createdByLabel: b.by,
        analyticCode: analytic.get(p.requestId) ?? null,
        lines: [
          {
            accountNumber: open.get(key(p))?.accountNumber ?? s.accounts.payable,
            ...aux(payees, p),
            label,
            debitCents: p.amountCents,
            creditCents: 0,
            paymentId: p.id,
          },
          { accountNumber: s.accounts.bank, label, debitCents: 0, creditCents: p.amountCents },
        ],
      };
    });
    const posted = await this.post(trx, drafts, s, now);
    const byCode = new Map<string, string[]>();
    for (const [i, p] of b.items.entries()) {
      const payable = open.get(key(p));
      if (!payable || payable.creditCents !== p.amountCents) continue;
      const code = await this.ledger.matchCodeOf(trx, p.requestId);
      byCode.set(code, [...(byCode.get(code) ?? []), payable.id, posted[i]?.lineIds[0] as string]);
    }
    for (const [code, lineIds] of byCode) await this.ledger.match(trx, lineIds, code, today);
  }

  /** The bank returned a transfer: its bank line is reversed, and the payable is owed again (until the re-issue). */
  async onPaymentRejected(trx: Db, p: DomainEventMap['payment.rejected'], now: Date): Promise<void> {
    const s = await this.accountingSettings(trx);
    const paid = await this.ledger.paidLine(trx, p.id);
    if (!paid) return; // never paid through a batch: nothing was booked
    const today = parisDate(now);
    const label = `Rejet ${p.reference} (${p.reason})`;
    await this.post(
      trx,
      [
        {
          journalCode: s.journals.bank,
          entryDate: today,
          pieceRef: p.reference,
          pieceDate: today,
          label,
          sourceType: 'rejection',
          requestId: p.requestId,
          reversesEntryId: paid.entryId,
          createdByLabel: p.by,
          analyticCode: (await this.ledger.analyticCodes(trx, [p.requestId])).get(p.requestId) ?? null,
          lines: [
            { accountNumber: s.accounts.bank, label, debitCents: paid.debitCents, creditCents: 0 },
            {
              accountNumber: paid.accountNumber,
              auxNumber: paid.auxNumber,
              auxLabel: paid.auxLabel,
              label,
              debitCents: 0,
              creditCents: paid.debitCents,
              paymentId: p.id,
            },
          ],
        },
      ],
      s,
      now,
    );
  }

  /** Instalments that will not be paid: their part of the expense is reversed, matched with what was owed. */
  async onInstalmentsCancelled(trx: Db, c: DomainEventMap['instalments.cancelled'], now: Date): Promise<void> {
    const s = await this.accountingSettings(trx);
    const key = (p: LedgerPayment) => p.reissueOf ?? p.id;
    const open = await this.ledger.openPayables(trx, c.payments.map(key));
    const owed = c.payments.filter((p) => open.has(key(p)));
    if (owed.length === 0) return;
    const first = open.get(key(owed[0] as LedgerPayment))!;
    const expense = (await this.ledger.expenseAccountOf(trx, first.entryId)) ?? s.accounts.expense;
    const payees = await this.ledger.payeeAccounts(trx, ids(owed.map((p) => p.payeeId)));
    const today = parisDate(now);
    const total = owed.reduce((a, p) => a + p.amountCents, 0);
    const label = `Annulation ${c.reference} : ${c.reason}`.slice(0, 200);
    const [entry] = await this.post(
      trx,
      [
        {
          journalCode: s.journals.grants,
          entryDate: today,
          pieceRef: c.reference,
          pieceDate: today,
          label,
          sourceType: 'cancellation',
          requestId: c.requestId,
          reversesEntryId: first.entryId,
          createdByLabel: c.by,
          analyticCode: (await this.ledger.analyticCodes(trx, [c.requestId])).get(c.requestId) ?? null,
          lines: [
            ...owed.map((p): NewLine => ({
              accountNumber: open.get(key(p))!.accountNumber,
              ...aux(payees, p),
              label: `${label} échéance ${p.instalment}/${p.instalments}`.slice(0, 200),
              debitCents: p.amountCents,
              creditCents: 0,
              paymentId: p.id,
            })),
            { accountNumber: expense, label, debitCents: 0, creditCents: total },
          ],
        },
      ],
      s,
      now,
    );
    const code = await this.ledger.matchCodeOf(trx, c.requestId);
    const pairs = owed.flatMap((p, i) => (open.get(key(p))!.creditCents === p.amountCents ? [open.get(key(p))!.id, entry?.lineIds[i] as string] : []));
    await this.ledger.match(trx, pairs, code, today);
  }

  accountingSettings(db: Db): Promise<AccountingSettings> {
    return this.settings.accounting(db);
  }
}

const ids = (values: Array<string | null>): string[] => [...new Set(values.filter((x): x is string => Boolean(x)))];
const aux = (payees: Map<string, { code: string; name: string }>, p: LedgerPayment) => {
  const payee = p.payeeId ? payees.get(p.payeeId) : undefined;
  return { auxNumber: payee?.code ?? null, auxLabel: payee?.name ?? null };
};
