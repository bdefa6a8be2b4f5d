import type { Services } from '../../services';
import { parisDate } from '../../shared/dates';
import type { JobDefinition } from '../runner';

/**
 * Every night at 03:00: the entries not exported yet, as one CSV for the accounting software
 * (format from the accounting settings), marked with the export so that no line leaves twice,
 * delivered to the outbox folder.
 */
export const accountingExport: JobDefinition<Services> = {
  name: 'accounting-export',
  label: 'Export comptable',
  description: 'Exporte vers le logiciel comptable les écritures pas encore exportées (une seule fois chacune)',
  schedule: '0 3 * * *',
  exportFolder: 'accounting',
  periodKey: (now) => parisDate(now),
  run: async (services, { now, runId }) => {
    const r = await services.accounting.exportForSoftware(now, runId);
    return {
      counts: { entries: r.entries, lines: r.lines },
      outputs:
        r.blobId && r.fileName
          ? [
              {
                label: `Écritures pour le logiciel comptable (${r.entries})`,
                fileName: r.fileName,
                blobId: r.blobId,
                contentType: 'text/csv',
                meta: { exportId: r.exportId ?? '', entries: r.entries, lines: r.lines },
              },
            ]
          : [],
    };
  },
};
