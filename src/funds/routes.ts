import { createHash } from 'node:crypto';
import { type Request, type Response, Router } from 'express';
import { sendAttachment } from '../http/download';
import { emptyForm, type FormState, postForm } from '../http/forms';
import { actor, requirePermission } from '../http/guards';
import { can } from '../permissions';
import type { Services } from '../services';
import { routes, urls } from '../urls';
import { fundEditSchema, fundSchema, fundValues, ROW_KINDS, rowCount, type RowKind } from './schemas';
import { MOVEMENT_LABELS, monthLabel } from './service';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** `?page=` as a page number (anything else: the first page). */
const pageOf = (req: Request): number => {
  const p = req.query.page;
  return typeof p === 'string' && /^\d{1,6}$/.test(p) ? Number(p) : 1;
};

/** How many rows of each kind the form shows (those filled and two blank ones). */
const rowsOf = (values: Record<string, unknown>) => Object.fromEntries(ROW_KINDS.map((k) => [k, rowCount(values, k)])) as Record<RowKind, number>;

/**
 * The budget envelopes' pages: the list, a fund with its chart, breakdowns and movements, its
 * workbook, and the administrators' form. Nothing personal: a movement names its request by reference.
 */
export function fundRoutes(services: Services): Router {
  const router = Router();
  const { funds, logger } = services;

  router.get(routes.funds, ...requirePermission('funds:read'), async (req, res) => {
    const a = actor(req);
    res.render('funds/list', { funds: await funds.list(a), canManage: can(a, 'funds:manage') });
  });

  const renderForm = async (req: Request, res: Response, form: FormState) => {
    const a = actor(req);
    const fund = req.params.id === undefined ? null : await funds.get(a, String(req.params.id));
    res.render('funds/form', { fund, form, rows: rowsOf(form.values), options: await funds.formOptions(a) });
  };

  router.get(routes.fundNew, ...requirePermission('funds:manage'), (req, res) => renderForm(req, res, emptyForm(req)));
  postForm(router, routes.fundNew, logger, {
    permission: 'funds:manage',
    schema: fundSchema,
    render: renderForm,
    handle: async (req, res, input) => {
      const id = await funds.create(actor(req), input);
      req.flash('success', `Le fonds « ${input.name} » est créé.`);
      res.redirect(urls.fund(id));
    },
  });

  router.get(routes.fundEdit, ...requirePermission('funds:manage'), async (req, res) => {
    const fund = await funds.get(actor(req), String(req.params.id));
    await renderForm(req, res, emptyForm(req, fundValues(fund)));
  });
  postForm(router, routes.fundEdit, logger, {
    permission: 'funds:manage',
    schema: fundEditSchema,
    render: renderForm,
    handle: async (req, res, { version, ...input }) => {
      const id = String(req.params.id);
      const { mails } = await funds.update(actor(req), id, version, input);
      await services.mailer.deliver(mails);
      req.flash('success', 'Les modifications du fonds sont enregistrées.');
      res.redirect(urls.fund(id));
    },
  });

  router.get(routes.fund, ...requirePermission('funds:read'), async (req, res) => {
    const a = actor(req);
    const id = String(req.params.id);
    const { fund, byLandlord, byAidType, months } = await funds.breakdowns(a, id);
    const movements = await funds.movements(a, id, pageOf(req));
    res.render('funds/show', {
      fund,
      byLandlord,
      byAidType,
      months: months.map((m) => ({ ...m, label: monthLabel(m.month) })),
      movements: { ...movements, pageCount: movements.pages, rows: movements.rows.map((m) => ({ ...m, label: MOVEMENT_LABELS[m.kind] })) },
      // the request's page only for those who may read requests: never the auditor's nor the accountant's
      linkRequests: can(a, 'requests:read'),
      canManage: can(a, 'funds:manage'),
      aidLabels: Object.fromEntries(fund.aidTypes.map((t) => [t.code, t.label])),
    });
  });

  router.get(routes.fundChart, ...requirePermission('funds:read'), async (req, res) => {
    const svg = await funds.chart(actor(req), String(req.params.id));
    const etag = `"${createHash('sha256').update(svg).digest('base64url').slice(0, 27)}"`;
    res.setHeader('Cache-Control', 'private, max-age=60');
    res.setHeader('ETag', etag);
    if (req.headers['if-none-match'] === etag) {
      res.status(304).end();
      return;
    }
    res.setHeader('Content-Type', 'image/svg+xml; charset=utf-8');
    res.send(svg);
  });

  router.get(routes.fundExport, ...requirePermission('funds:read'), async (req, res) => {
    const { filename, data } = await funds.exportXlsx(actor(req), String(req.params.id));
    sendAttachment(res, filename, XLSX, data);
  });

  return router;
}
