import type { Services } from '../../services';
import type { JobDefinition } from '../runner';
import { deliveryCounts, fileOutputs, monthBefore, monthOfRun } from './funder-files';

/**
 * The 3rd of every month at 06:00: the previous month's management-control indicators to Action
 * Logement (docs/echanges/reporting.md), once per month; cells of fewer than 5 households are secret.
 */
export const funderReporting: JobDefinition<Services> = {
  name: 'funder-reporting',
  label: 'Reporting mensuel Action Logement',
  description: 'Envoie au financeur les indicateurs du mois précédent, une fois par mois, les cases de moins de 5 ménages masquées',
  schedule: '0 6 3 * *',
  periodKey: monthBefore,
  run: async (services, { period }) => {
    const r = await services.funderReporting.sendMonth(monthOfRun(period));
    return {
      counts: { records: r.records, secret: r.secret, files: r.prepared ? 1 : 0, ...deliveryCounts(r.deliveries) },
      outputs: fileOutputs(r.prepared ? [r.prepared] : []),
    };
  },
};
