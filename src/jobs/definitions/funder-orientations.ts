import type { Services } from '../../services';
import { type JobDefinition, minuteSlotKey } from '../runner';
import { deliveryCounts } from './funder-files';

/**
 * Every 15 minutes: the new `ORIENTATIONS` files of Action Logement's ASD service, read, checked
 * and acknowledged (docs/echanges/orientations.md), the accepted orientations waiting in the queue;
 * the funder's acknowledgements of Entraide's files, applied record by record; the files a
 * transport failure left « préparé », delivered again.
 */
export const funderOrientations: JobDefinition<Services> = {
  name: 'funder-orientations',
  label: 'Orientations ASD et accusés d’Action Logement',
  description:
    'Lit les fichiers d’orientations du financeur, les contrôle et lui renvoie l’accusé de chaque enregistrement ; lit ses accusés de nos fichiers ; redépose les fichiers restés en attente',
  schedule: '*/15 * * * *',
  // one run per quarter of an hour: a file missed by one run is read by the next
  periodKey: minuteSlotKey(15),
  run: async (services, { now }) => {
    const reports = await services.orientationIntake.run();
    // the same quarter of an hour reads the funder's acknowledgements and re-delivers the files a failure left behind
    const acknowledgements = await services.funderAcknowledgements.run();
    const deliveries = await services.funderOutbound.deliver();
    // files left without acknowledgement past 48 hours: mailed to the administrators, once each
    const overdue = await services.funderOverdueNotice(now);
    const sum = (key: 'accepted' | 'rejected' | 'duplicates') => reports.reduce((n, r) => n + r[key], 0);
    return {
      counts: {
        files: reports.length,
        refused: reports.filter((r) => r.status === 'rejete').length,
        accepted: sum('accepted'),
        rejected: sum('rejected'),
        duplicates: sum('duplicates'),
        unsent_acknowledgements: reports.filter((r) => !r.acknowledgementSent).length,
        acknowledgements: acknowledgements.length,
        unacknowledged: overdue,
        ...deliveryCounts(deliveries),
      },
      outputs: [],
    };
  },
};
