import type { Services } from '../services';
import { accessAlerts } from './access-alerts';
import { accessLogRetention } from './access-log-retention';
import { accountingExport } from './accounting-export';
import { appointmentReminders } from './appointment-reminders';
import { informationReminders } from './information-reminders';
import { mailRetry } from './mail-retry';
import { backup } from './backup';
import { sepaBatches } from './sepa-batches';
import { supportRetention } from './support-retention';
import type { JobDefinition } from './runner';

/** Every batch job of the extranet; the scheduler and the command line read this list. */
export const JOBS: ReadonlyArray<JobDefinition<Services>> = [backup, sepaBatches, accountingExport, informationReminders, appointmentReminders, mailRetry, accessLogRetention, accessAlerts, supportRetention];

export function findJob(name: string): JobDefinition<Services> | undefined {
  return JOBS.find((j) => j.name === name);
}
