import type { Knex } from 'knex';
import { z } from 'zod';
import type { AuditService } from '../../audit/service';
import type { Db } from '../../db/types';
import { type Actor, scopeFor } from '../../permissions';
import type { SettingsRepository } from '../../settings/repository';
import type { Clock } from '../../shared/clock';
import { ConflictError } from '../../shared/errors';
import { checkbox, ibanField, optionalAmountCents, optionalBicField, requiredText } from '../../shared/form-fields';

/** How the association bills Action Logement (stored under the `funder_billing` key of the settings table). */
export interface FunderBillingSettings {
  /** management fee per invoice, in cents (0: none) */
  flatFeeCents: number;
  /** management fee in proportion of the missions billed, in basis points (500 = 5 %; 0: none) */
  feeRateBasisPoints: number;
  /** the invoice is due this many days after its date */
  paymentDays: number;
  /** the association's account the funder pays to, printed on the invoice (null: not printed) */
  iban: string | null;
  bic: string | null;
  /** the buyer printed on the invoice */
  buyer: { name: string; addressLines: string[] };
}

export const DEFAULT_FUNDER_BILLING: FunderBillingSettings = {
  flatFeeCents: 5000,
  feeRateBasisPoints: 500,
  paymentDays: 30,
  iban: null,
  bic: null,
  buyer: { name: 'Action Logement Services', addressLines: ['19-21 quai d’Austerlitz', '75013 Paris'] },
};

/** The form an administrator saves them with (amounts typed in euros). */
export const funderBillingSettingsSchema = z
  .object({
    flatFee: optionalAmountCents(),
    // « 5,5 » as French people type it
    feeRatePercent: z.preprocess(
      (v) => (typeof v === 'string' ? v.trim().replace(',', '.') : v),
      z.coerce
        .number({ error: 'Saisissez un pourcentage, par exemple 5' })
        .min(0, { error: 'Le pourcentage ne peut pas être négatif' })
        .max(100, { error: 'Le pourcentage ne peut pas dépasser 100' })
        .transform((v) => Math.round(v * 100)),
    ),
    paymentDays: z.coerce
      .number({ error: 'Saisissez un nombre de jours' })
      .int({ error: 'Saisissez un nombre entier de jours' })
      .min(0, { error: 'Au moins 0 jour' })
      .max(120, { error: 'Au plus 120 jours' }),
    printIban: checkbox(),
    // empty: no RIB (the rule below asks for one only when it is to be printed)
    iban: z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), ibanField().optional()),
    bic: optionalBicField(),
    buyerName: requiredText('Saisissez le nom du financeur facturé', 140),
    buyerAddress: requiredText('Saisissez l’adresse du financeur (une ligne par ligne du courrier)', 400),
    version: z.coerce.number({ error: 'Version manquante' }).int().min(0),
  })
  .superRefine((v, ctx) => {
    if (v.printIban && !v.iban) ctx.addIssue({ code: 'custom', path: ['iban'], message: 'Saisissez l’IBAN à imprimer sur la facture, ou décochez la case' });
  });
export type FunderBillingSettingsInput = z.infer<typeof funderBillingSettingsSchema>;

const KEY = 'funder_billing';

/** The billing settings: defaults until an administrator saves them, every change audited. */
export class FunderBillingSettingsStore {
  private readonly db: Knex;
  private readonly repository: SettingsRepository;
  private readonly audit: AuditService;
  private readonly clock: Clock;

  constructor(deps: { db: Knex; repository: SettingsRepository; audit: AuditService; clock: Clock }) {
    this.db = deps.db;
    this.repository = deps.repository;
    this.audit = deps.audit;
    this.clock = deps.clock;
  }

  /** Stored values over the defaults, and the version a form sends back (0 while only the defaults apply). */
  async current(db: Db = this.db): Promise<{ settings: FunderBillingSettings; version: number }> {
    const row = (await this.repository.all(db)).get(KEY);
    const stored = (row?.value as Partial<FunderBillingSettings> | undefined) ?? {};
    return {
      settings: { ...DEFAULT_FUNDER_BILLING, ...stored, buyer: { ...DEFAULT_FUNDER_BILLING.buyer, ...stored.buyer } },
      version: row?.version ?? 0,
    };
  }

  async get(db: Db = this.db): Promise<FunderBillingSettings> {
    return (await this.current(db)).settings;
  }

  async save(actor: Actor, input: FunderBillingSettingsInput): Promise<void> {
    scopeFor(actor, 'settings:manage');
    const next: FunderBillingSettings = {
      flatFeeCents: input.flatFee,
      feeRateBasisPoints: input.feeRatePercent,
      paymentDays: input.paymentDays,
      iban: input.printIban ? (input.iban ?? null) : null,
      bic: input.printIban ? (input.bic ?? null) : null,
      buyer: {
        name: input.buyerName,
        addressLines: input.buyerAddress
          .split(/\r?\n/)
          .map((l) => l.trim())
          .filter(Boolean)
          .slice(0, 6),
      },
    };
    await this.db.transaction(async (trx) => {
      const { settings: before, version } = await this.current(trx);
      if (version !== input.version) throw new ConflictError();
      if (!(await this.repository.save(trx, KEY, next, version, this.clock.now()))) throw new ConflictError();
      await this.audit.record(trx, actor, {
        entityType: 'settings',
        entityId: KEY,
        organisationId: actor.organisationId,
        action: 'settings.funder_billing_updated',
        before: { ...before, buyer: before.buyer.name },
        after: { ...next, buyer: next.buyer.name },
      });
    });
  }
}
