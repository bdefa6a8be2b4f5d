import type { Services } from '../../services';
import type { JobDefinition } from '../runner';

const HOUR_MS = 3_600_000;

/**
 * Every hour at :05, the hour that just ended: a user who read more distinct records than
 * ACCESS_ALERT_RECORDS_PER_HOUR raises one alert, mailed to the association's administrators.
 */
export const accessAlerts: JobDefinition<Services> = {
  name: 'access-alerts',
  label: 'Alertes de consultation inhabituelle',
  description: 'Signale aux administrateurs les volumes de consultation inhabituels (heure écoulée)',
  schedule: '5 * * * *',
  periodKey: (now) => now.toISOString().slice(0, 13),
  run: async (services, { now }) => {
    const end = new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS);
    const start = new Date(end.getTime() - HOUR_MS);
    const alerts = await services.accessWatch.watch(start, end, services.config.accessAlertRecordsPerHour, now);
    return { counts: { alerts: alerts.length } };
  },
};
