import type { Services } from '../../services';
import type { JobDefinition } from '../runner';

/** Every night at 01:30, before the payment files: a backup of the whole database into BACKUP_DIR, the newest BACKUP_KEEP kept. */
export const backup: JobDefinition<Services> = {
  name: 'backup',
  label: 'Sauvegarde de la base',
  description: 'Sauvegarde toute la base dans BACKUP_DIR (les plus récentes sont gardées)',
  schedule: '30 1 * * *',
  periodKey: (now) => now.toISOString().slice(0, 10),
  run: async (services, { now }) => {
    const made = await services.backups.create(now);
    return { counts: { bytes: made.bytes, kept: services.backups.list().length } };
  },
};
