import type { Services } from '../../services';
import type { JobDefinition } from '../runner';

/** Every night at 04:30: the content of support missions is erased two years (SUPPORT_RETENTION_MONTHS) after the household's last contact. */
export const supportRetention: JobDefinition<Services> = {
  name: 'support-retention',
  label: 'Effacement des données d’accompagnement',
  description: 'Efface le contenu des missions d’accompagnement au terme de la durée de conservation (dernier contact avec le ménage)',
  schedule: '30 4 * * *',
  periodKey: (now) => now.toISOString().slice(0, 10),
  run: async (services, { now }) => ({ counts: { erased: (await services.supportRetention.run(now, services.config.supportRetentionMonths)).erased } }),
};
