import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { backWithErrors, emptyForm, type FormState, postForm } from '../http/forms';
import { actor, requirePermission } from '../http/guards';
import { can } from '../permissions';
import type { Services } from '../services';
import { parisDate } from '../shared/dates';
import { versionField } from '../shared/form-fields';
import { routes, urls } from '../urls';
import { CAUSES, CONSENT_METHODS, newRequestSchema, situationSchema, submitSchema } from './schemas';
import { situationValues } from './situation';
import { singleFileUpload } from '../http/uploads';
import { ValidationError } from '../shared/errors';
import { DOCUMENT_KIND_CODES, DOCUMENT_KINDS, type DocumentKind } from '../aid-types/rules';
import { availableActions, REQUEST_STATUSES, STATUS_LABELS } from './state-machine';

const listQuery = z.object({
  status: z.enum(REQUEST_STATUSES).optional().catch(undefined),
  menage: z.uuid().optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100000).catch(1).default(1),
});

const causeOptions = Object.entries(CAUSES).map(([value, text]) => ({ value, text }));
const consentOptions = Object.entries(CONSENT_METHODS).map(([value, text]) => ({ value, text }));

export function aidRequestRoutes(services: Services): Router {
  const router = Router();
  const { aidRequests, households, logger, clock } = services;

  router.get(urls.requests(), ...requirePermission('requests:read'), async (req, res) => {
    const query = listQuery.parse(req.query);
    const page = await aidRequests.list(actor(req), { status: query.status, householdId: query.menage }, query.page);
    res.render('aid-requests/list', { page, query, statusLabels: STATUS_LABELS, statusOptions: REQUEST_STATUSES.map((s) => ({ value: s, text: STATUS_LABELS[s] })), canFile: can(actor(req), 'requests:file') });
  });

  const renderNew = async (req: Request, res: Response, form: FormState) => {
    const a = actor(req);
    const householdId = String(form.values.householdId ?? req.query.menage ?? '');
    const household = householdId ? await households.get(a, householdId).catch(() => null) : null;
    res.render('aid-requests/new', { form, household, aidTypeOptions: await aidRequests.aidTypeOptions() });
  };
  router.get(urls.requestNew(), ...requirePermission('requests:file'), (req, res) => renderNew(req, res, emptyForm(req, { householdId: req.query.menage })));
  postForm(router, urls.requests(), logger, {
    permission: 'requests:file',
    schema: newRequestSchema,
    render: renderNew,
    handle: async (req, res, data) => {
      const id = await aidRequests.createDraft(actor(req), data.householdId, data.aidTypeId);
      req.flash('success', 'Le brouillon est créé : complétez la situation du ménage.');
      res.redirect(urls.requestSituation(id));
    },
  });

  router.get(routes.request, ...requirePermission('requests:read'), async (req, res) => {
    const a = actor(req);
    const request = await aidRequests.get(a, String(req.params.id));
    await households.logRead(a, 'request.view', 'aid_request', request.id);
    const rules = await aidRequests.rulesOf(request);
    const documents = await services.requestDocuments.list(a, request.id);
    res.render('aid-requests/show', {
      request,
      documents,
      requiredDocuments: (rules?.rules.documents ?? []).map((d) => ({ ...d, label: DOCUMENT_KINDS[d.kind], provided: documents.some((x) => x.current && x.kind === d.kind) })),
      documentOptions: Object.entries(DOCUMENT_KINDS).map(([value, text]) => ({ value, text })),
      documentLabels: DOCUMENT_KINDS,
      canAddDocuments: can(a, 'requests:file') && ['draft', 'awaiting_information'].includes(request.status),
      events: await aidRequests.events(a, request),
      check: await aidRequests.check(a, request.id),
      actions: availableActions(a.role, request.status).map((x) => x.action),
      statusLabels: STATUS_LABELS,
      causes: CAUSES,
      consentMethods: CONSENT_METHODS,
      consentOptions,
      submitForm: emptyForm(req, { consentDate: parisDate(clock.now()), version: request.version }),
    });
  });

  const renderSituation = async (req: Request, res: Response, form: FormState) => {
    const a = actor(req);
    const request = await aidRequests.get(a, String(req.params.id));
    res.render('aid-requests/situation', { request, form, causeOptions, check: await aidRequests.check(a, request.id) });
  };
  router.get(routes.requestSituation, ...requirePermission('requests:file'), async (req, res) => {
    const request = await aidRequests.get(actor(req), String(req.params.id));
    await renderSituation(req, res, emptyForm(req, situationValues(request.situation, request.requestedCents, request.requestedMonths, request.version)));
  });
  postForm(router, routes.requestSituation, logger, {
    permission: 'requests:file',
    schema: situationSchema,
    render: renderSituation,
    handle: async (req, res, data) => {
      await aidRequests.saveSituation(actor(req), String(req.params.id), data);
      req.flash('success', 'La situation est enregistrée.');
      res.redirect(urls.request(String(req.params.id)));
    },
  });

  /** htmx: the checks for what is typed now (same schema and rules as on save and submit). */
  postForm(router, routes.requestCheck, logger, {
    permission: 'requests:read',
    schema: situationSchema,
    render: async (req, res, form) => {
      await aidRequests.get(actor(req), String(req.params.id));
      res.status(200).render('aid-requests/_checks', { check: { lines: Object.values(form.errors).map((message) => ({ level: 'error', message })), evaluation: null } });
    },
    handle: async (req, res, data) => {
      res.render('aid-requests/_checks', { check: await aidRequests.check(actor(req), String(req.params.id), data) });
    },
  });

  const backToRequest = backWithErrors(
    (req) => urls.request(String(req.params.id)),
    (req) => aidRequests.get(actor(req), String(req.params.id)),
  );
  postForm(router, routes.requestSubmit, logger, {
    permission: 'requests:file',
    schema: () => submitSchema(parisDate(clock.now())),
    render: backToRequest,
    handle: async (req, res, data) => {
      const reference = await aidRequests.submit(actor(req), String(req.params.id), data);
      req.flash('success', `La demande ${reference} est déposée : l’association va l’instruire.`);
      res.redirect(urls.request(String(req.params.id)));
    },
  });
  postForm(router, routes.requestWithdraw, logger, {
    permission: 'requests:file',
    schema: z.object({ version: versionField() }),
    render: backToRequest,
    handle: async (req, res, data) => {
      await aidRequests.withdraw(actor(req), String(req.params.id), data.version);
      req.flash('success', 'La demande est retirée.');
      res.redirect(urls.request(String(req.params.id)));
    },
  });

  postForm(router, routes.requestDocuments, logger, {
    permission: 'requests:file',
    before: singleFileUpload('file'),
    schema: z.object({ kind: z.enum(DOCUMENT_KIND_CODES as [DocumentKind, ...DocumentKind[]], { error: 'Choisissez le type de pièce' }) }),
    render: backToRequest,
    handle: async (req, res, data) => {
      if (req.uploadError) throw new ValidationError({ file: req.uploadError });
      await services.requestDocuments.add(actor(req), String(req.params.id), data.kind, req.file);
      req.flash('success', `Pièce ajoutée : ${DOCUMENT_KINDS[data.kind]}.`);
      res.redirect(`${urls.request(String(req.params.id))}#pieces`);
    },
  });

  /** Downloads are attachments, never rendered by the browser (ASVS 12.5.2). */
  router.get(routes.requestDocument, ...requirePermission('requests:read'), async (req, res) => {
    const file = await services.requestDocuments.download(actor(req), String(req.params.id), String(req.params.documentId));
    res.setHeader('Content-Type', file.contentType);
    res.setHeader('Content-Disposition', `attachment; filename="${file.filename.replace(/"/g, '')}"`);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.send(file.data);
  });

  return router;
}
