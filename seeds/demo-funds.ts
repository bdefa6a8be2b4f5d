import type { Services } from '../src/services';
import type { FakeClock } from '../src/shared/clock';
import { parisDate } from '../src/shared/dates';
import { demoActors, demoMoment } from './demo-support';

const ADMIN = 'admin@asso.demo';

/** Dwellings of the demo landlords (their contribution to the energy fund is 10 € each). */
export const DEMO_DWELLINGS = { 'Bailleur A': 12_400, 'Bailleur B': 8_600 } as const;
/** The rent-aid fund ends the demo at about this share committed: just under the 80 % warning. */
export const RENT_FUND_USED_BP = 7_800;

const energyName = (year: number) => `Fonds Énergie ${year}`;
const rentName = (year: number) => `Aide sur quittance — dotation ${year}`;

/**
 * Before the requests: last year's and this year's budget envelopes (the demo's history may cross
 * the new year) — the Fonds Énergie co-financed by both landlords (their dwellings × 10 €) and
 * Action Logement (50 % of what they pay in), and the rent-aid endowment. The demo's grants commit
 * on them through the decisions, its transfers consume, its rejection unconsumes.
 */
export async function seedDemoFunds(services: Services, clock: FakeClock, now: Date): Promise<void> {
  const actor = demoActors(services.knex);
  demoMoment(clock, now)(120);
  const admin = await actor(ADMIN);
  const landlords = await services.knex('organisations').where({ kind: 'landlord' }).whereIn('name', Object.keys(DEMO_DWELLINGS)).select('id', 'name');
  const year = Number(parisDate(now).slice(0, 4));
  for (const y of [year - 1, year]) {
    await services.funds.create(admin, {
      name: energyName(y),
      analyticCode: `FE${y}`,
      startsOn: `${y}-01-01`,
      endsOn: `${y}-12-31`,
      aidTypeCodes: ['AE'],
      notes: 'Fonds co-financé : 10 € par logement versés par chaque bailleur, abondés de 50 % par Action Logement. Aide plafonnée à 600 €.',
      contributions: [
        ...landlords.map((l: { id: string; name: keyof typeof DEMO_DWELLINGS }) => ({
          kind: 'landlord' as const,
          organisationId: l.id,
          organisationName: l.name,
          dwellings: DEMO_DWELLINGS[l.name],
          perDwellingCents: 1_000,
        })),
        { kind: 'matching' as const, funderName: 'Action Logement', rateBp: 5_000, capCents: null },
      ],
      allocations: [],
    });
    await services.funds.create(admin, {
      name: rentName(y),
      analyticCode: `AQ${y}`,
      startsOn: `${y}-01-01`,
      endsOn: `${y}-12-31`,
      aidTypeCodes: ['AQ'],
      notes: 'Dotation annuelle d’Action Logement pour l’aide sur quittance.',
      contributions: [{ kind: 'fixed', funderName: 'Action Logement', amountCents: 10_000_000 }],
      allocations: [],
    });
  }
  clock.set(now);
}

/**
 * After the requests: the rent-aid endowment that holds the demo's grants set so that what they
 * committed, with the proposal waiting for validation, is about 78 % of it — once that proposal is
 * validated, the next grant crosses the 80 % warning and a large one goes above what remains.
 */
export async function settleDemoRentFund(services: Services, now: Date): Promise<void> {
  const admin = await demoActors(services.knex)(ADMIN);
  const year = Number(parisDate(now).slice(0, 4));
  // this year's, unless the new year has just begun and last year's holds the demo's grants
  const [fund] = (await services.funds.list(admin))
    .filter((f) => [rentName(year), rentName(year - 1)].includes(f.name))
    .sort((a, b) => b.committedCents + b.pendingCents - (a.committedCents + a.pendingCents) || b.endsOn.localeCompare(a.endsOn));
  if (!fund || fund.committedCents === 0) throw new Error('the demo’s rent-aid grants committed nothing');
  // with the grant proposal waiting for validation (it commits when validated), in whole hundreds of
  // euros rounded up: validated, the fund stands just under 78 %, and the next grant crosses 80 %
  const base = fund.committedCents + fund.pendingCents;
  const amountCents = Math.ceil((base * 10_000) / RENT_FUND_USED_BP / 10_000) * 10_000;
  await services.funds.update(admin, fund.id, fund.version, {
    name: fund.name,
    analyticCode: fund.analyticCode,
    startsOn: fund.startsOn,
    endsOn: fund.endsOn,
    aidTypeCodes: fund.aidTypeCodes,
    notes: fund.notes,
    contributions: [{ kind: 'fixed', funderName: 'Action Logement', amountCents }],
    allocations: [],
  });
}
