import type { Services } from '../../services';
import { parisDate } from '../../shared/dates';
import type { JobDefinition } from '../runner';

/**
 * Every morning at 07:00: the lists people asked to receive by mail (« Recevoir cette liste par
 * courriel »), weekly ones on Mondays and monthly ones on the 1st, each once per period, as XLSX
 * built with the person's own reach (docs/rapports.md).
 */
export const listReports: JobDefinition<Services> = {
  name: 'list-reports',
  label: 'Listes envoyées par courriel',
  description: 'Envoie à chacun les listes de demandes qu’il a demandé à recevoir, chaque lundi ou le 1er du mois, en tableur XLSX',
  schedule: '0 7 * * *',
  periodKey: (now) => parisDate(now),
  run: async (services) => {
    const r = await services.listSubscriptions.sendDue();
    return { counts: { sent: r.sent, skipped: r.skipped }, outputs: [] };
  },
};
