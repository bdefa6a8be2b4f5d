import type { Services } from '../services';
import { accessAlerts } from './definitions/access-alerts';
import { accessLogRetention } from './definitions/access-log-retention';
import { accountingExport } from './definitions/accounting-export';
import { appointmentReminders } from './definitions/appointment-reminders';
import { informationReminders } from './definitions/information-reminders';
import { listReports } from './definitions/list-reports';
import { mailRetry } from './definitions/mail-retry';
import { monthlyReports } from './definitions/monthly-reports';
import { backup } from './definitions/backup';
import { restoreDrill } from './definitions/restore-drill';
import { satisfactionInvitations } from './definitions/satisfaction-invitations';
import { selfAudit } from './definitions/self-audit';
import { funderBilling } from './definitions/funder-billing';
import { funderFollowUp } from './definitions/funder-followup';
import { funderLedger } from './definitions/funder-ledger';
import { funderOrientations } from './definitions/funder-orientations';
import { funderReporting } from './definitions/funder-reporting';
import { sepaBatches } from './definitions/sepa-batches';
import { statisticsRefresh } from './definitions/statistics-refresh';
import { supportRetention } from './definitions/support-retention';
import type { JobDefinition } from './runner';

/** Every batch job of the extranet; the scheduler and the command line read this list. */
export const JOBS: ReadonlyArray<JobDefinition<Services>> = [
  backup,
  sepaBatches,
  accountingExport,
  informationReminders,
  appointmentReminders,
  mailRetry,
  accessLogRetention,
  accessAlerts,
  supportRetention,
  funderOrientations,
  funderFollowUp,
  funderLedger,
  funderBilling,
  funderReporting,
  statisticsRefresh,
  monthlyReports,
  listReports,
  restoreDrill,
  selfAudit,
  satisfactionInvitations,
];

export function findJob(name: string): JobDefinition<Services> | undefined {
  return JOBS.find((j) => j.name === name);
}
