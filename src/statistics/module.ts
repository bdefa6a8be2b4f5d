import type { Knex } from 'knex';
import type { Clock } from '../shared/clock';
import type { AuditService } from '../audit/service';
import { PseudonymisedExtract } from './extract';
import { StatisticsRefresher } from './refresh';
import { StatisticsService } from './service';

/** The statistics: their aggregates kept current by a job, and the figures people read. */
export function createStatisticsModule(deps: { db: Knex; clock: Clock; audit: AuditService; causeLabels: Readonly<Record<string, string>> }) {
  const statisticsRefresher = new StatisticsRefresher({ db: deps.db, clock: deps.clock });
  return {
    statisticsRefresher,
    statisticsExtract: new PseudonymisedExtract({ db: deps.db, clock: deps.clock, audit: deps.audit }),
    statistics: new StatisticsService({ db: deps.db, clock: deps.clock, refresher: statisticsRefresher, causeLabels: deps.causeLabels }),
  };
}
