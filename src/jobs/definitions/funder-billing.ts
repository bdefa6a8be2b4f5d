import type { Services } from '../../services';
import type { JobDefinition } from '../runner';
import { deliveryCounts, fileOutputs, monthBefore, monthOfRun } from './funder-files';

/**
 * The 2nd of every month at 06:00: the invoice of the previous month's closed support missions and
 * management fees, its PDF and the `FACTURATION` file (docs/echanges/facturation.md); each billing
 * line is invoiced once, a re-run invoices nothing twice.
 */
export const funderBilling: JobDefinition<Services> = {
  name: 'funder-billing',
  label: 'Facturation à Action Logement',
  description: 'Facture au financeur les accompagnements terminés le mois précédent et les frais de gestion, et lui dépose le fichier FACTURATION',
  schedule: '0 6 2 * *',
  periodKey: monthBefore,
  run: async (services, { period }) => {
    const r = await services.funderBilling.invoiceMonth(monthOfRun(period));
    const file = r.invoice?.funderFileId ? await services.funderOutbound.describe(r.invoice.funderFileId) : null;
    return {
      counts: { invoices: r.invoice ? 1 : 0, lines: r.invoice?.lines ?? 0, held_back: r.heldBack.length, ...deliveryCounts(r.deliveries) },
      outputs: [
        ...(r.invoice
          ? [{ label: `Facture ${r.invoice.number}`, fileName: `facture-${r.invoice.number}.pdf`, blobId: r.invoice.pdfBlobId, contentType: 'application/pdf' }]
          : []),
        ...fileOutputs(file ? [file] : []),
      ],
    };
  },
};
