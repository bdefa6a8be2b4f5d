import { effortRateBp, evaluateEligibility, monthsBefore, remainingIncomePerPersonPerDayCents, type Situation } from '../../src/aid-types/eligibility';
import type { Rules } from '../../src/aid-types/rules';
import { DEMO_AID_TYPES } from '../../seeds/aid-types';

const type = (code: string) => {
  const t = DEMO_AID_TYPES.find((a) => a.code === code);
  if (!t) throw new Error(code);
  return { ref: { code: t.code, groupCode: t.groupCode }, rules: t.versions[t.versions.length - 1]?.rules as Rules };
};

/** A household of 2 persons, 1 500 € of resources, rent 520 € + charges 80 € − 100 € of housing allowance. */
const base = (o: Partial<Situation> = {}): Situation => ({
  today: '2026-11-23',
  rentCents: 52000,
  chargesCents: 8000,
  housingAllowanceCents: 10000,
  resourcesCents: 150000,
  fixedChargesCents: 0,
  personCount: 2,
  members: [{ employmentStatus: 'private_employee' }, { employmentStatus: 'inactive' }],
  landlordActive: true,
  previousAids: [],
  ...o,
});

const check = (r: ReturnType<typeof evaluateEligibility>, code: string) => r.checks.find((c) => c.code === code);

describe('computed figures', () => {
  it('effort rate = (rent + charges − housing allowance) / resources, in basis points', () => {
    expect(effortRateBp(base())).toBe(3333); // 500 / 1 500
    expect(effortRateBp(base({ resourcesCents: 0 }))).toBeNull();
    expect(effortRateBp(base({ housingAllowanceCents: 90000 }))).toBe(0); // never negative
  });

  it('remaining income per person per day = (resources − residual rent − fixed charges) / persons / 30, rounded down', () => {
    expect(remainingIncomePerPersonPerDayCents(base())).toBe(1666); // (1 500 − 500) / 2 / 30 = 16,666…
    expect(remainingIncomePerPersonPerDayCents(base({ fixedChargesCents: 10000 }))).toBe(1500); // (1 500 − 500 − 100) / 2 / 30 = 15,00
    expect(remainingIncomePerPersonPerDayCents(base({ resourcesCents: 40000 }))).toBe(-167); // a negative remaining income is shown as such
    expect(remainingIncomePerPersonPerDayCents(base({ personCount: 0 }))).toBeNull();
  });

  it('months before a date, on the last day of shorter months', () => {
    expect(monthsBefore('2026-11-23', 12)).toBe('2025-11-23');
    expect(monthsBefore('2026-03-31', 1)).toBe('2026-02-28');
    expect(monthsBefore('2026-01-15', 36)).toBe('2023-01-15');
  });
});

describe('Aide sur quittance (AQ, 2026 rules)', () => {
  const { ref, rules } = type('AQ');
  const ok = (o: Partial<Situation>) => evaluateEligibility(ref, rules, base({ requestedCents: 300000, requestedMonths: 6, ...o }));

  it('is eligible at the ceiling, 6 months, effort rate above 30 %', () => {
    const r = ok({});
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    expect(r.eligible).toBe(true);
  });

  it('refuses 1 cent above the ceiling with a French sentence and the threshold', () => {
    const c = check(ok({ requestedCents: 300001 }), 'ceiling');
    expect(c?.ok).toBe(false);
    expect(c?.message.replace(/\s/g, ' ')).toBe('Le montant dépasse le plafond de l’aide : 3 000,00 €');
  });

  it('allows 1 to 6 monthly instalments, not 0 nor 7', () => {
    expect(check(ok({ requestedMonths: 1 }), 'months')?.ok).toBe(true);
    expect(check(ok({ requestedMonths: 7 }), 'months')?.ok).toBe(false);
    expect(check(ok({ requestedMonths: 0 }), 'months')?.ok).toBe(false);
  });

  it('needs an effort rate strictly above 30 %', () => {
    // residual rent 450 € on 1 500 € = exactly 30 %
    expect(check(ok({ chargesCents: 3000 }), 'effort_rate')?.ok).toBe(false);
    expect(check(ok({ chargesCents: 3001 }), 'effort_rate')?.ok).toBe(true);
    expect(check(ok({ chargesCents: 2999 }), 'effort_rate')?.ok).toBe(false);
  });

  it('needs a private-sector employee in the household and an active landlord', () => {
    expect(check(ok({ members: [{ employmentStatus: 'public_employee' }, { employmentStatus: 'retired' }] }), 'private_sector')?.ok).toBe(false);
    expect(check(ok({ landlordActive: false }), 'landlord_active')?.ok).toBe(false);
  });

  it('allows one rent aid per 12 months, counting aids of every landlord', () => {
    const lastYear = { aidTypeCode: 'AQ', groupCode: 'loyer', amountCents: 100000 };
    expect(check(ok({ previousAids: [{ ...lastYear, grantedOn: '2025-11-23' }] }), 'frequency')?.ok).toBe(true); // 12 months ago: outside
    expect(check(ok({ previousAids: [{ ...lastYear, grantedOn: '2025-11-24' }] }), 'frequency')?.ok).toBe(false);
  });

  it('keeps 3 000 € on a rolling 12 months', () => {
    const prior = [{ aidTypeCode: 'AQ', groupCode: 'loyer', amountCents: 100000, grantedOn: '2026-02-01' }];
    expect(check(ok({ requestedCents: 200000, previousAids: prior }), 'rolling_ceiling')?.ok).toBe(true);
    expect(check(ok({ requestedCents: 200001, previousAids: prior }), 'rolling_ceiling')?.ok).toBe(false);
  });

  it('lists the mandatory documents missing, when documents are known', () => {
    const c = check(ok({ documents: ['rent_receipt'] }), 'documents');
    expect(c?.ok).toBe(false);
    expect(c?.message).toBe('Pièces obligatoires manquantes : Trois derniers bulletins de salaire, Avis d’imposition');
    expect(check(ok({ documents: ['rent_receipt', 'payslips', 'tax_notice'] }), 'documents')?.ok).toBe(true);
  });
});

describe('Aide énergie (AE)', () => {
  const { ref, rules } = type('AE');
  // remaining income 14,99 €: (resources − 500 − fixed) / 2 / 30
  const poor = (o: Partial<Situation>) =>
    evaluateEligibility(ref, rules, base({ requestedCents: 60000, fixedChargesCents: 10060, chargesIncreaseMonthlyCents: 10001, ...o }));

  it('is eligible for tenants who are not employees, below 15 € a day, with charges up by more than 100 €', () => {
    const r = poor({ members: [{ employmentStatus: 'retired' }, { employmentStatus: 'inactive' }] });
    expect(r.remainingIncomePerPersonPerDayCents).toBe(1499);
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
  });

  it('refuses a remaining income of exactly 15,00 € per person per day', () => {
    const c = check(poor({ fixedChargesCents: 10000 }), 'remaining_income');
    expect(c?.ok).toBe(false);
    expect(c?.message).toContain('ressources mensuelles hors aide au logement');
  });

  it('needs a charges increase above 100 € a month or a regularisation above 1 000 €', () => {
    expect(check(poor({ chargesIncreaseMonthlyCents: 10000 }), 'charges_increase')?.ok).toBe(false);
    expect(check(poor({ chargesIncreaseMonthlyCents: 0, chargesRegularisationCents: 100000 }), 'charges_increase')?.ok).toBe(false);
    expect(check(poor({ chargesIncreaseMonthlyCents: 0, chargesRegularisationCents: 100001 }), 'charges_increase')?.ok).toBe(true);
  });

  it('caps at 600 € and at two energy aids (group) per 36 months', () => {
    expect(check(poor({ requestedCents: 60001 }), 'ceiling')?.ok).toBe(false);
    const energy = (grantedOn: string) => ({ aidTypeCode: 'AE', groupCode: 'energie', amountCents: 30000, grantedOn });
    expect(check(poor({ previousAids: [energy('2024-01-01')] }), 'frequency')?.ok).toBe(true);
    expect(check(poor({ previousAids: [energy('2024-01-01'), energy('2025-06-01')] }), 'frequency')?.ok).toBe(false);
    expect(check(poor({ previousAids: [energy('2023-11-23'), energy('2025-06-01')] }), 'frequency')?.ok).toBe(true); // 36 months ago: outside
  });

  it('has no effort-rate nor private-sector condition', () => {
    const codes = poor({}).checks.map((c) => c.code);
    expect(codes).not.toContain('effort_rate');
    expect(codes).not.toContain('private_sector');
  });
});

describe('Aide à l’apurement de la dette locative (AD)', () => {
  const { ref, rules } = type('AD');
  const debt = (o: Partial<Situation>) => evaluateEligibility(ref, rules, base({ requestedCents: 400000, ...o }));

  it('is one payment up to 4 000 €', () => {
    expect(debt({}).eligible).toBe(true);
    expect(check(debt({ requestedCents: 400001 }), 'ceiling')?.ok).toBe(false);
    expect(debt({}).checks.map((c) => c.code)).not.toContain('months');
  });

  it('at most once per 24 months, a rent aid in between does not count', () => {
    const rent = { aidTypeCode: 'AQ', groupCode: 'loyer', amountCents: 100000, grantedOn: '2026-06-01' };
    expect(check(debt({ previousAids: [rent] }), 'frequency')?.ok).toBe(true);
    const previous = { aidTypeCode: 'AD', groupCode: 'loyer', amountCents: 100000, grantedOn: '2024-11-24' };
    expect(check(debt({ previousAids: [previous] }), 'frequency')?.ok).toBe(false);
  });
});
