import type { Services } from '../../services';
import { sepaAmount } from '../../payments/sepa/pain001';
import { parisDate } from '../../shared/dates';
import type { JobDefinition } from '../runner';

/**
 * Every working night at 02:00 (and on demand): the SEPA credit-transfer batches of the payments
 * due by the next execution date, one file per debtor account, validated before it is stored.
 */
export const sepaBatches: JobDefinition<Services> = {
  name: 'sepa-batches',
  label: 'Lots de virements SEPA',
  description: 'Prépare les lots de virements SEPA (pain.001.001.03) des échéances dues',
  schedule: '0 2 * * *',
  exportFolder: 'sepa',
  periodKey: (now) => parisDate(now),
  run: async (services, { period, startedBy, runId }) => {
    const result = await services.batches.generate(period, startedBy, runId);
    return {
      counts: { batches: result.batches.length, payments: result.payments, skipped: result.skipped },
      outputs: result.batches.map((b) => ({
        label: `${b.debtorLabel} — exécution le ${b.executionDate}`,
        fileName: b.fileName,
        blobId: b.blobId,
        contentType: 'application/xml',
        meta: { batchId: b.batchId, transactions: b.transactions, controlSum: sepaAmount(b.controlSumCents) },
      })),
    };
  },
};
