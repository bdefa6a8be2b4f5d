import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { emptyForm, type FormState, postForm } from '../../http/forms';
import { checkbox } from '../../shared/form-fields';
import { routes } from '../../urls';
import { cleanQuery, FREQUENCY_LABELS, type Frequency } from './subscriptions';
import { actor, requirePermission } from '../../http/guards';
import { can } from '../../permissions/index';
import type { Services } from '../../services';
import { sendCsv } from '../../shared/csv';
import { parisDate } from '../../shared/dates';
import { formatDate } from '../../shared/format';
import { centsToInput } from '../../shared/money';
import { sendXlsx } from '../../shared/xlsx';
import { CELLS } from './cells';
import { urls } from '../../urls';
import type { RequestRow } from './repository';
import { DEFAULT_EXPORT_COLUMNS, EXPORT_COLUMNS, type ExportColumn, exportQuery, listQuery, SORTS } from './schemas';
import { REQUEST_STATUSES, STATUS_LABELS } from '../state-machine';

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

  // « Recevoir cette liste par courriel »: the person's lists received weekly or monthly (docs/rapports.md)
  const renderSubscriptions = async (req: Request, res: Response, form: FormState, deleting?: string) => {
    const query = typeof form.values.query === 'string' ? cleanQuery(form.values.query) : '';
    res.render('aid-requests/subscriptions', {
      form,
      query,
      deleting,
      subscriptions: (await services.listSubscriptions.list(actor(req))).map((s) => ({ ...s, frequencyLabel: FREQUENCY_LABELS[s.frequency] })),
      frequencies: Object.entries(FREQUENCY_LABELS).map(([value, text]) => ({ value, text })),
    });
  };
  router.get(routes.listSubscriptions, ...requirePermission('requests:read'), async (req, res) => {
    const query = typeof req.query.query === 'string' ? req.query.query.slice(0, 2000) : '';
    await renderSubscriptions(req, res, emptyForm(req, { query, frequency: 'weekly' }));
  });
  postForm(router, routes.listSubscriptions, services.logger, {
    permission: 'requests:read',
    schema: subscribeSchema,
    render: (req, res, form) => renderSubscriptions(req, res, form),
    handle: async (req, res, input) => {
      await services.listSubscriptions.subscribe(actor(req), input);
      req.flash('success', `La liste « ${input.name} » vous sera envoyée ${FREQUENCY_LABELS[input.frequency]}, en tableur XLSX.`);
      res.redirect(urls.listSubscriptions());
    },
  });
  postForm(router, routes.listSubscriptionDelete, services.logger, {
    permission: 'requests:read',
    schema: z.object({ confirm: checkbox().refine((v) => v, { error: 'Cochez la case pour confirmer que vous ne voulez plus recevoir cette liste' }) }),
    render: (req, res, form) => renderSubscriptions(req, res, form, String(req.params.id)),
    handle: async (req, res) => {
      await services.listSubscriptions.unsubscribe(actor(req), String(req.params.id));
      req.flash('success', 'Vous ne recevrez plus cette liste.');
      res.redirect(urls.listSubscriptions());
    },
  });

  return router;
}

const FREQUENCIES = ['weekly', 'monthly'] as const satisfies readonly Frequency[];
export const subscribeSchema = z.object({
  name: z.string({ error: 'Nommez cette liste' }).trim().min(1, { error: 'Nommez cette liste' }).max(80, { error: 'Un nom de 80 caractères au plus' }),
  frequency: z.enum(FREQUENCIES, { error: 'Choisissez quand la recevoir' }),
  query: z.string().max(2000, { error: 'Ce filtre est trop long' }).default(''),
});
