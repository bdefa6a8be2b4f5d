import type { Knex } from 'knex';
import type { Db } from '../db/types';

/** Which cells a figure reads: the period, and what the person's role and filters narrow it to. */
export interface CellFilter {
  nature: 'aide' | 'accompagnement';
  fromMonth: string;
  toMonth: string;
  organisationId?: string;
  typeId?: string;
  departement?: string;
  adviserId?: string;
}

/** A dimension a table breaks the figures down by. */
export type Dimension = 'month' | 'type_id' | 'organisation_id' | 'departement' | 'cause' | 'composition';

/** The additive figures of a set of cells, as PostgreSQL sums them. */
export interface Sums {
  received: number;
  decided: number;
  granted: number;
  refused: number;
  adjourned: number;
  payments: number;
  opened: number;
  completed: number;
  interrupted: number;
  sessions: number;
  minutes: number;
  objectives: number;
  objectivesReached: number;
  requestedCents: number;
  grantedCents: number;
  paidCents: number;
}

export type DelayMeasure = 'decision' | 'first_payment' | 'information';

/** How many delays of each length (days), in order: medians and percentiles are read from it exactly. */
export type DelayHistogram = Array<{ days: number; n: number }>;

const SUM_COLUMNS: Record<keyof Sums, string> = {
  received: 'received',
  decided: 'decided',
  granted: 'granted',
  refused: 'refused',
  adjourned: 'adjourned',
  payments: 'payments',
  opened: 'opened',
  completed: 'completed',
  interrupted: 'interrupted',
  sessions: 'sessions',
  minutes: 'minutes',
  objectives: 'objectives',
  objectivesReached: 'objectives_reached',
  requestedCents: 'requested_cents',
  grantedCents: 'granted_cents',
  paidCents: 'paid_cents',
};
export const NO_SUMS: Sums = Object.fromEntries(Object.keys(SUM_COLUMNS).map((k) => [k, 0])) as unknown as Sums;

function where(q: Knex.QueryBuilder, f: CellFilter): Knex.QueryBuilder {
  q.where('nature', f.nature).whereBetween('month', [f.fromMonth, f.toMonth]);
  if (f.organisationId) q.where('organisation_id', f.organisationId);
  if (f.typeId) q.where('type_id', f.typeId);
  if (f.departement) q.where('departement', f.departement);
  if (f.adviserId) q.where('adviser_id', f.adviserId);
  return q;
}

const toSums = (row: Record<string, unknown> | undefined): Sums =>
  Object.fromEntries(Object.entries(SUM_COLUMNS).map(([key, column]) => [key, Number(row?.[column] ?? 0)])) as unknown as Sums;

/** Reads the statistics' aggregates (migrations/063): sums, distinct households and delay histograms, by any dimension. */
export class StatisticsRepository {
  /** The sums of the cells, grouped by `by` (one row per value) or in total. */
  async sums(db: Db, f: CellFilter, by?: Dimension): Promise<Array<{ key: string; sums: Sums }>> {
    const q = where(db('stat_cells'), f).select(Object.values(SUM_COLUMNS).map((c) => db.raw('coalesce(sum(??), 0)::bigint as ??', [c, c])));
    if (by) q.select(db.raw('??::text as key', [by])).groupBy(by);
    const rows = (await q) as Array<Record<string, unknown>>;
    return rows.map((r) => ({ key: by ? String(r.key) : '', sums: toSums(r) }));
  }

  /** Distinct households behind the cells (all, and those helped), grouped by `by` or in total. */
  async households(db: Db, f: CellFilter, by?: Dimension): Promise<Array<{ key: string; concerned: number; helped: number }>> {
    const q = where(db('stat_households'), f).select(
      db.raw('count(distinct household_id)::int as concerned'),
      db.raw('count(distinct household_id) filter (where helped)::int as helped'),
    );
    if (by) q.select(db.raw('??::text as key', [by])).groupBy(by);
    const rows = (await q) as Array<{ key?: string; concerned: number; helped: number }>;
    return rows.map((r) => ({ key: by ? String(r.key) : '', concerned: Number(r.concerned), helped: Number(r.helped) }));
  }

  /** The delays of a measure, as a histogram, grouped by `by` or in total. */
  async delays(db: Db, f: CellFilter, measure: DelayMeasure, by?: Dimension): Promise<Map<string, DelayHistogram>> {
    const q = where(db('stat_delays'), f).where('measure', measure).select('days', db.raw('sum(n)::int as n')).groupBy('days').orderBy('days');
    if (by) q.select(db.raw('??::text as key', [by])).groupBy(by);
    const rows = (await q) as Array<{ key?: string; days: number; n: number }>;
    const out = new Map<string, DelayHistogram>();
    for (const r of rows) {
      const key = by ? String(r.key) : '';
      const list = out.get(key) ?? [];
      list.push({ days: Number(r.days), n: Number(r.n) });
      out.set(key, list);
    }
    return out;
  }

  /** Landlords that are members of the association (the denominator of the average beside a landlord's figures). */
  async memberLandlordCount(db: Db): Promise<number> {
    const row = await db('organisations').where({ kind: 'landlord' }).count<{ n: string }>('* as n').first();
    return Number(row?.n ?? 0);
  }

  /** Names of the types and landlords a table shows (never a person's). */
  async labels(db: Db): Promise<{ aidTypes: Map<string, string>; missionTypes: Map<string, string>; landlords: Map<string, string> }> {
    const [aid, mission, landlords] = await Promise.all([
      db('aid_types').select('id', 'code', 'label'),
      db('mission_types').select('id', 'code', 'label'),
      db('organisations').where({ kind: 'landlord' }).select('id', 'name'),
    ]);
    return {
      aidTypes: new Map((aid as Array<{ id: string; label: string }>).map((r) => [r.id, r.label])),
      missionTypes: new Map((mission as Array<{ id: string; label: string }>).map((r) => [r.id, r.label])),
      landlords: new Map((landlords as Array<{ id: string; name: string }>).map((r) => [r.id, r.name])),
    };
  }

  /** The départements figures exist for (the filter's choices). */
  async departements(db: Db, organisationId?: string): Promise<string[]> {
    const q = db('stat_cells').distinct('departement').orderBy('departement');
    if (organisationId) q.where('organisation_id', organisationId);
    return ((await q) as Array<{ departement: string }>).map((r) => r.departement);
  }
}
