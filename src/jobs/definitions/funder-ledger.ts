import type { Services } from '../../services';
import { parisDate } from '../../shared/dates';
import type { JobDefinition } from '../runner';
import { deliveryCounts, fileOutputs } from './funder-files';

/**
 * Every day at 06:30: each month the accountant has closed leaves for Action Logement as one
 * `ECRITURES` file, once (docs/echanges/ecritures.md); with `--date`, the month before that day again.
 */
export const funderLedger: JobDefinition<Services> = {
  name: 'funder-ledger',
  label: 'Écritures pour Action Logement',
  description: 'Envoie au financeur les lignes d’écriture de chaque mois clos, une seule fois par mois',
  schedule: '30 6 * * *',
  periodKey: (now) => parisDate(now),
  run: async (services) => {
    const r = await services.funderLedger.sendClosedMonths();
    return {
      counts: { files: r.files.length, lines: r.files.reduce((n, f) => n + f.records, 0), ...deliveryCounts(r.deliveries) },
      outputs: fileOutputs(r.files),
    };
  },
};
