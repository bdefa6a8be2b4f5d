import { type Request, Router } from 'express';
import { z } from 'zod';
import { sendAttachment } from '../http/download';
import { backWithErrors, emptyForm, type FormRenderer, postForm } from '../http/forms';
import { actor, requirePermission } from '../http/guards';
import { singleFileUpload } from '../http/uploads';
import { can } from '../permissions';
import type { Services } from '../services';
import { ValidationError } from '../shared/errors';
import { routes, urls } from '../urls';
import { identityGate } from '../auth/reauth';
import { REJECTION_REASONS } from './transfers/rejections';
import { batchActionSchema, batchCancelSchema, cancelInstalmentsSchema, reissueSchema, rejectSchema } from './schemas';

const page = z.coerce.number().int().min(1).max(10_000).catch(1);

/** The association's payments: what is due, the SEPA batches and their four-eyes path, the bank's rejections. */
export function paymentRoutes(services: Services): Router {
  const router = Router();
  const { batches, rejections, logger } = services;
  const id = (req: Request) => String(req.params.id);
  const toBatch = (req: Request) => urls.batch(id(req));
  const back = (to: (req: Request) => string) => backWithErrors(to);
  // approving a batch asks the password (and code) again (ASVS 3.7.1)
  const gate = identityGate(services);
  const reasonOptions = Object.entries(REJECTION_REASONS).map(([value, text]) => ({ value, text: `${value} — ${text}` }));

  router.get(urls.payments(), ...requirePermission('payments:read'), async (req, res) => {
    const a = actor(req);
    res.render('payments/index', {
      ...(await batches.overview(a, page.parse(req.query.page))),
      reasonOptions,
      canReadRequests: can(a, 'requests:read'),
      canManage: can(a, 'payments:manage'),
      canReview: can(a, 'bank-accounts:review'),
      canSettings: can(a, 'settings:manage'),
      canPayees: can(a, 'payees:manage'),
    });
  });

  postForm(router, urls.paymentsGenerate(), logger, {
    permission: 'payments:manage',
    schema: z.object({}),
    render: back(() => urls.payments()),
    handle: async (req, res) => {
      const a = actor(req);
      const outcome = await services.runJob('sepa-batches', { userId: a.userId, label: a.name });
      if (outcome.status === 'succeeded') {
        const n = outcome.counts.batches ?? 0;
        req.flash(
          'success',
          n
            ? `${n} lot${n > 1 ? 's' : ''} préparé${n > 1 ? 's' : ''} (${outcome.counts.payments} virements) : à faire approuver par une autre personne.`
            : 'Aucun virement à préparer aujourd’hui.',
        );
      } else if (outcome.status === 'skipped')
        req.flash('info', `Préparation déjà faite aujourd’hui (${outcome.reason}) : les échéances restantes partiront avec le prochain lot.`);
      else req.flash('error', `La préparation a échoué : ${outcome.error}`);
      res.redirect(urls.payments());
    },
  });

  postForm(router, urls.paymentsStatusReport(), logger, {
    permission: 'payments:manage',
    before: singleFileUpload('file'),
    schema: z.object({}),
    render: back(() => urls.payments()),
    handle: async (req, res) => {
      if (req.uploadError) throw new ValidationError({ file: req.uploadError });
      const r = await rejections.importStatusReport(actor(req), req.file);
      req.flash(
        'success',
        `Rapport de la banque lu : ${r.rejected} virement(s) rejeté(s), ${r.accepted} accepté(s)${r.alreadyRejected ? `, ${r.alreadyRejected} déjà connu(s)` : ''}${r.unknown.length ? `, ${r.unknown.length} référence(s) inconnue(s) : ${r.unknown.slice(0, 5).join(', ')}` : ''}.`,
      );
      res.redirect(urls.payments());
    },
  });

  router.get(routes.batch, ...requirePermission('payments:read'), async (req, res) => {
    const a = actor(req);
    res.render('payments/batch', {
      ...(await batches.get(a, id(req))),
      reasonOptions,
      canApprove: can(a, 'payments:approve'),
      canManage: can(a, 'payments:manage'),
      canReadRequests: can(a, 'requests:read'),
      me: a.userId,
      reauth: can(a, 'payments:approve') ? await gate.prompt(req) : null,
    });
  });

  const batchAction = (
    path: string,
    permission: 'payments:approve' | 'payments:read',
    message: string,
    act: (req: Request, version: number) => Promise<void>,
    sensitive = false,
  ) =>
    postForm(router, path, logger, {
      permission,
      schema: batchActionSchema,
      render: back(toBatch),
      handle: async (req, res, data) => {
        if (sensitive) await gate.confirm(req);
        await act(req, data.version);
        req.flash('success', message);
        res.redirect(toBatch(req));
      },
    });
  batchAction(
    routes.batchApprove,
    'payments:approve',
    'Lot approuvé : il peut être transmis à la banque.',
    (req, v) => batches.approve(actor(req), id(req), v),
    true,
  );
  batchAction(
    routes.batchTransmit,
    'payments:approve',
    'Lot transmis : téléchargez le fichier pour le portail de la banque ; les avis de mise en paiement sont envoyés.',
    (req, v) => batches.transmit(actor(req), id(req), v),
  );
  batchAction(routes.batchSettle, 'payments:approve', 'Lot réglé : les versements sont constatés.', (req, v) => batches.settle(actor(req), id(req), v));

  // cancelling a batch asks first: a page says what will happen, its form carries the confirmation
  const renderBatchCancel: FormRenderer = async (req, res, form) => {
    res.render('payments/batch-cancel', { batch: await batches.cancelPreview(actor(req), id(req)), form });
  };
  router.get(routes.batchCancel, ...requirePermission('payments:read'), (req, res) => renderBatchCancel(req, res, emptyForm(req)));
  postForm(router, routes.batchCancel, logger, {
    permission: 'payments:read',
    schema: batchCancelSchema,
    render: renderBatchCancel,
    handle: async (req, res, data) => {
      await batches.cancel(actor(req), id(req), data.version, data.reason);
      req.flash('success', 'Lot annulé : ses échéances reviennent dans les paiements à venir.');
      res.redirect(toBatch(req));
    },
  });

  router.get(routes.batchFile, ...requirePermission('payments:approve'), async (req, res) => {
    const file = await batches.file(actor(req), id(req));
    res.setHeader('X-Checksum-Sha256', file.sha256);
    sendAttachment(res, file.filename, 'application/xml; charset=utf-8', file.data);
  });

  /** Actions on one payment come from its request's page or from the batch: back to where the person was. */
  const backToReferer = (req: Request) => {
    const ref = req.get('referer');
    try {
      const u = ref ? new URL(ref) : null;
      return u && /^\/(paiements|demandes)\//.test(u.pathname) ? u.pathname + u.search : urls.payments();
    } catch {
      return urls.payments();
    }
  };
  postForm(router, routes.paymentReject, logger, {
    permission: 'payments:manage',
    schema: rejectSchema,
    render: back(backToReferer),
    handle: async (req, res, data) => {
      await rejections.reject(actor(req), id(req), data.code, data.comment ?? null);
      req.flash('success', 'Virement marqué rejeté : le bailleur est prévenu ; réémettez-le une fois ses coordonnées vérifiées.');
      res.redirect(backToReferer(req));
    },
  });
  postForm(router, routes.paymentReissue, logger, {
    permission: 'payments:manage',
    schema: reissueSchema,
    render: back(backToReferer),
    handle: async (req, res, data) => {
      await rejections.reissue(actor(req), id(req), data.version);
      req.flash('success', 'Virement réémis : il partira avec le prochain lot.');
      res.redirect(backToReferer(req));
    },
  });
  const renderCancelInstalments: FormRenderer = async (req, res, form) => {
    res.render('payments/cancel-instalments', { ...(await rejections.remainingInstalments(actor(req), id(req))), form });
  };
  router.get(routes.requestCancelInstalments, ...requirePermission('payments:manage'), (req, res) => renderCancelInstalments(req, res, emptyForm(req)));
  postForm(router, routes.requestCancelInstalments, logger, {
    permission: 'payments:manage',
    schema: cancelInstalmentsSchema,
    render: renderCancelInstalments,
    handle: async (req, res, data) => {
      const n = await rejections.cancelRemaining(actor(req), id(req), data.reason);
      req.flash('success', `${n} échéance${n > 1 ? 's' : ''} annulée${n > 1 ? 's' : ''}.`);
      res.redirect(urls.request(id(req)));
    },
  });

  return router;
}
