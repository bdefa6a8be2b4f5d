import { formatBasisPoints, formatEuros } from '../shared/format';

/** A contribution to a fund, as stored and as the form posts it. */
export type Contribution =
  | { kind: 'landlord'; organisationId: string; organisationName: string; dwellings: number; perDwellingCents: number }
  | { kind: 'matching'; funderName: string; rateBp: number; capCents: number | null }
  | { kind: 'fixed'; funderName: string; amountCents: number };

/** A contribution with what it brings. */
export type ComputedContribution = Contribution & { computedCents: number; text: string };

/** The share of a fund's total committed at which operators and administrators are warned. */
export const WARNING_BP = 8000;

/**
 * What each contribution brings and the fund's total, with its formula in words: a landlord brings
 * its dwellings × the amount per dwelling; a funder's matching brings its rate of the landlords'
 * contributions (rounded down to the cent), capped when a cap is set; an endowment its amount.
 * Integers only: a rate is in basis points.
 */
export function computeTotal(contributions: Contribution[]): { contributions: ComputedContribution[]; totalCents: number; formula: string } {
  const landlords = contributions.reduce((a, c) => a + (c.kind === 'landlord' ? c.dwellings * c.perDwellingCents : 0), 0);
  const computed = contributions.map((c): ComputedContribution => {
    if (c.kind === 'landlord') {
      const cents = c.dwellings * c.perDwellingCents;
      return {
        ...c,
        computedCents: cents,
        text: `${c.organisationName} : ${c.dwellings.toLocaleString('fr-FR')} logements × ${formatEuros(c.perDwellingCents)}`,
      };
    }
    if (c.kind === 'matching') {
      const raw = Number((BigInt(landlords) * BigInt(c.rateBp)) / 10000n); // exact, rounded down
      const cents = c.capCents === null ? raw : Math.min(raw, c.capCents);
      return {
        ...c,
        computedCents: cents,
        text: `${c.funderName} : ${formatBasisPoints(c.rateBp)} des contributions des bailleurs (${formatEuros(landlords)})${c.capCents === null ? '' : `, plafonné à ${formatEuros(c.capCents)}`}`,
      };
    }
    return { ...c, computedCents: c.amountCents, text: `${c.funderName} : dotation de ${formatEuros(c.amountCents)}` };
  });
  const totalCents = computed.reduce((a, c) => a + c.computedCents, 0);
  const formula =
    computed.length === 0 ? 'Aucune contribution' : `${computed.map((c) => formatEuros(c.computedCents)).join(' + ')} = ${formatEuros(totalCents)}`;
  return { contributions: computed, totalCents, formula };
}

/** The share used, in basis points (0 when the fund is empty and nothing is committed). */
export function usedBp(committedCents: number, totalCents: number): number {
  if (totalCents <= 0) return committedCents > 0 ? 10000 : 0;
  return Number((BigInt(committedCents) * 10000n) / BigInt(totalCents));
}

/** The fund reaches the warning threshold. */
export const isWarned = (committedCents: number, totalCents: number): boolean => usedBp(committedCents, totalCents) >= WARNING_BP;
