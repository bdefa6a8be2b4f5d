import { z } from 'zod';
import { optionalText, parseFrenchDate, requiredText, versionField } from '../shared/form-fields';
import { centsToInput, parseEurosToCents } from '../shared/money';
import type { Contribution } from './amounts';
import type { FundView, FundInput } from './service';

/**
 * The fund form, posted without JavaScript: the envelope's fields, then numbered rows for each kind
 * of contribution and for the allocations (`landlord[0][dwellings]`, `matching[1][rate]`…). The body
 * is parsed flat (`extended: false`), so a row field's name is also its error key and its id: the
 * error summary's links land on the field. A wholly blank row is ignored; a half-filled one gets its
 * message on the field that is missing or wrong.
 */

/** The row kinds of the form and their fields. */
export const ROW_FIELDS = {
  landlord: ['organisationId', 'dwellings', 'perDwelling'],
  matching: ['funderName', 'rate', 'cap'],
  fixed: ['funderName', 'amount'],
  allocation: ['organisationId', 'amount'],
} as const;
export type RowKind = keyof typeof ROW_FIELDS;
const ROW_LABELS: Record<RowKind, string> = { landlord: 'Bailleur', matching: 'Abondement', fixed: 'Dotation', allocation: 'Enveloppe' };
export const ROW_KINDS = Object.keys(ROW_FIELDS) as RowKind[];

/** The name (id, error key) of a row's field: `landlord[0][dwellings]`. */
export const rowField = (kind: RowKind, index: number, field: string): string => `${kind}[${index}][${field}]`;

/** Rows are numbered 0 to 99: a higher number is no field of the form (ignored, like any unknown name). */
const ROW_KEY = /^(landlord|matching|fixed|allocation)\[(\d{1,2})\]\[([A-Za-z]+)\]$/;

/** An amount at most this (100 million euros), a fund's total at most 10 billion: far above any real fund, far below the integers' limit. */
const MAX_AMOUNT_CENTS = 10_000_000_000;
const MAX_PER_DWELLING_CENTS = 10_000_000;
const MAX_TOTAL_CENTS = 1_000_000_000_000n;
const MAX_DWELLINGS = 10_000_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Body = Record<string, unknown>;
const isBody = (v: unknown): v is Body => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The row numbers posted for a kind, with at least one field not blank (in order). */
export function filledRows(body: Body, kind: RowKind): number[] {
  const out = new Set<number>();
  for (const [key, value] of Object.entries(body)) {
    const m = ROW_KEY.exec(key);
    if (!m || m[1] !== kind || !(ROW_FIELDS[kind] as readonly string[]).includes(m[3] as string)) continue;
    if (typeof value === 'string' ? value.trim() !== '' : value !== undefined && value !== null) out.add(Number(m[2]));
  }
  return [...out].sort((a, b) => a - b);
}

/** How many rows of a kind the form shows: those filled (up to the highest number filled) and two blank ones. */
export function rowCount(values: Body, kind: RowKind): number {
  const filled = filledRows(values, kind);
  return Math.min(100, (filled.length ? (filled[filled.length - 1] as number) + 1 : 0) + 2);
}

const nonBreaking = /[\s\u00a0\u202f]/g;

/** Adds a message under a field's name. */
type Add = (field: string, message: string) => void;

/** The parsed rows of one kind, their messages added under each field's name. */
function rows<T>(
  body: Body,
  kind: RowKind,
  add: Add,
  parse: (get: (field: string) => string, fail: (field: string, message: string) => void) => T | null,
): T[] {
  const out: T[] = [];
  for (const i of filledRows(body, kind)) {
    let failed = false;
    // « Bailleur 2 : saisissez le nombre de logements »: the summary says which row
    const fail = (field: string, message: string) => {
      failed = true;
      add(rowField(kind, i, field), `${ROW_LABELS[kind]} ${i + 1} : ${message.charAt(0).toLowerCase()}${message.slice(1)}`);
    };
    const get = (field: string): string => {
      const v = body[rowField(kind, i, field)];
      if (v === undefined || v === null) return '';
      if (typeof v !== 'string') {
        fail(field, 'Une seule valeur est attendue dans ce champ');
        return '';
      }
      return v.trim();
    };
    const row = parse(get, fail);
    if (row !== null && !failed) out.push(row);
  }
  return out;
}

/** An amount in euros (required, above 0, at most `max` cents), or null with its message. */
function euros(value: string, field: string, fail: (field: string, message: string) => void, what: string, max = MAX_AMOUNT_CENTS): number | null {
  if (value === '') {
    fail(field, `Saisissez ${what}`);
    return null;
  }
  const cents = value.length > 30 ? null : parseEurosToCents(value);
  if (cents === null || cents <= 0) {
    fail(field, `Saisissez ${what} en euros, plus de 0, par exemple 1 234,56`);
    return null;
  }
  if (cents > max) {
    fail(field, `${capitalised(what)} ne peut pas dépasser ${(max / 100).toLocaleString('fr-FR')} €`);
    return null;
  }
  return cents;
}

const capitalised = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function landlordId(value: string, field: string, fail: (field: string, message: string) => void): string | null {
  if (value === '' || !UUID.test(value)) {
    fail(field, 'Choisissez un bailleur dans la liste');
    return null;
  }
  return value.toLowerCase();
}

function funderName(value: string, field: string, fail: (field: string, message: string) => void): string | null {
  if (value === '') {
    fail(field, 'Saisissez le nom du financeur');
    return null;
  }
  if (value.length > 120) {
    fail(field, 'Le nom du financeur ne doit pas dépasser 120 caractères');
    return null;
  }
  return value;
}

/** "50", "33,33" or "12.5 %" → basis points (1 to 100 000, that is 0,01 % to 1 000 %). */
export function percentToBp(value: string): number | null {
  const v = value.replace(/%/g, '');
  if (v.replace(nonBreaking, '').length > 12) return null;
  const bp = parseEurosToCents(v);
  return bp === null || bp < 1 || bp > 100_000 ? null : bp;
}

/** Basis points → what the rate input shows: 5000 → "50", 3350 → "33,5". */
export const bpToPercentInput = (bp: number): string =>
  centsToInput(bp)
    .replace(/,00$/, '')
    .replace(/(,\d)0$/, '$1');

const base = z.object({
  name: requiredText('Saisissez le nom du fonds', 120).min(3, { error: 'Le nom du fonds compte au moins 3 caractères' }),
  analyticCode: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim().toUpperCase() : v),
    z
      .string({ error: 'Saisissez le code analytique' })
      .min(1, { error: 'Saisissez le code analytique' })
      .regex(/^[A-Z0-9_-]{2,20}$/, { error: 'Le code analytique compte 2 à 20 lettres, chiffres, « - » ou « _ », par exemple FSL-2027' }),
  ),
  aidTypeCodes: z.preprocess(
    (v): unknown => (v === undefined ? [] : Array.isArray(v) ? v : [v]),
    z
      .array(z.string().trim().max(30, { error: 'Choisissez les aides dans la liste' }), { error: 'Choisissez les aides dans la liste' })
      .max(100, { error: 'Choisissez les aides dans la liste' })
      .transform((codes) => [...new Set(codes.filter((c) => c !== ''))])
      .refine((codes) => codes.length > 0, { error: 'Cochez au moins une aide payée par le fonds' }),
  ),
  notes: optionalText(2000),
});

/** A date field: required, a real date (JJ/MM/AAAA or the date picker's AAAA-MM-JJ). */
function date(body: Body, field: 'startsOn' | 'endsOn', add: Add, missing: string): string | null {
  const v = body[field];
  if (v === undefined || (typeof v === 'string' && v.trim() === '')) {
    add(field, missing);
    return null;
  }
  const iso = typeof v === 'string' && v.length <= 30 ? parseFrenchDate(v) : null;
  if (!iso) add(field, 'Saisissez une date valide, par exemple 31/12/2026');
  return iso;
}

/** What the contributions bring in all, exactly (a total beyond the limit is refused, never rounded). */
function exactTotal(contributions: Contribution[]): bigint {
  let landlords = 0n;
  for (const c of contributions) if (c.kind === 'landlord') landlords += BigInt(c.dwellings) * BigInt(c.perDwellingCents);
  let total = landlords;
  for (const c of contributions) {
    if (c.kind === 'matching') {
      const raw = (landlords * BigInt(c.rateBp)) / 10000n;
      total += c.capCents === null || raw < BigInt(c.capCents) ? raw : BigInt(c.capCents);
    } else if (c.kind === 'fixed') total += BigInt(c.amountCents);
  }
  return total;
}

/** The whole form → FundInput; every message under its field's name. */
function parseFund(raw: unknown, ctx: z.RefinementCtx): FundInput | null {
  const body: Body = isBody(raw) ? raw : {};
  let failed = false;
  const add: Add = (field, message) => {
    failed = true;
    ctx.addIssue({ code: 'custom', path: [field], message });
  };
  const fields = base.safeParse(body);
  if (!fields.success) for (const issue of fields.error.issues) add(String(issue.path[0] ?? '_form'), issue.message);
  const startsOn = date(body, 'startsOn', add, 'Saisissez la date de début');
  const endsOn = date(body, 'endsOn', add, 'Saisissez la date de fin');
  if (startsOn && endsOn && endsOn < startsOn) add('endsOn', 'La date de fin doit être le même jour ou après la date de début');

  const seen = new Set<string>();
  const landlords = rows(body, 'landlord', add, (get, fail) => {
    const organisationId = landlordId(get('organisationId'), 'organisationId', fail);
    if (organisationId && seen.has(organisationId)) fail('organisationId', 'Ce bailleur apporte déjà une contribution plus haut : une ligne par bailleur');
    if (organisationId) seen.add(organisationId);
    const d = get('dwellings').replace(nonBreaking, '');
    let dwellings: number | null = null;
    if (d === '') fail('dwellings', 'Saisissez le nombre de logements');
    else if (!/^\d{1,8}$/.test(d) || Number(d) < 1 || Number(d) > MAX_DWELLINGS)
      fail('dwellings', `Le nombre de logements est un nombre entier de 1 à ${MAX_DWELLINGS.toLocaleString('fr-FR')}`);
    else dwellings = Number(d);
    const perDwellingCents = euros(get('perDwelling'), 'perDwelling', fail, 'le montant par logement', MAX_PER_DWELLING_CENTS);
    return organisationId && dwellings && perDwellingCents
      ? ({ kind: 'landlord', organisationId, organisationName: '', dwellings, perDwellingCents } satisfies Contribution)
      : null;
  });
  const matchings = rows(body, 'matching', add, (get, fail) => {
    const name = funderName(get('funderName'), 'funderName', fail);
    const r = get('rate');
    let rateBp: number | null = null;
    if (r === '') fail('rate', 'Saisissez le taux d’abondement');
    else if ((rateBp = percentToBp(r)) === null)
      fail('rate', 'Le taux est un pourcentage de 0,01 à 1 000, avec deux décimales au plus, par exemple 50 ou 33,33');
    const c = get('cap');
    const capCents = c === '' ? null : euros(c, 'cap', fail, 'le plafond');
    return name && rateBp ? ({ kind: 'matching', funderName: name, rateBp, capCents } satisfies Contribution) : null;
  });
  const fixed = rows(body, 'fixed', add, (get, fail) => {
    const name = funderName(get('funderName'), 'funderName', fail);
    const amountCents = euros(get('amount'), 'amount', fail, 'le montant de la dotation');
    return name && amountCents ? ({ kind: 'fixed', funderName: name, amountCents } satisfies Contribution) : null;
  });
  const allocated = new Set<string>();
  const allocations = rows(body, 'allocation', add, (get, fail) => {
    const organisationId = landlordId(get('organisationId'), 'organisationId', fail);
    if (organisationId && allocated.has(organisationId)) fail('organisationId', 'Ce bailleur a déjà une enveloppe plus haut : une ligne par bailleur');
    if (organisationId) allocated.add(organisationId);
    const amountCents = euros(get('amount'), 'amount', fail, 'le montant de l’enveloppe');
    return organisationId && amountCents ? { organisationId, amountCents } : null;
  });

  const contributions: Contribution[] = [...landlords, ...matchings, ...fixed];
  const anyContribution = ['landlord', 'matching', 'fixed'].some((k) => filledRows(body, k as RowKind).length > 0);
  if (!anyContribution) add('contributions', 'Indiquez au moins une contribution : un bailleur, un abondement ou une dotation');
  else if (exactTotal(contributions) > MAX_TOTAL_CENTS) add('contributions', 'Le total du fonds dépasse 10 milliards d’euros : vérifiez les montants');

  if (failed || !fields.success || !startsOn || !endsOn) return null;
  const f = fields.data;
  return { name: f.name, analyticCode: f.analyticCode, startsOn, endsOn, aidTypeCodes: f.aidTypeCodes, notes: f.notes ?? null, contributions, allocations };
}

/** The new fund's form. */
export const fundSchema = z.unknown().transform((raw, ctx): FundInput => parseFund(raw, ctx) ?? z.NEVER);

/** The edit form: the same, with the version it was read at. */
export const fundEditSchema = z.unknown().transform((raw, ctx): FundInput & { version: number } => {
  const version = versionField().safeParse(isBody(raw) ? raw.version : undefined);
  if (!version.success) ctx.addIssue({ code: 'custom', path: ['_form'], message: 'Le formulaire est incomplet : rechargez la page et recommencez' });
  const input = parseFund(raw, ctx);
  if (!version.success || input === null) return z.NEVER;
  return { ...input, version: version.data };
});

/** A fund's form prefilled from the fund (the edit page): its rows numbered from 0. */
export function fundValues(fund: FundView): Record<string, unknown> {
  const values: Record<string, unknown> = {
    name: fund.name,
    analyticCode: fund.analyticCode,
    startsOn: fund.startsOn,
    endsOn: fund.endsOn,
    aidTypeCodes: fund.aidTypeCodes,
    notes: fund.notes ?? '',
    version: fund.version,
  };
  const index: Record<RowKind, number> = { landlord: 0, matching: 0, fixed: 0, allocation: 0 };
  const put = (kind: RowKind, row: Record<string, string>) => {
    const i = index[kind]++;
    for (const [k, v] of Object.entries(row)) values[rowField(kind, i, k)] = v;
  };
  for (const c of fund.contributions) {
    if (c.kind === 'landlord')
      put('landlord', { organisationId: c.organisationId, dwellings: String(c.dwellings), perDwelling: centsToInput(c.perDwellingCents) });
    else if (c.kind === 'matching')
      put('matching', { funderName: c.funderName, rate: bpToPercentInput(c.rateBp), cap: c.capCents === null ? '' : centsToInput(c.capCents) });
    else put('fixed', { funderName: c.funderName, amount: centsToInput(c.amountCents) });
  }
  for (const a of fund.allocations) put('allocation', { organisationId: a.organisationId, amount: centsToInput(a.amountCents) });
  return values;
}
