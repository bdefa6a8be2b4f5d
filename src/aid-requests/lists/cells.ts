import type { XlsxCell, XlsxFormat } from '../../shared/xlsx';
import { STATUS_LABELS } from '../state-machine';
import type { RequestRow } from './repository';
import type { ExportColumn } from './schemas';

/** One export column: its value for a row, as a spreadsheet cell, and its format. */
export const CELLS: Record<ExportColumn, { format: XlsxFormat; value: (r: RequestRow) => XlsxCell }> = {
  reference: { format: 'text', value: (r) => r.reference ?? (r.status === 'draft' ? 'Brouillon' : 'Non déposée') },
  aide: { format: 'text', value: (r) => r.aidTypeLabel },
  bailleur: { format: 'text', value: (r) => r.organisationName },
  agence: { format: 'text', value: (r) => r.agencyName },
  locataire: { format: 'text', value: (r) => r.tenantName },
  statut: { format: 'text', value: (r) => STATUS_LABELS[r.status] },
  demande: { format: 'euros', value: (r) => (r.requestedCents === null ? null : r.requestedCents / 100) },
  mensualites: { format: 'integer', value: (r) => r.requestedMonths },
  accorde: { format: 'euros', value: (r) => (r.grantedCents === null ? null : r.grantedCents / 100) },
  depot: { format: 'date', value: (r) => r.submittedAt },
  decision: { format: 'date', value: (r) => r.decidedAt },
  instructeur: { format: 'text', value: (r) => r.assignedToName },
  maj: { format: 'date', value: (r) => r.updatedAt },
};
