import type { Services } from '../../services';
import type { JobDefinition } from '../runner';

/**
 * The 1st of every month at 05:00, after the night's backup and its off-site copy: the newest
 * off-site backup (the newest local one when no off-site storage is configured) restored into a
 * scratch database and checked against its manifest (docs/continuite.md); the report goes to the
 * association's administrators. A failed drill fails the run, so the job-failure notice and the
 * alert fire too.
 */
export const restoreDrill: JobDefinition<Services> = {
  name: 'restore-drill',
  label: 'Exercice de restauration',
  description: 'Restaure la dernière sauvegarde (hors site si configurée) dans une base temporaire et la vérifie ; rapport aux administrateurs',
  schedule: '0 5 1 * *',
  periodKey: (now) => now.toISOString().slice(0, 7),
  run: async (services) => {
    const drill = await services.restoreDrills.run();
    if (!drill.ok) throw new Error(`Exercice de restauration en échec (${drill.backupName ?? 'aucune sauvegarde'}) : ${drill.error ?? 'contrôle en échec'}`);
    return {
      counts: {
        checks_ok: drill.checks.length,
        rpo_seconds: drill.rpoSeconds ?? 0,
        rto_seconds: Math.round(drill.rtoSeconds ?? 0),
      },
    };
  },
};
