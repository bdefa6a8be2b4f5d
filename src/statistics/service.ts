import type { Knex } from 'knex';
import { z } from 'zod';
import { type Actor, can, scopeFor } from '../permissions';
import type { Clock } from '../shared/clock';
import { addMonths, parisDate } from '../shared/dates';
import { urls } from '../urls';
import { bucketed, countFigure, delayCount, type Figure, figure, percent, quantile, SECRECY_THRESHOLD } from './figures';
import { type CellFilter, type DelayHistogram, type Dimension, NO_SUMS, StatisticsRepository, type Sums } from './repository';
import type { StatisticsRefresher } from './refresh';
import { monthsBetween } from './refresh';

/** How many computed views are kept in memory (each a few tens of kilobytes). */
const VIEWS_KEPT = 300;

/** At most this many months on one page (two years: a period and the one before it stay readable). */
export const MAX_MONTHS = 24;

const month = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/)
  .optional()
  .catch(undefined);
/** Query strings are never an error: what does not parse is ignored (a bookmarked URL keeps working). */
export const statisticsQuery = z.object({
  du: month,
  au: month,
  comparer: z.enum(['annee', 'periode', 'non']).catch('annee').default('annee'),
  type: z.uuid().optional().catch(undefined),
  bailleur: z.uuid().optional().catch(undefined),
  dep: z
    .string()
    .regex(/^(\d{2}|2[AB]|9[78]\d)$/)
    .optional()
    .catch(undefined),
});
export type StatisticsQuery = z.infer<typeof statisticsQuery>;

export const CAUSE_BLANK = '';

/** One row of an aid table: what was received, decided, granted and paid for one value of the dimension. */
export interface AidRow {
  key: string;
  label: string;
  received: Figure;
  decided: Figure;
  granted: Figure;
  refused: Figure;
  adjourned: Figure;
  grantRate: Figure;
  requested: Figure;
  grantedAmount: Figure;
  paid: Figure;
  households: Figure;
  decisionMedian: Figure;
  /** the list of the requests this row's « received » counts, for a person allowed to read it */
  drill: string | null;
}

export interface MissionRow {
  key: string;
  label: string;
  opened: Figure;
  completed: Figure;
  interrupted: Figure;
  hours: Figure;
  objectivesRate: Figure;
  households: Figure;
}

export interface Headline {
  key: string;
  label: string;
  value: Figure;
  previous: Figure | null;
  /** a landlord's figures: the association's average per member landlord, beside */
  average: Figure | null;
}

export interface Period {
  from: string;
  to: string;
  months: string[];
}

export interface StatisticsView {
  updatedAt: Date | null;
  period: Period;
  comparison: Period | null;
  /** whose figures: the association, one landlord, one adviser's missions */
  audience: 'association' | 'landlord' | 'adviser';
  query: StatisticsQuery & { du: string; au: string };
  choices: { aidTypes: Array<{ id: string; label: string }>; landlords: Array<{ id: string; label: string }>; departements: string[] };
  aid: {
    headline: Headline[];
    byMonth: AidRow[];
    byAidType: AidRow[];
    byLandlord: AidRow[] | null;
    byDepartement: AidRow[];
    byCause: AidRow[];
    byComposition: AidRow[];
    delays: Array<{ key: string; label: string; median: Figure; p90: Figure; measured: Figure }>;
    decisionDelayBuckets: Array<number | null>;
  } | null;
  missions: { headline: Headline[]; byMonth: MissionRow[]; byMissionType: MissionRow[] };
}

const MONTH_NAMES = ['janv.', 'févr.', 'mars', 'avr.', 'mai', 'juin', 'juil.', 'août', 'sept.', 'oct.', 'nov.', 'déc.'];
export const monthLabel = (m: string): string => `${MONTH_NAMES[Number(m.slice(5, 7)) - 1]} ${m.slice(0, 4)}`;

/** The figures of a row from its sums, households and decision delays: every figure secret when 1 to 4 households are behind it. */
function aidRow(
  key: string,
  label: string,
  s: Sums,
  households: { concerned: number; helped: number },
  delays: DelayHistogram | undefined,
  drill: string | null,
): AidRow {
  const hidden = households.concerned > 0 && households.concerned < SECRECY_THRESHOLD;
  return {
    key,
    label,
    received: countFigure(s.received, hidden),
    decided: countFigure(s.decided, hidden),
    granted: countFigure(s.granted, hidden),
    refused: countFigure(s.refused, hidden),
    adjourned: countFigure(s.adjourned, hidden),
    grantRate: figure('percent', percent(s.granted, s.decided), { hidden, basis: s.decided }),
    requested: figure('euros', s.received > 0 ? s.requestedCents : null, { hidden, basis: s.received }),
    grantedAmount: figure('euros', s.granted > 0 ? s.grantedCents : null, { hidden, basis: s.granted }),
    paid: figure('euros', s.payments > 0 ? s.paidCents : null, { hidden, basis: s.payments }),
    households: countFigure(households.helped, hidden),
    decisionMedian: figure('days', quantile(delays ?? [], 0.5), { hidden, basis: delayCount(delays) }),
    drill: hidden ? null : drill,
  };
}

function missionRow(key: string, label: string, s: Sums, households: { concerned: number; helped: number }): MissionRow {
  const hidden = households.concerned > 0 && households.concerned < SECRECY_THRESHOLD;
  return {
    key,
    label,
    opened: countFigure(s.opened, hidden),
    completed: countFigure(s.completed, hidden),
    interrupted: countFigure(s.interrupted, hidden),
    hours: figure('hours', s.sessions > 0 ? Math.round(s.minutes / 6) / 10 : null, { hidden, basis: s.sessions }),
    objectivesRate: figure('percent', percent(s.objectivesReached, s.objectives), { hidden, basis: s.completed }),
    households: countFigure(households.helped, hidden),
  };
}

/**
 * The statistics (docs/statistiques.md): figures of requests and support missions over a period,
 * beside the same period a year before (or the period just before), broken down by month, aid
 * type, landlord, département, cause and household composition — read from the aggregates the
 * `statistics-refresh` job keeps current, never from a person's record. Who sees what: the
 * association and the auditor everything; a landlord administrator its organisation only, with
 * the association's average per member landlord beside; an adviser the missions assigned to them.
 * A figure behind which 1 to 4 households stand is shown « < 5 », here and in downloads.
 */
export class StatisticsService {
  private readonly db: Knex;
  private readonly clock: Clock;
  private readonly repository: StatisticsRepository;
  private readonly refresher: StatisticsRefresher;
  private readonly causeLabels: Readonly<Record<string, string>>;
  /** views computed lately, by what they show (oldest dropped first) */
  private readonly views = new Map<string, Promise<StatisticsView>>();

  constructor(deps: {
    db: Knex;
    clock: Clock;
    refresher: StatisticsRefresher;
    /** the causes of difficulty in French (the filing area owns them; the root passes them) */
    causeLabels: Readonly<Record<string, string>>;
    repository?: StatisticsRepository;
  }) {
    this.db = deps.db;
    this.causeLabels = deps.causeLabels;
    this.clock = deps.clock;
    this.refresher = deps.refresher;
    this.repository = deps.repository ?? new StatisticsRepository();
  }

  /** The period asked for (default: the twelve months up to this one), at most MAX_MONTHS, in order. */
  period(query: StatisticsQuery): Period {
    const current = parisDate(this.clock.now()).slice(0, 7);
    let to = query.au && query.au <= current ? query.au : current;
    let from = query.du ?? addMonths(`${to}-01`, -11).slice(0, 7);
    if (from > to) [from, to] = [to, from];
    const earliest = addMonths(`${to}-01`, -(MAX_MONTHS - 1)).slice(0, 7);
    if (from < earliest) from = earliest;
    return { from, to, months: monthsBetween(from, to) };
  }

  private comparison(period: Period, mode: StatisticsQuery['comparer']): Period | null {
    if (mode === 'non') return null;
    const shift = mode === 'annee' ? 12 : period.months.length;
    const from = addMonths(`${period.from}-01`, -shift).slice(0, 7);
    const to = addMonths(`${period.to}-01`, -shift).slice(0, 7);
    return { from, to, months: monthsBetween(from, to) };
  }

  /**
   * The page's figures; `parts: 'charts'` computes only what the charts draw (the months, the
   * delays' distribution), for the chart images that each come in their own request.
   */
  async view(actor: Actor, query: StatisticsQuery, parts: 'all' | 'charts' = 'all'): Promise<StatisticsView> {
    scopeFor(actor, 'statistics:view');
    // the figures change only when the aggregates are refreshed: a view is computed once per reach,
    // filters, refresh and current month (the default period follows the month)
    const refresh = await this.refresher.lastRefresh();
    const key = JSON.stringify([
      parts,
      actor.role,
      actor.organisationId,
      actor.role === 'social_adviser' ? actor.userId : '',
      can(actor, 'requests:read'),
      query,
      refresh.id,
      parisDate(this.clock.now()).slice(0, 7),
    ]);
    // one computation per view, however many people ask for it at once: they wait for the same one
    const known = this.views.get(key);
    if (known) return known;
    const computing = this.compute(actor, query, parts);
    this.views.set(key, computing);
    if (this.views.size > VIEWS_KEPT) this.views.delete(this.views.keys().next().value as string);
    try {
      return await computing;
    } catch (error) {
      this.views.delete(key);
      throw error;
    }
  }

  /**
   * Computes, after a refresh, the views the association opens most — the default page of an
   * administrator, an operator and the auditor, and its charts — so that the first person to open
   * them does not wait for the aggregates to be read.
   */
  async warm(): Promise<number> {
    const association = await this.db('organisations').where({ kind: 'association' }).orderBy('created_at').first<{ id: string } | undefined>('id');
    if (!association) return 0;
    const query = statisticsQuery.parse({});
    let n = 0;
    for (const role of ['admin', 'operator', 'auditor'] as const) {
      const reader: Actor = { userId: '', role, organisationId: association.id, organisationKind: 'association', name: 'Statistiques' };
      await this.view(reader, query, 'all');
      await this.view(reader, query, 'charts');
      n += 2;
    }
    return n;
  }

  private async compute(actor: Actor, query: StatisticsQuery, parts: 'all' | 'charts'): Promise<StatisticsView> {
    const full = parts === 'all';
    const scope = scopeFor(actor, 'statistics:view');
    const audience = actor.role === 'social_adviser' ? 'adviser' : scope.all ? 'association' : 'landlord';
    const period = this.period(query);
    const comparison = this.comparison(period, query.comparer);
    const organisationId = audience === 'landlord' && !scope.all ? scope.organisationId : audience === 'association' ? query.bailleur : undefined;
    const base = {
      organisationId,
      typeId: query.type,
      departement: query.dep,
      adviserId: audience === 'adviser' ? actor.userId : undefined,
    };
    const labels = await this.repository.labels(this.db);
    const aid = (from: string, to: string): CellFilter => ({ nature: 'aide', fromMonth: from, toMonth: to, ...base });
    const missions = (from: string, to: string): CellFilter => ({ ...aid(from, to), nature: 'accompagnement', typeId: undefined });
    const withinPeriod = aid(period.from, period.to);
    const canList = can(actor, 'requests:read') && !query.dep;
    const drill = (extra: Record<string, string | undefined>) =>
      canList
        ? `${urls.requests()}?${new URLSearchParams(
            Object.entries({
              type: query.type,
              bailleur: audience === 'association' ? query.bailleur : undefined,
              du: `${period.from}-01`,
              au: lastDay(period.to),
              ...extra,
            }).filter((e): e is [string, string] => e[1] !== undefined),
          ).toString()}`
        : null;

    const aidTable = async (f: CellFilter, by: Dimension, label: (key: string) => string, drillOf?: (key: string) => string | null): Promise<AidRow[]> => {
      const [sums, households, delays] = [
        await this.repository.sums(this.db, f, by),
        await this.repository.households(this.db, f, by),
        await this.repository.delays(this.db, f, 'decision', by),
      ];
      const keys = by === 'month' ? monthsBetween(f.fromMonth, f.toMonth) : [...new Set([...sums.map((s) => s.key), ...households.map((h) => h.key)])];
      const rows = keys.map((key) =>
        aidRow(
          key,
          label(key),
          sums.find((s) => s.key === key)?.sums ?? NO_SUMS,
          households.find((h) => h.key === key) ?? { concerned: 0, helped: 0 },
          delays.get(key),
          drillOf ? drillOf(key) : null,
        ),
      );
      return by === 'month' ? rows : rows.sort((a, b) => a.label.localeCompare(b.label, 'fr'));
    };
    const missionTable = async (f: CellFilter, by: Dimension, label: (key: string) => string): Promise<MissionRow[]> => {
      const [sums, households] = [await this.repository.sums(this.db, f, by), await this.repository.households(this.db, f, by)];
      const keys = by === 'month' ? monthsBetween(f.fromMonth, f.toMonth) : sums.map((s) => s.key);
      const rows = keys.map((key) =>
        missionRow(key, label(key), sums.find((s) => s.key === key)?.sums ?? NO_SUMS, households.find((h) => h.key === key) ?? { concerned: 0, helped: 0 }),
      );
      return by === 'month' ? rows : rows.sort((a, b) => a.label.localeCompare(b.label, 'fr'));
    };

    // the whole period, its comparison, and (for a landlord) the association's average per member landlord
    const totalsOf = new Map<string, ReturnType<typeof computeTotals>>();
    // the period's totals are read once, for the headline and the delays
    const totals = (f: CellFilter): ReturnType<typeof computeTotals> => {
      const k = JSON.stringify(f);
      const known = totalsOf.get(k);
      if (known) return known;
      const made = computeTotals(f);
      totalsOf.set(k, made);
      return made;
    };
    const computeTotals = async (f: CellFilter) => ({
      sums: (await this.repository.sums(this.db, f))[0]?.sums ?? NO_SUMS,
      households: (await this.repository.households(this.db, f))[0] ?? { key: '', concerned: 0, helped: 0 },
      delays: {
        decision: (await this.repository.delays(this.db, f, 'decision')).get('') ?? [],
        first_payment: (await this.repository.delays(this.db, f, 'first_payment')).get('') ?? [],
        information: (await this.repository.delays(this.db, f, 'information')).get('') ?? [],
      },
    });
    const landlords = audience === 'landlord' ? await this.repository.memberLandlordCount(this.db) : 0;
    const association = (f: CellFilter): CellFilter => ({ ...f, organisationId: undefined });

    const aidHeadline = async (): Promise<Headline[]> => {
      const now = await totals(withinPeriod);
      const before = comparison ? await totals(aid(comparison.from, comparison.to)) : null;
      const all = audience === 'landlord' ? await totals(association(withinPeriod)) : null;
      const rowOf = (t: Awaited<ReturnType<typeof totals>>) => aidRow('', '', t.sums, t.households, t.delays.decision, null);
      const averaged = (t: Awaited<ReturnType<typeof totals>>): AidRow | null => {
        if (landlords === 0) return null;
        const per = (n: number) => Math.round((n * 10) / landlords) / 10;
        const s = Object.fromEntries((Object.entries(t.sums) as Array<[keyof Sums, number]>).map(([k, v]) => [k, per(v)])) as unknown as Sums;
        return aidRow('', '', s, { concerned: t.households.concerned, helped: per(t.households.helped) }, t.delays.decision, null);
      };
      const [r, p, a] = [rowOf(now), before ? rowOf(before) : null, all ? averaged(all) : null];
      const line = (key: Exclude<keyof AidRow, 'key' | 'label' | 'drill'>, label: string): Headline => ({
        key,
        label,
        value: r[key],
        previous: p ? p[key] : null,
        average: a ? a[key] : null,
      });
      return [
        { ...line('received', 'Demandes reçues') },
        line('decided', 'Demandes décidées'),
        line('granted', 'Accords'),
        line('refused', 'Refus'),
        line('adjourned', 'Ajournements'),
        line('grantRate', 'Taux d’accord'),
        line('requested', 'Montant demandé'),
        line('grantedAmount', 'Montant accordé'),
        line('paid', 'Montant versé'),
        line('households', 'Ménages aidés (distincts)'),
      ];
    };

    const delayLines = async () => {
      const t = await totals(withinPeriod);
      const hidden = t.households.concerned > 0 && t.households.concerned < SECRECY_THRESHOLD;
      const line = (key: 'decision' | 'first_payment' | 'information', label: string) => {
        const h = t.delays[key];
        const n = delayCount(h);
        return {
          key,
          label,
          median: figure('days', quantile(h, 0.5), { hidden, basis: n }),
          p90: figure('days', quantile(h, 0.9), { hidden, basis: n }),
          measured: countFigure(n, hidden),
        };
      };
      return {
        lines: [
          line('decision', 'Du dépôt à la décision'),
          line('first_payment', 'De la décision au premier versement'),
          line('information', 'D’une demande d’information à sa réponse'),
        ],
        buckets: hidden ? bucketed([]).map(() => null) : bucketed(t.delays.decision),
      };
    };

    const missionHeadline = async (): Promise<Headline[]> => {
      const f = missions(period.from, period.to);
      const row = async (x: CellFilter) => {
        const s = (await this.repository.sums(this.db, x))[0]?.sums ?? NO_SUMS;
        const h = (await this.repository.households(this.db, x))[0] ?? { concerned: 0, helped: 0 };
        return missionRow('', '', s, h);
      };
      const r = await row(f);
      const p = comparison ? await row(missions(comparison.from, comparison.to)) : null;
      const line = (key: Exclude<keyof MissionRow, 'key' | 'label'>, label: string): Headline => ({
        key,
        label,
        value: r[key],
        previous: p ? p[key] : null,
        average: null,
      });
      return [
        line('opened', 'Accompagnements ouverts'),
        line('completed', 'Accompagnements terminés'),
        line('interrupted', 'Accompagnements interrompus'),
        line('hours', 'Heures d’entretien'),
        line('objectivesRate', 'Objectifs atteints'),
        line('households', 'Ménages accompagnés (distincts)'),
      ];
    };

    const aidView =
      audience === 'adviser'
        ? null
        : await (async () => {
            const delays = await delayLines();
            return {
              headline: full ? await aidHeadline() : [],
              byMonth: await aidTable(withinPeriod, 'month', monthLabel, (m) => drill({ du: `${m}-01`, au: lastDay(m) })),
              byAidType: full
                ? await aidTable(
                    withinPeriod,
                    'type_id',
                    (k) => labels.aidTypes.get(k) ?? 'Type supprimé',
                    (k) => drill({ type: k }),
                  )
                : [],
              byLandlord:
                full && audience === 'association'
                  ? await aidTable(
                      withinPeriod,
                      'organisation_id',
                      (k) => labels.landlords.get(k) ?? 'Bailleur',
                      (k) => drill({ bailleur: k }),
                    )
                  : null,
              byDepartement: full ? await aidTable(withinPeriod, 'departement', (k) => k) : [],
              byCause: full ? await aidTable(withinPeriod, 'cause', (k) => (k === CAUSE_BLANK ? 'Non précisée' : (this.causeLabels[k] ?? k))) : [],
              byComposition: full ? await aidTable(withinPeriod, 'composition', (k) => COMPOSITION_LABELS[k] ?? k) : [],
              delays: delays.lines,
              decisionDelayBuckets: delays.buckets,
            };
          })();

    const choices = {
      aidTypes: [...labels.aidTypes].map(([id, label]) => ({ id, label })).sort((a, b) => a.label.localeCompare(b.label, 'fr')),
      landlords:
        audience === 'association' ? [...labels.landlords].map(([id, label]) => ({ id, label })).sort((a, b) => a.label.localeCompare(b.label, 'fr')) : [],
      departements: full ? await this.repository.departements(this.db, audience === 'landlord' ? organisationId : undefined) : [],
    };

    return {
      updatedAt: await this.refresher.updatedAt(),
      period,
      comparison,
      audience,
      query: { ...query, du: period.from, au: period.to },
      choices,
      aid: aidView,
      missions: {
        headline: full ? await missionHeadline() : [],
        byMonth: await missionTable(missions(period.from, period.to), 'month', monthLabel),
        byMissionType: full ? await missionTable(missions(period.from, period.to), 'type_id', (k) => labels.missionTypes.get(k) ?? 'Type supprimé') : [],
      },
    };
  }
}

const lastDay = (m: string): string => {
  const next = new Date(`${addMonths(`${m}-01`, 1)}T00:00:00Z`);
  next.setUTCDate(0);
  return next.toISOString().slice(0, 10);
};

export const COMPOSITION_LABELS: Record<string, string> = { '1': '1 personne', '2': '2 personnes', '3-4': '3 ou 4 personnes', '5+': '5 personnes ou plus' };
