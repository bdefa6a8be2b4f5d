import type { Services } from '../../services';
import type { JobDefinition } from '../runner';

/** Every night at 04:00: read traces older than the retention (ACCESS_LOG_RETENTION_MONTHS, 12 by default) are deleted. */
export const accessLogRetention: JobDefinition<Services> = {
  name: 'access-log-retention',
  label: 'Purge des traces de consultation',
  description: 'Supprime les traces de consultation plus anciennes que la durée de conservation',
  schedule: '0 4 * * *',
  periodKey: (now) => now.toISOString().slice(0, 10),
  run: async (services, { now }) => ({ counts: { deleted: await services.accessWatch.purge(now, services.config.accessLogRetentionMonths) } }),
};
