import type { Services } from '../../services';
import { parisDate } from '../../shared/dates';
import type { JobDefinition } from '../runner';
import { deliveryCounts, fileOutputs } from './funder-files';

/**
 * Every day at 06:00: the `SUIVI` file of the events of the dossiers tied to an ASD orientation
 * since the last one, each event once (docs/echanges/suivi.md), and the records a person put back
 * to be sent again after the funder rejected them.
 */
export const funderFollowUp: JobDefinition<Services> = {
  name: 'funder-followup',
  label: 'Suivi des dossiers pour Action Logement',
  description:
    'Envoie au financeur les événements des dossiers nés d’une orientation ASD depuis le dernier fichier, et les enregistrements corrigés à renvoyer',
  schedule: '0 6 * * *',
  periodKey: (now) => parisDate(now),
  run: async (services) => {
    const r = await services.funderFollowUp.send();
    return {
      counts: { files: r.files.length, events: r.files.reduce((n, f) => n + f.records, 0), refused: r.refused, ...deliveryCounts(r.deliveries) },
      outputs: fileOutputs(r.files),
    };
  },
};
