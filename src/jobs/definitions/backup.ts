import type { Services } from '../../services';
import type { JobDefinition } from '../runner';

/**
 * Every night at 01:30, before the payment files: a backup of the whole database into BACKUP_DIR,
 * the newest BACKUP_KEEP kept; when off-site storage is configured (BACKUP_S3_…), the backup is
 * also encrypted and copied there, then the off-site retention applied (14 days, 8 weeks, 12 months).
 */
export const backup: JobDefinition<Services> = {
  name: 'backup',
  label: 'Sauvegarde de la base',
  description: 'Sauvegarde toute la base dans BACKUP_DIR (les plus récentes sont gardées), puis, si configuré, en copie chiffrée hors site',
  schedule: '30 1 * * *',
  periodKey: (now) => now.toISOString().slice(0, 10),
  run: async (services, { now }) => {
    const made = await services.backups.create(now);
    const counts: Record<string, number> = { bytes: made.bytes, kept: services.backups.list().length };
    if (services.offsite) {
      const pushed = await services.offsite.push(made.file);
      const pruned = await services.offsite.prune(now);
      counts.offsite_bytes = pushed.bytes;
      counts.offsite_kept = pruned.kept;
      counts.offsite_deleted = pruned.deleted;
    }
    return { counts };
  },
};
