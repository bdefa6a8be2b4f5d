import type { Services } from '../../services';
import { minuteSlotKey, type JobDefinition } from '../runner';

/**
 * Every 5 minutes: the statistics' aggregates of the current and the previous month brought up to
 * date from the business tables, and the whole history once a day (docs/statistiques.md) — the
 * statistics page says « à jour au … » with the time of the last run.
 */
export const statisticsRefresh: JobDefinition<Services> = {
  name: 'statistics-refresh',
  label: 'Mise à jour des statistiques',
  description: 'Recalcule les agrégats des statistiques : les deux derniers mois toutes les 5 minutes, tout l’historique une fois par jour',
  schedule: '*/5 * * * *',
  periodKey: minuteSlotKey(5),
  run: async (services) => {
    const r = await services.statisticsRefresher.refreshDue();
    // the association's default pages, computed now rather than by the first person to open them
    const views = await services.statistics.warm();
    return { counts: { months: r.months.length, full: r.scope === 'all' ? 1 : 0, views }, outputs: [] };
  },
};
