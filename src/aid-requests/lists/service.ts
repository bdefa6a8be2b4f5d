import type { Knex } from 'knex';
import type { AccessLogService } from '../../audit/access-log';
import type { Page } from '../../db/types';
import { type Actor, scopeFor } from '../../permissions/index';
import type { Clock } from '../../shared/clock';
import { ReferenceCache } from '../../shared/reference-cache';
import { NotFoundError } from '../../shared/errors';
import type { RequestListRepository, RequestRow } from './repository';
import { listQuery, type ListQuery, type QueueQuery } from './schemas';
import type { SavedFilterRepository, SavedFilter } from './saved-filters-repository';
import type { AidRequestService } from '../service';
import { OPEN_STATUSES, type RequestStatus } from '../state-machine';

const QUEUE = 'instruction';

/** Lists of requests: landlords' "Mes demandes", the association's list and queue, exports, saved filters. */
export class RequestListService {
  private readonly db: Knex;
  private readonly lists: RequestListRepository;
  private readonly savedFilters: SavedFilterRepository;
  private readonly aidRequests: AidRequestService;
  private readonly clock: Clock;
  private readonly cache: ReferenceCache;
  private readonly accessLog: AccessLogService;

  constructor(deps: {
    db: Knex;
    lists: RequestListRepository;
    savedFilters: SavedFilterRepository;
    aidRequests: AidRequestService;
    clock: Clock;
    cache?: ReferenceCache;
    accessLog: AccessLogService;
  }) {
    this.accessLog = deps.accessLog;
    this.db = deps.db;
    this.lists = deps.lists;
    this.savedFilters = deps.savedFilters;
    this.aidRequests = deps.aidRequests;
    this.clock = deps.clock;
    this.cache = deps.cache ?? new ReferenceCache({ ttlMs: 0 });
  }

  /** A household's requests as the actor's list shows them; with `openOnly`, those still open. */
  async forHousehold(actor: Actor, householdId: string, options: { openOnly?: boolean } = {}): Promise<{ total: number; items: RequestRow[] }> {
    const { page } = await this.list(actor, listQuery.parse({ menage: householdId }));
    if (!options.openOnly) return { total: page.total, items: page.items };
    const items = page.items.filter((r) => OPEN_STATUSES.includes(r.status));
    return { total: items.length, items };
  }

  async list(actor: Actor, query: ListQuery): Promise<{ page: Page<RequestRow>; counts: Partial<Record<RequestStatus, number>> }> {
    const scope = this.aidRequests.scope(actor);
    const estimates = scope.all ? await this.cache.get('request-status-estimates', [], () => this.lists.statusEstimates(this.db)) : undefined;
    // the counters of an unfiltered list are the same for everyone sharing its scope (the whole association, or
    // one landlord): kept the reference cache's few seconds, dropped at once by a request change audited here
    const unfiltered = !(query.type || query.agence || query.bailleur || query.menage || query.du || query.au || query.q);
    const counts = unfiltered
      ? await this.cache.get(`request-counts:${JSON.stringify(scope)}`, ['aid_request'], () => this.lists.countsByStatus(this.db, scope, query, estimates))
      : await this.lists.countsByStatus(this.db, scope, query, estimates);
    return { page: await this.lists.list(this.db, scope, query, counts), counts };
  }

  /** The whole filtered list, a thousand rows at a time; one read trace naming the export file (not its filters: a search may hold a name). */
  async *exportRows(actor: Actor, query: ListQuery, file: 'demandes.csv' | 'demandes.xlsx'): AsyncGenerator<RequestRow> {
    await this.accessLog.read(actor, { action: 'requests.export', entityType: 'export', entityId: file });
    const scope = this.aidRequests.scope(actor);
    let after: string | null = null;
    for (;;) {
      const rows = await this.lists.batch(this.db, scope, query, after, 1000);
      if (rows.length === 0) return;
      yield* rows;
      after = rows[rows.length - 1]?.id ?? null;
    }
  }

  async queue(actor: Actor, query: QueueQuery): Promise<{ page: Page<RequestRow>; counts: Record<string, number> }> {
    scopeFor(actor, 'requests:instruct');
    const now = this.clock.now();
    const counts = await this.lists.queueCounts(this.db, actor.userId, now);
    return { page: await this.lists.queue(this.db, actor.userId, query, now, counts[query.onglet]), counts };
  }

  savedQueueFilters(actor: Actor): Promise<SavedFilter[]> {
    scopeFor(actor, 'requests:instruct');
    return this.savedFilters.list(this.db, actor.userId, QUEUE);
  }

  async saveQueueFilter(actor: Actor, name: string, query: string): Promise<void> {
    scopeFor(actor, 'requests:instruct');
    // only the query string of the queue is kept, never another page's address
    const clean = new URLSearchParams(query.replace(/^\?/, ''));
    clean.delete('page');
    await this.savedFilters.save(this.db, actor.userId, QUEUE, name, clean.toString(), this.clock.now());
  }

  async deleteQueueFilter(actor: Actor, id: string): Promise<void> {
    scopeFor(actor, 'requests:instruct');
    if (!(await this.savedFilters.delete(this.db, actor.userId, id))) throw new NotFoundError();
  }
}
