import type { Knex } from 'knex';
import type { RequestListRepository } from '../aid-requests/lists/repository';
import type { AidRequestService } from '../aid-requests/service';
import { ACKNOWLEDGEMENT_DUE_HOURS } from '../funder/agreement';
import { type Actor, scopeFor } from '../permissions';
import type { Clock } from '../shared/clock';
import { addDays, addMonths, parisDate, parisDateTime } from '../shared/dates';
import type { HomeRepository } from './repository';

/** A backup older than this is an alert on the administrators' home. */
export const BACKUP_MAX_AGE_HOURS = 36;

/** A file sent to Action Logement and not acknowledged after this many hours is flagged (interface agreement §3). */
export const FUNDER_ACK_MAX_HOURS = ACKNOWLEDGEMENT_DUE_HOURS;

/** How many finished months back the periods page offers to close (the same window here). */
const CLOSABLE_MONTHS = 18;

/** What each role has to do now, as counts (the home page words them). */
export type HomeTodos =
  | {
      kind: 'landlord';
      awaiting: number;
      drafts: number;
      orientations: number;
      account: { confirmed: boolean; pending: boolean } | null;
      invited: number | null;
    }
  | { kind: 'operator'; toTake: number; mine: number; answers: number; toValidate: number; orientations: number }
  | {
      kind: 'admin';
      toValidate: number;
      accountReviews: number;
      failedJobs: number;
      lastBackup: Date | null;
      backupStale: boolean;
      orientations: number;
      funderUnacknowledged: number;
    }
  | { kind: 'accountant'; toApprove: number; toTransmit: number; closablePeriods: number }
  | { kind: 'adviser'; today: number; writeUp: { total: number; items: Array<{ missionId: string; missionReference: string; startsAt: Date }> } }
  | { kind: 'none' };

/** The to-do counts of each role's home page, every "now" and "today" from the injected clock. */
export class HomeService {
  private readonly db: Knex;
  private readonly repository: HomeRepository;
  private readonly requestLists: RequestListRepository;
  private readonly aidRequests: AidRequestService;
  private readonly jobNames: () => readonly string[];
  private readonly clock: Clock;

  constructor(deps: {
    db: Knex;
    repository: HomeRepository;
    requestLists: RequestListRepository;
    aidRequests: AidRequestService;
    jobNames: () => readonly string[];
    clock: Clock;
  }) {
    this.db = deps.db;
    this.repository = deps.repository;
    this.requestLists = deps.requestLists;
    this.aidRequests = deps.aidRequests;
    this.jobNames = deps.jobNames;
    this.clock = deps.clock;
  }

  async todos(actor: Actor): Promise<HomeTodos> {
    const now = this.clock.now();
    switch (actor.role) {
      case 'landlord_instructor':
      case 'landlord_admin':
        return this.landlord(actor);
      case 'operator': {
        scopeFor(actor, 'requests:instruct');
        const queue = await this.requestLists.queueCounts(this.db, actor.userId, now);
        return {
          kind: 'operator',
          toTake: queue.a_prendre,
          mine: queue.mes_dossiers,
          answers: await this.repository.answersReceived(this.db, actor.userId),
          toValidate: queue.a_valider,
          orientations: await this.repository.orientationsWaiting(this.db, scopeFor(actor, 'orientations:read')),
        };
      }
      case 'admin': {
        scopeFor(actor, 'jobs:manage');
        scopeFor(actor, 'bank-accounts:review');
        const queue = await this.requestLists.queueCounts(this.db, actor.userId, now);
        const lastBackup = await this.repository.lastSucceeded(this.db, 'backup');
        return {
          kind: 'admin',
          toValidate: queue.a_valider,
          accountReviews: await this.repository.pendingAccountReviews(this.db),
          failedJobs: await this.repository.jobsLastFailed(this.db, this.jobNames()),
          lastBackup,
          backupStale: !lastBackup || now.getTime() - lastBackup.getTime() > BACKUP_MAX_AGE_HOURS * 3_600_000,
          orientations: await this.repository.orientationsWaiting(this.db, scopeFor(actor, 'orientations:read')),
          funderUnacknowledged: await this.repository.funderFilesUnacknowledged(this.db, new Date(now.getTime() - FUNDER_ACK_MAX_HOURS * 3_600_000)),
        };
      }
      case 'accountant': {
        scopeFor(actor, 'payments:approve');
        scopeFor(actor, 'accounting:read');
        const batches = await this.repository.batchesToHandle(this.db);
        return { kind: 'accountant', toApprove: batches.generated, toTransmit: batches.approved, closablePeriods: await this.closablePeriods(now) };
      }
      case 'social_adviser': {
        scopeFor(actor, 'missions:work');
        const today = parisDate(now);
        const from = parisDateTime(today, '00:00') as Date;
        const to = parisDateTime(addDays(today, 1), '00:00') as Date;
        return {
          kind: 'adviser',
          today: await this.repository.appointmentsBetween(this.db, actor.userId, from, to),
          writeUp: await this.repository.sessionsToWriteUp(this.db, actor.userId, now),
        };
      }
      default:
        return { kind: 'none' };
    }
  }

  private async landlord(actor: Actor): Promise<HomeTodos> {
    const requests = {
      ...(await this.repository.landlordRequests(this.db, this.aidRequests.scope(actor))),
      orientations: await this.repository.orientationsWaiting(this.db, scopeFor(actor, 'orientations:read')),
    };
    if (actor.role !== 'landlord_admin') return { kind: 'landlord', ...requests, account: null, invited: null };
    const own = scopeFor(actor, 'bank-accounts:own');
    const users = scopeFor(actor, 'users:manage');
    return {
      kind: 'landlord',
      ...requests,
      account: await this.repository.ownAccount(this.db, own.all ? actor.organisationId : own.organisationId),
      invited: await this.repository.invitedUsers(this.db, users.all ? actor.organisationId : users.organisationId),
    };
  }

  /** Months over (in Paris), from the first accounting entry and within the periods page's window, not closed yet. */
  private async closablePeriods(now: Date): Promise<number> {
    const first = await this.repository.firstEntryMonth(this.db);
    if (!first) return 0;
    const current = `${parisDate(now).slice(0, 7)}-01`;
    const windowStart = addMonths(current, -CLOSABLE_MONTHS).slice(0, 7);
    const from = first > windowStart ? first : windowStart;
    const closed = new Set(await this.repository.closedPeriodsSince(this.db, from));
    let n = 0;
    for (let month = `${from}-01`; month < current; month = addMonths(month, 1)) if (!closed.has(month.slice(0, 7))) n++;
    return n;
  }
}
