import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { sendAttachment } from '../http/download';
import { emptyForm, type FormState, postForm } from '../http/forms';
import { actor, requirePermission } from '../http/guards';
import { multiFileUpload, uploadedFiles } from '../http/uploads';
import { can } from '../permissions';
import type { Services } from '../services';
import { sendCsv, toAsync } from '../shared/csv';
import { ValidationError } from '../shared/errors';
import { formatDateTime } from '../shared/format';
import { routes, urls } from '../urls';
import { ASSISTANCE_CATEGORIES, ASSISTANCE_PRIORITIES, ASSISTANCE_STATUSES, CNIL_STATUSES, DUE_HOURS, PEOPLE_STATUSES } from './labels';
import { breachEditSchema, breachSchema, fromPath, noteSchema, openSchema, queueQuery, replySchema, triageSchema } from './schemas';

const options = (o: Record<string, string>) => Object.entries(o).map(([value, text]) => ({ value, text }));
const LABELS = {
  categories: ASSISTANCE_CATEGORIES,
  priorities: ASSISTANCE_PRIORITIES,
  statuses: ASSISTANCE_STATUSES,
  cnil: CNIL_STATUSES,
  people: PEOPLE_STATUSES,
};
const fromQuery = z.object({ from: z.unknown().optional() });
const requestQuery = z.object({ demande: z.string().optional().catch(undefined) });
const MAX_FILES = 5;

/** The assistance desk (every user), its triage (the association's administrators) and the breach register. */
export function assistanceRoutes(services: Services): Router {
  const router = Router();
  const { assistance, breaches, logger } = services;
  const id = (req: Request) => String(req.params.id);
  const uploadRefused = (req: Request) => {
    if (req.uploadError) throw new ValidationError({ files: req.uploadError });
  };

  // --- the requester's side ---
  router.get(urls.assistance(), ...requirePermission('assistance:use'), async (req, res) => {
    res.render('assistance/mine', { requests: await assistance.mine(actor(req)), labels: LABELS, now: assistance.now() });
  });

  const renderNew = (_req: Request, res: Response, form: FormState) => {
    res.render('assistance/new', { form, categories: options(ASSISTANCE_CATEGORIES), maxFiles: MAX_FILES });
  };
  router.get(urls.assistanceNew(), ...requirePermission('assistance:use'), (req, res) => {
    renderNew(req, res, emptyForm(req, { from: fromPath(fromQuery.parse(req.query).from) ?? '' }));
  });
  postForm(router, urls.assistance(), logger, {
    permission: 'assistance:use',
    before: multiFileUpload('files', MAX_FILES),
    schema: openSchema,
    render: renderNew,
    handle: async (req, res, data) => {
      uploadRefused(req);
      const created = await assistance.open(actor(req), data, uploadedFiles(req));
      req.flash('success', 'Votre demande d’assistance est envoyée à l’association. Vous serez prévenu par courriel de sa réponse.');
      res.redirect(urls.assistanceRequest(created));
    },
  });

  const renderThread = async (req: Request, res: Response, form: FormState) => {
    const a = actor(req);
    const thread = await assistance.view(a, id(req));
    const manager = thread.manages
      ? { assignees: await assistance.assignees(a), breaches: await breaches.forRequest(a, thread.request.id), canRecordBreach: can(a, 'breaches:manage') }
      : null;
    res.render('assistance/show', {
      ...thread,
      manager,
      form,
      labels: LABELS,
      dueHours: DUE_HOURS,
      priorities: options(ASSISTANCE_PRIORITIES),
      statuses: options(ASSISTANCE_STATUSES),
      maxFiles: MAX_FILES,
    });
  };
  router.get(routes.assistanceRequest, ...requirePermission('assistance:use'), async (req, res) => {
    const request = await assistance.get(actor(req), id(req));
    await renderThread(
      req,
      res,
      emptyForm(req, { version: request.version, priority: request.priority, status: request.status, assigneeId: request.assigneeId ?? '' }),
    );
  });
  postForm(router, routes.assistanceMessages, logger, {
    permission: 'assistance:use',
    before: multiFileUpload('files', MAX_FILES),
    schema: replySchema,
    render: renderThread,
    handle: async (req, res, data) => {
      uploadRefused(req);
      await assistance.reply(actor(req), id(req), data, uploadedFiles(req));
      req.flash('success', 'Message envoyé.');
      res.redirect(urls.assistanceRequest(id(req)));
    },
  });
  router.get(routes.assistanceAttachment, ...requirePermission('assistance:use'), async (req, res) => {
    const file = await assistance.attachment(actor(req), id(req), String(req.params.attachmentId));
    sendAttachment(res, file.filename, file.contentType, file.data);
  });

  // --- the association's administrators ---
  router.get(urls.assistanceQueue(), ...requirePermission('assistance:manage'), async (req, res) => {
    const filter = queueQuery.parse(req.query).statut;
    const a = actor(req);
    res.render('assistance/queue', {
      requests: await assistance.queue(a, filter),
      summary: await assistance.summary(a),
      filter,
      labels: LABELS,
      now: assistance.now(),
      filters: [{ value: 'ouvertes', text: 'Ouvertes' }, ...options(ASSISTANCE_STATUSES), { value: 'toutes', text: 'Toutes' }],
    });
  });
  postForm(router, routes.assistanceTriage, logger, {
    permission: 'assistance:manage',
    schema: triageSchema,
    render: renderThread,
    handle: async (req, res, data) => {
      await assistance.triage(actor(req), id(req), data);
      req.flash('success', 'Demande mise à jour.');
      res.redirect(urls.assistanceRequest(id(req)));
    },
  });
  postForm(router, routes.assistanceNotes, logger, {
    permission: 'assistance:manage',
    schema: noteSchema,
    render: renderThread,
    handle: async (req, res, data) => {
      await assistance.addNote(actor(req), id(req), data.note);
      req.flash('success', 'Note interne ajoutée.');
      res.redirect(urls.assistanceRequest(id(req)));
    },
  });

  // --- the breach register ---
  router.get(urls.breaches(), ...requirePermission('breaches:read'), async (req, res) => {
    res.render('assistance/breaches', { entries: await breaches.list(actor(req)), labels: LABELS });
  });
  router.get(urls.breachesCsv(), ...requirePermission('breaches:read'), async (req, res) => {
    const rows = await breaches.exportRows(actor(req));
    const when = (d: Date | null) => (d ? formatDateTime(d) : '');
    await sendCsv(
      res,
      'registre-violations.csv',
      [
        'N°',
        'Prise de connaissance',
        'Nature',
        'Catégories de personnes',
        'Nombre approximatif de personnes',
        'Catégories de données',
        'Nombre approximatif d’enregistrements',
        'Conséquences probables',
        'Mesures prises ou envisagées',
        'Notification CNIL',
        'Notifiée le',
        'Référence CNIL',
        'Motifs du retard',
        'Motif de non-notification',
        'Information des personnes',
        'Informées le',
        'Comment',
        'Motif de non-information',
        'Demande d’assistance',
        'Inscrite par',
        'Inscrite le',
        'Modifiée le',
      ],
      toAsync(rows),
      (b) => [
        b.number,
        when(b.awareAt),
        b.nature,
        b.peopleCategories,
        b.peopleCount ?? '',
        b.recordCategories,
        b.recordCount ?? '',
        b.consequences,
        b.measures,
        CNIL_STATUSES[b.cnilStatus],
        when(b.cnilNotifiedAt),
        b.cnilReference ?? '',
        b.delayReason ?? '',
        b.notNotifiedReason ?? '',
        PEOPLE_STATUSES[b.peopleStatus],
        when(b.peopleInformedAt),
        b.peopleInformedHow ?? '',
        b.peopleNotInformedReason ?? '',
        b.sourceRequestNumber ?? '',
        b.createdByName,
        when(b.createdAt),
        when(b.updatedAt),
      ],
    );
  });

  const breachForm = { cnilStatuses: options(CNIL_STATUSES), peopleStatuses: options(PEOPLE_STATUSES) };
  const renderBreachNew = (_req: Request, res: Response, form: FormState) => res.render('assistance/breach-form', { form, entry: null, ...breachForm });
  router.get(urls.breachNew(), ...requirePermission('breaches:manage'), async (req, res) => {
    renderBreachNew(req, res, emptyForm(req, await breaches.prefill(actor(req), requestQuery.parse(req.query).demande)));
  });
  postForm(router, urls.breaches(), logger, {
    permission: 'breaches:manage',
    schema: breachSchema,
    render: renderBreachNew,
    handle: async (req, res, data) => {
      const created = await breaches.record(actor(req), data);
      req.flash('success', 'La violation est inscrite au registre.');
      res.redirect(urls.breach(created));
    },
  });
  router.get(routes.breach, ...requirePermission('breaches:read'), async (req, res) => {
    res.render('assistance/breach', { entry: await breaches.view(actor(req), id(req)), labels: LABELS });
  });
  const renderBreachEdit = async (req: Request, res: Response, form: FormState) => {
    res.render('assistance/breach-form', { form, entry: await breaches.get(actor(req), id(req)), ...breachForm });
  };
  router.get(routes.breachEdit, ...requirePermission('breaches:manage'), async (req, res) => {
    await renderBreachEdit(req, res, emptyForm(req, breaches.formValues(await breaches.view(actor(req), id(req)))));
  });
  postForm(router, routes.breachEdit, logger, {
    permission: 'breaches:manage',
    schema: breachEditSchema,
    render: renderBreachEdit,
    handle: async (req, res, data) => {
      await breaches.update(actor(req), id(req), data);
      req.flash('success', 'L’inscription au registre est modifiée (la modification est tracée).');
      res.redirect(urls.breach(id(req)));
    },
  });

  return router;
}
