import type { Knex } from 'knex';
import type { AuditService } from '../audit/service';
import type { BlobStore } from '../files/storage';
import type { Logger } from '../logger';
import type { Mailer } from '../notifications/mailer';
import type { SettingsService } from '../settings/service';
import type { Clock } from '../shared/clock';
import type { StatisticsRefresher } from '../statistics/refresh';
import type { StatisticsService } from '../statistics/service';
import { MonthlyReportService } from './service';

/** The monthly activity reports: made from the statistics, archived, mailed; the Rapports page reads them. */
export function createReportsModule(deps: {
  db: Knex;
  clock: Clock;
  statistics: StatisticsService;
  statisticsRefresher: StatisticsRefresher;
  settings: SettingsService;
  mailer: Mailer;
  blobs: BlobStore;
  audit: AuditService;
  logger: Logger;
  baseUrl: string;
}) {
  return {
    monthlyReports: new MonthlyReportService({ ...deps, refresher: deps.statisticsRefresher }),
  };
}
