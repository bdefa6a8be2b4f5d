import { Router } from 'express';
import { actor, requirePermission } from '../../http/guards';
import { can } from '../../permissions/index';
import type { Services } from '../../services';
import { sendCsv } from '../../shared/csv';
import { parisDate } from '../../shared/dates';
import { formatDate } from '../../shared/format';
import { centsToInput } from '../../shared/money';
import { sendXlsx, type XlsxCell, type XlsxFormat } from '../../shared/xlsx';
import { urls } from '../../urls';
import type { RequestRow } from './repository';
import { DEFAULT_EXPORT_COLUMNS, EXPORT_COLUMNS, type ExportColumn, exportQuery, listQuery, SORTS } from './schemas';
import { REQUEST_STATUSES, STATUS_LABELS } from '../state-machine';

/** One export column: its value for a row, as a spreadsheet cell, and its format. */
const CELLS: Record<ExportColumn, { format: XlsxFormat; value: (r: RequestRow) => XlsxCell }> = {
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

/** CSV cells: amounts with a decimal comma from the cents (never through a float), dates as 31/12/2026. */
const csvCell = (column: ExportColumn, r: RequestRow): unknown => {
  if (column === 'demande') return r.requestedCents === null ? '' : centsToInput(r.requestedCents);
  if (column === 'accorde') return r.grantedCents === null ? '' : centsToInput(r.grantedCents);
  const v = CELLS[column].value(r);
  return v instanceof Date ? formatDate(v) : v;
};

/** "Mes demandes" for landlords, all submitted requests for the association: filters, counters, exports. */
export function requestListRoutes(services: Services): Router {
  const router = Router();
  const { requestLists, households, clock } = services;

  router.get(urls.requests(), ...requirePermission('requests:read'), async (req, res) => {
    const a = actor(req);
    const query = listQuery.parse(req.query);
    const { page, counts } = await requestLists.list(a, query);
    const params = new URLSearchParams(req.query as Record<string, string>);
    params.delete('page');
    const withoutStatus = new URLSearchParams(params);
    withoutStatus.delete('status');
    res.render('aid-requests/list', {
      page,
      counts,
      query,
      queryString: params.toString(),
      statusLessQuery: withoutStatus.toString(),
      statusOptions: REQUEST_STATUSES.filter((s) => s !== 'draft' || can(a, 'requests:file')).map((s) => ({ value: s, text: STATUS_LABELS[s] })),
      aidTypeOptions: await services.aidRequests.aidTypeFilterOptions(),
      agencyOptions:
        can(a, 'requests:file') && !a.agencyRestricted ? (await services.organisations.ownAgencies(a)).map((ag) => ({ value: ag.id, text: ag.name })) : [],
      landlordOptions: can(a, 'requests:instruct') ? (await households.landlordOptions(a)).map((o) => ({ value: o.id, text: o.name })) : [],
      sorts: Object.keys(SORTS),
      exportColumns: Object.entries(EXPORT_COLUMNS).map(([value, text]) => ({ value, text, checked: DEFAULT_EXPORT_COLUMNS.includes(value as ExportColumn) })),
      canFile: can(a, 'requests:file'),
    });
  });

  router.get(urls.requestsCsv(), ...requirePermission('requests:read'), async (req, res) => {
    const query = exportQuery.parse(req.query);
    await sendCsv(
      res,
      `demandes-${parisDate(clock.now())}.csv`,
      query.colonnes.map((c) => EXPORT_COLUMNS[c]),
      requestLists.exportRows(actor(req), query, 'demandes.csv'),
      (r) => query.colonnes.map((c) => csvCell(c, r)),
    );
  });

  router.get(urls.requestsXlsx(), ...requirePermission('requests:read'), async (req, res) => {
    const query = exportQuery.parse(req.query);
    await sendXlsx(
      res,
      `demandes-${parisDate(clock.now())}.xlsx`,
      'Demandes',
      query.colonnes.map((c) => ({ header: EXPORT_COLUMNS[c], format: CELLS[c].format })),
      requestLists.exportRows(actor(req), query, 'demandes.xlsx'),
      (r) => query.colonnes.map((c) => CELLS[c].value(r)),
    );
  });

  return router;
}
