import type { Knex } from 'knex';
import type { AccessLogService } from '../audit/access-log';
import type { AuditService } from '../audit/service';
import { type Actor, can, scopeFor } from '../permissions/index';
import type { Clock } from '../shared/clock';
import { parisDate } from '../shared/dates';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors';
import { xlsxBuffer } from '../shared/xlsx';
import { lineChartSvg } from '../statistics/charts';
import { type ComputedContribution, computeTotal, type Contribution, usedBp, WARNING_BP } from './amounts';
import type { Budget } from './budget';
import type { Allocation, FundFields, FundRecord, FundRepository, Movement, MovementKind } from './repository';

/** A fund as its pages show it: the envelope, its formula, what is committed, paid and left. */
export interface FundView extends FundRecord {
  contributions: ComputedContribution[];
  formula: string;
  allocations: Allocation[];
  remainingCents: number;
  /** committed ÷ total, in basis points (8000 = the warning) */
  usedBp: number;
  warning: boolean;
  /** open on the date (its period holds it) */
  open: boolean;
  /** the aid types it pays, with their labels */
  aidTypes: Array<{ code: string; label: string }>;
  /** grants proposed on the fund, waiting for validation: not committed yet, they will be if validated */
  pendingCents: number;
}

/** What the fund form posts, parsed (the form's schema builds it). */
export interface FundInput {
  name: string;
  analyticCode: string;
  startsOn: string;
  endsOn: string;
  aidTypeCodes: string[];
  notes: string | null;
  contributions: Contribution[];
  allocations: Array<{ organisationId: string; amountCents: number }>;
}

export const MOVEMENT_LABELS: Record<MovementKind, string> = {
  commit: 'Engagement (aide accordée)',
  release: 'Libération (échéances annulées)',
  consume: 'Consommation (virement parti)',
  unconsume: 'Virement rejeté (de nouveau engagé)',
};

const PAGE_SIZE = 50;

/**
 * Budget envelopes: administrators define them (period, aid types, contributions, allocations);
 * the association and the auditor read what each has committed, paid and left, by landlord, aid
 * type and month, and the movements with the requests they come from. No personal data: a
 * movement names its request by reference, its landlord and its amount.
 */
export class FundService {
  private readonly db: Knex;
  private readonly funds: FundRepository;
  private readonly budget: Budget;
  private readonly audit: AuditService;
  private readonly accessLog: AccessLogService;
  private readonly clock: Clock;

  constructor(deps: { db: Knex; funds: FundRepository; budget: Budget; audit: AuditService; accessLog: AccessLogService; clock: Clock }) {
    this.db = deps.db;
    this.funds = deps.funds;
    this.budget = deps.budget;
    this.audit = deps.audit;
    this.accessLog = deps.accessLog;
    this.clock = deps.clock;
  }

  async list(actor: Actor): Promise<FundView[]> {
    scopeFor(actor, 'funds:read');
    const out: FundView[] = [];
    for (const f of await this.funds.list(this.db)) out.push(await this.view(f));
    return out;
  }

  async get(actor: Actor, id: string): Promise<FundView> {
    scopeFor(actor, 'funds:read');
    const f = await this.funds.find(this.db, id);
    if (!f) throw new NotFoundError();
    return this.view(f);
  }

  /** The funds at or above 80 % committed, still open (the home page's banner for operators and administrators). */
  async warnings(actor: Actor): Promise<FundView[]> {
    scopeFor(actor, 'funds:read');
    const out: FundView[] = [];
    for (const f of await this.funds.warned(this.db, parisDate(this.clock.now()))) out.push(await this.view(f));
    return out;
  }

  private async view(f: FundRecord): Promise<FundView> {
    const { contributions, formula } = computeTotal(await this.funds.contributions(this.db, f.id));
    const bp = usedBp(f.committedCents, f.totalCents);
    const today = parisDate(this.clock.now());
    const labels = await this.funds.aidTypeLabels(this.db);
    const pending = (await this.funds.pendingGrants(this.db, [f.id])).get(f.id) ?? 0;
    return {
      ...f,
      contributions,
      formula,
      allocations: await this.funds.allocations(this.db, f.id),
      remainingCents: f.totalCents - f.committedCents,
      usedBp: bp,
      warning: bp >= WARNING_BP,
      open: f.startsOn <= today && today <= f.endsOn,
      aidTypes: f.aidTypeCodes.map((code) => ({ code, label: labels.get(code) ?? code })),
      pendingCents: pending,
    };
  }

  /** Committed and paid by landlord (with its allocation and what is left of it) and by aid type. */
  async breakdowns(actor: Actor, id: string) {
    const fund = await this.get(actor, id);
    const allocation = new Map(fund.allocations.map((a) => [a.organisationId, a.amountCents]));
    const byLandlord = (await this.funds.breakdown(this.db, fund.id, 'organisation')).map((r) => ({
      ...r,
      allocationCents: allocation.get(r.key) ?? null,
      remainingCents: allocation.has(r.key) ? (allocation.get(r.key) as number) - r.committedCents : null,
    }));
    for (const a of fund.allocations)
      if (!byLandlord.some((r) => r.key === a.organisationId))
        byLandlord.push({
          key: a.organisationId,
          label: a.organisationName,
          committedCents: 0,
          consumedCents: 0,
          allocationCents: a.amountCents,
          remainingCents: a.amountCents,
        });
    const labels = new Map(fund.aidTypes.map((t) => [t.code, t.label]));
    const byAidType = (await this.funds.breakdown(this.db, fund.id, 'aid_type')).map((r) => ({ ...r, label: labels.get(r.key) ?? r.key }));
    return { fund, byLandlord, byAidType, months: await this.timeline(fund) };
  }

  /** Month by month over the fund's period (to today): committed and paid so far, cumulated. */
  private async timeline(fund: FundView): Promise<Array<{ month: string; committedCents: number; consumedCents: number }>> {
    const moved = new Map((await this.funds.monthly(this.db, fund.id)).map((m) => [m.month, m]));
    const first = [...moved.keys()].sort()[0];
    const start = [fund.startsOn.slice(0, 7), first].filter((x): x is string => Boolean(x)).sort()[0] as string;
    const today = parisDate(this.clock.now()).slice(0, 7);
    const endMonth = [fund.endsOn.slice(0, 7), today].sort()[0] as string;
    const last = [...moved.keys()].sort().reverse()[0];
    const end = last && last > endMonth ? last : endMonth;
    const out: Array<{ month: string; committedCents: number; consumedCents: number }> = [];
    let committed = 0;
    let consumed = 0;
    for (let m = start; m <= end && out.length < 120; m = nextMonth(m)) {
      committed += moved.get(m)?.committedCents ?? 0;
      consumed += moved.get(m)?.consumedCents ?? 0;
      out.push({ month: m, committedCents: committed, consumedCents: consumed });
    }
    return out;
  }

  /** The chart of the fund page: committed and paid, cumulated by month, beside the envelope. */
  async chart(actor: Actor, id: string): Promise<string> {
    const { fund, months } = await this.breakdowns(actor, id);
    return lineChartSvg({
      title: `${fund.name} : engagé et versé, cumulés par mois`,
      categories: months.map((m) => monthLabel(m.month)),
      series: [
        { name: 'Engagé', values: months.map((m) => m.committedCents) },
        { name: 'Versé', values: months.map((m) => m.consumedCents) },
        { name: 'Enveloppe', values: months.map(() => fund.totalCents) },
      ],
      unit: 'euros',
    });
  }

  async movements(actor: Actor, id: string, page: number): Promise<{ rows: Movement[]; total: number; page: number; pages: number }> {
    const fund = await this.get(actor, id);
    const safe = Number.isInteger(page) && page >= 1 && page <= 100_000 ? page : 1;
    const { rows, total } = await this.funds.movements(this.db, fund.id, safe, PAGE_SIZE);
    return { rows, total, page: safe, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)) };
  }

  /** The fund in a workbook: its movements (request reference, landlord, aid type, amount), oldest first. */
  async exportXlsx(actor: Actor, id: string): Promise<{ filename: string; data: Buffer }> {
    const fund = await this.get(actor, id);
    const rows = await this.funds.allMovements(this.db, fund.id);
    // who decided and the override's free-text reason: only for those who read the requests (never the auditor)
    const named = can(actor, 'requests:read');
    await this.accessLog.read(actor, { action: 'fund.export', entityType: 'fund', entityId: fund.id });
    async function* source() {
      yield* rows;
    }
    const data = await xlsxBuffer(
      'Mouvements',
      [
        { header: 'Date', format: 'date' },
        { header: 'Mouvement', format: 'text' },
        { header: 'Demande', format: 'text' },
        { header: 'Bailleur', format: 'text' },
        { header: 'Aide', format: 'text' },
        { header: 'Engagé (€)', format: 'euros' },
        { header: 'Versé (€)', format: 'euros' },
        { header: 'Par', format: 'text' },
        { header: 'Dépassement autorisé', format: 'text' },
      ],
      source(),
      (m) => [
        m.occurredAt,
        MOVEMENT_LABELS[m.kind],
        m.reference,
        m.organisationName,
        m.aidTypeCode,
        m.kind === 'commit' ? m.amountCents / 100 : m.kind === 'release' ? -m.amountCents / 100 : 0,
        m.kind === 'consume' ? m.amountCents / 100 : m.kind === 'unconsume' ? -m.amountCents / 100 : 0,
        named ? m.byLabel : null,
        m.overrideReason ? (named ? m.overrideReason : 'Oui') : null,
      ],
    );
    return { filename: `fonds-${fund.analyticCode.toLowerCase()}.xlsx`, data };
  }

  async create(actor: Actor, input: FundInput): Promise<string> {
    scopeFor(actor, 'funds:manage');
    return this.db.transaction(async (trx) => {
      const fields = await this.fields(trx, input);
      const id = await this.funds.insert(trx, fields, actor.userId, this.clock.now());
      await this.audit.record(trx, actor, {
        entityType: 'fund',
        entityId: id,
        organisationId: null,
        action: 'fund.created',
        before: null,
        after: auditable(fields),
      });
      return id;
    });
  }

  async update(actor: Actor, id: string, version: number, input: FundInput): Promise<{ mails: string[] }> {
    scopeFor(actor, 'funds:manage');
    return this.db.transaction(async (trx) => {
      const before = await this.funds.find(trx, id, true);
      if (!before) throw new NotFoundError();
      if (before.version !== version) throw new ConflictError();
      const fields = await this.fields(trx, input, id);
      const old = auditable({ ...before, contributions: await this.funds.contributions(trx, id), allocations: await this.funds.allocations(trx, id) });
      const now = this.clock.now();
      if (!(await this.funds.update(trx, id, version, fields, now))) throw new ConflictError();
      await this.audit.record(trx, actor, {
        entityType: 'fund',
        entityId: id,
        organisationId: null,
        action: 'fund.updated',
        before: old,
        after: auditable(fields),
      });
      // a smaller envelope may reach the warning, a larger one clears it
      return { mails: await this.budget.warnIfCrossed(trx, id, now) };
    });
  }

  /** The landlords and aid types the fund form chooses from. */
  async formOptions(actor: Actor): Promise<{ landlords: Array<{ value: string; text: string }>; aidTypes: Array<{ value: string; text: string }> }> {
    scopeFor(actor, 'funds:manage');
    const { landlordList, aidTypeList } = await this.funds.references(this.db);
    return {
      landlords: landlordList.map((l) => ({ value: l.id, text: l.name })),
      aidTypes: aidTypeList.map((a) => ({ value: a.code, text: `${a.label} (${a.code})` })),
    };
  }

  /** The stored fields of a fund, checked: unique name and code, known landlords, total from the contributions. */
  private async fields(trx: Knex.Transaction, input: FundInput, exceptId?: string): Promise<FundFields> {
    const errors: Record<string, string> = {};
    const known = await this.funds.references(trx);
    if (await this.funds.nameTaken(trx, 'name', input.name, exceptId)) errors.name = 'Un autre fonds porte déjà ce nom';
    if (await this.funds.nameTaken(trx, 'analytic_code', input.analyticCode, exceptId)) errors.analyticCode = 'Un autre fonds a déjà ce code analytique';
    const unknownAid = input.aidTypeCodes.filter((c) => !known.aidTypes.has(c));
    if (unknownAid.length) errors.aidTypeCodes = `Aide inconnue : ${unknownAid.join(', ')}`;
    const landlords = [
      ...input.contributions.flatMap((c) => (c.kind === 'landlord' ? [c.organisationId] : [])),
      ...input.allocations.map((a) => a.organisationId),
    ];
    if (landlords.some((o) => !known.landlords.has(o))) errors._form = 'Un bailleur choisi n’est pas (ou plus) membre : choisissez-le dans la liste.';
    if (Object.keys(errors).length) throw new ValidationError(errors);
    const { totalCents } = computeTotal(input.contributions);
    return { ...input, totalCents };
  }
}

/** What the audit trail keeps of a fund (no personal data in a fund). */
function auditable(
  f: Pick<FundFields, 'name' | 'analyticCode' | 'startsOn' | 'endsOn' | 'aidTypeCodes' | 'totalCents' | 'contributions'> & { allocations?: unknown[] },
) {
  return {
    name: f.name,
    analyticCode: f.analyticCode,
    startsOn: f.startsOn,
    endsOn: f.endsOn,
    aidTypeCodes: f.aidTypeCodes,
    totalCents: f.totalCents,
    contributions: f.contributions.map((c) => ({ ...c })),
    allocations: f.allocations ?? [],
  };
}

const nextMonth = (m: string): string => {
  const [y, mo] = m.split('-').map(Number) as [number, number];
  return mo === 12 ? `${y + 1}-01` : `${y}-${String(mo + 1).padStart(2, '0')}`;
};

const MONTHS = ['janv.', 'févr.', 'mars', 'avr.', 'mai', 'juin', 'juil.', 'août', 'sept.', 'oct.', 'nov.', 'déc.'];
export const monthLabel = (m: string): string => `${MONTHS[Number(m.slice(5, 7)) - 1]} ${m.slice(0, 4)}`;
