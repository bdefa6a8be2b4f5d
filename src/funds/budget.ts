import type { UserRepository } from '../accounts/repository';
import type { BudgetPort, FundChoice, FundOption, GrantOnFund } from '../aid-requests/instruction/budget-port';
import type { Db } from '../db/types';
import type { Mailer } from '../notifications/mailer';
import type { DomainEventMap } from '../shared/domain-events';
import { ValidationError } from '../shared/errors';
import { formatBasisPoints, formatEuros } from '../shared/format';
import { urls } from '../urls';
import { isWarned, usedBp } from './amounts';
import type { FundRecord, FundRepository } from './repository';

/**
 * The budget envelopes as the money path sees them: which fund a grant goes on and whether it
 * fits (the decisions, through their port), and the movements that follow the money — commit on a
 * grant, consume when a transfer leaves, unconsume when the bank returns it, release when
 * instalments are cancelled — each in the transaction of the event, under the fund's row lock.
 */
export class Budget implements BudgetPort {
  private readonly funds: FundRepository;
  private readonly accounts: UserRepository;
  private readonly mailer: Mailer;
  private readonly baseUrl: string;

  constructor(deps: { funds: FundRepository; accounts: UserRepository; mailer: Mailer; baseUrl: string }) {
    this.funds = deps.funds;
    this.accounts = deps.accounts;
    this.mailer = deps.mailer;
    this.baseUrl = deps.baseUrl;
  }

  async options(db: Db, q: { aidTypeCode: string; organisationId: string; on: string }): Promise<FundOption[]> {
    const funds = await this.funds.applicable(db, q);
    const out: FundOption[] = [];
    for (const f of funds) out.push(await this.option(db, f, q.organisationId));
    return out;
  }

  private async option(db: Db, f: FundRecord & { allocationCents: number | null }, organisationId: string): Promise<FundOption> {
    const remainingCents = f.totalCents - f.committedCents;
    const allocationRemainingCents = f.allocationCents === null ? null : f.allocationCents - (await this.funds.committedBy(db, f.id, organisationId));
    return {
      id: f.id,
      name: f.name,
      totalCents: f.totalCents,
      committedCents: f.committedCents,
      remainingCents,
      allocationRemainingCents,
      availableCents: Math.max(0, Math.min(remainingCents, allocationRemainingCents ?? remainingCents)),
      usedBp: usedBp(f.committedCents, f.totalCents),
      warning: isWarned(f.committedCents, f.totalCents),
    };
  }

  async choose(db: Db, g: GrantOnFund): Promise<FundChoice | null> {
    const options = await this.options(db, { aidTypeCode: g.aidTypeCode, organisationId: g.organisationId, on: g.on });
    if (options.length === 0) {
      if (g.fundId) throw new ValidationError({ fundId: 'Ce fonds ne paie pas cette aide à cette date : choisissez-en un autre.' });
      return null;
    }
    const chosen = g.fundId ? options.find((o) => o.id === g.fundId) : options.length === 1 ? options[0] : undefined;
    if (!chosen)
      throw new ValidationError({
        fundId: g.fundId
          ? 'Ce fonds ne paie pas cette aide à cette date : choisissez-en un autre.'
          : 'Plusieurs fonds peuvent payer cette aide : choisissez celui qui la porte.',
      });
    const over = g.amountCents > chosen.availableCents;
    if (over && !g.overrideReason) throw new ValidationError({ amount: overMessage(chosen, g.amountCents) });
    return { fundId: chosen.id, name: chosen.name, availableCents: chosen.availableCents, over };
  }

  async commit(
    trx: Db,
    g: GrantOnFund & { decisionId: string; by: string },
    now: Date,
  ): Promise<{ fundId: string; analyticCode: string; mails: string[] } | null> {
    const choice = await this.choose(trx, g);
    if (!choice) return null;
    // the lock: a second grant on the same fund waits here, then sees this one's commitment
    const fund = (await this.funds.find(trx, choice.fundId, true)) as FundRecord;
    const [option] = (await this.funds.applicable(trx, { aidTypeCode: g.aidTypeCode, organisationId: g.organisationId, on: g.on })).filter(
      (f) => f.id === fund.id,
    );
    const fresh = await this.option(trx, { ...fund, allocationCents: option?.allocationCents ?? null }, g.organisationId);
    const over = g.amountCents > fresh.availableCents;
    if (over && !g.overrideReason) throw new ValidationError({ amount: overMessage(fresh, g.amountCents) });
    await this.funds.insertMovement(trx, {
      fundId: fund.id,
      kind: 'commit',
      amountCents: g.amountCents,
      requestId: g.requestId,
      decisionId: g.decisionId,
      organisationId: g.organisationId,
      aidTypeCode: g.aidTypeCode,
      occurredAt: now,
      byLabel: g.by,
      overrideReason: over ? g.overrideReason : null,
    });
    const mails = await this.warnIfCrossed(trx, fund.id, now);
    return { fundId: fund.id, analyticCode: fund.analyticCode, mails };
  }

  /** The fund reached 80 % committed: the banner comes up and the association's staff get one mail; under it again, the warning resets. */
  async warnIfCrossed(db: Db, fundId: string, now: Date): Promise<string[]> {
    const fund = await this.funds.find(db, fundId);
    if (!fund) return [];
    const warned = isWarned(fund.committedCents, fund.totalCents);
    if (!warned) {
      if (fund.warnedAt) await this.funds.setWarned(db, fund.id, null);
      return [];
    }
    if (fund.warnedAt) return [];
    await this.funds.setWarned(db, fund.id, now);
    const associationId = await this.funds.associationId(db);
    if (!associationId) return [];
    const staff = await this.accounts.activeWithRoles(db, associationId, ['admin', 'operator']);
    const ids: string[] = [];
    const remaining = fund.totalCents - fund.committedCents;
    for (const u of staff) {
      ids.push(
        await this.mailer.queue(db, {
          kind: 'fund.warning',
          to: u.email,
          subject: `Fonds « ${fund.name} » : ${formatBasisPoints(usedBp(fund.committedCents, fund.totalCents))} de l’enveloppe engagés`,
          text:
            `Bonjour ${u.firstName},\n\nLe fonds « ${fund.name} » a engagé ${formatEuros(fund.committedCents)} sur ${formatEuros(fund.totalCents)} ` +
            `(${formatBasisPoints(usedBp(fund.committedCents, fund.totalCents))}) : il reste ${formatEuros(remaining)}.\n` +
            `Au-delà de ce qui reste, une aide ne peut être accordée que par un administrateur, avec un motif, et validée par une seconde personne.\n\n` +
            `${this.baseUrl}${urls.fund(fund.id)}\n\n— Entraide, l’extranet des aides et de l’accompagnement`,
        }),
      );
    }
    return ids;
  }

  /** Transfers left for the bank: what they pay is consumed on their grant's fund. */
  async onBatchTransmitted(trx: Db, b: DomainEventMap['batch.transmitted'], now: Date): Promise<void> {
    const done = await this.funds.paymentsWith(
      trx,
      b.items.map((p) => p.id),
      'consume',
    );
    for (const p of b.items) {
      if (done.has(p.id)) continue;
      const commit = await this.funds.commitOf(trx, p.requestId);
      if (!commit) continue;
      await this.funds.insertMovement(trx, {
        ...commit,
        kind: 'consume',
        amountCents: p.amountCents,
        requestId: p.requestId,
        paymentId: p.id,
        occurredAt: now,
        byLabel: b.by,
      });
    }
  }

  /** The bank returned a transfer: what it consumed is back to committed (a re-issue consumes again, a cancellation releases). */
  async onPaymentRejected(trx: Db, p: DomainEventMap['payment.rejected'], now: Date): Promise<void> {
    const consumed = await this.funds.paymentsWith(trx, [p.id], 'consume');
    const undone = await this.funds.paymentsWith(trx, [p.id], 'unconsume');
    if (!consumed.has(p.id) || undone.has(p.id)) return;
    const commit = await this.funds.commitOf(trx, p.requestId);
    if (!commit) return;
    await this.funds.insertMovement(trx, {
      ...commit,
      kind: 'unconsume',
      amountCents: p.amountCents,
      requestId: p.requestId,
      paymentId: p.id,
      occurredAt: now,
      byLabel: p.by,
    });
  }

  /** Instalments that will not be paid: their amount is released on the fund. */
  async onInstalmentsCancelled(trx: Db, c: DomainEventMap['instalments.cancelled'], now: Date): Promise<void> {
    const commit = await this.funds.commitOf(trx, c.requestId);
    if (!commit) return;
    const done = await this.funds.paymentsWith(
      trx,
      c.payments.map((p) => p.id),
      'release',
    );
    await this.funds.find(trx, commit.fundId, true);
    for (const p of c.payments) {
      if (done.has(p.id)) continue;
      await this.funds.insertMovement(trx, {
        ...commit,
        kind: 'release',
        amountCents: p.amountCents,
        requestId: c.requestId,
        paymentId: p.id,
        occurredAt: now,
        byLabel: c.by,
      });
    }
    await this.warnIfCrossed(trx, commit.fundId, now);
  }
}

function overMessage(
  o: Pick<FundOption, 'name' | 'availableCents' | 'remainingCents' | 'allocationRemainingCents' | 'totalCents'>,
  amountCents: number,
): string {
  const left =
    o.allocationRemainingCents !== null && o.allocationRemainingCents < o.remainingCents
      ? `l’enveloppe de ce bailleur sur le fonds « ${o.name} » n’a plus que ${formatEuros(Math.max(0, o.allocationRemainingCents))}`
      : `le fonds « ${o.name} » n’a plus que ${formatEuros(Math.max(0, o.remainingCents))} sur ${formatEuros(o.totalCents)}`;
  return `${formatEuros(amountCents)} dépasse ce qui reste : ${left}. Réduisez le montant, ou demandez à un administrateur d’accorder au-delà de l’enveloppe avec un motif.`;
}
