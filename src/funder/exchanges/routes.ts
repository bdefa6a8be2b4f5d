import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { sendAttachment } from '../../http/download';
import { backWithErrors, emptyForm, type FormState, postForm } from '../../http/forms';
import { actor, requirePermission } from '../../http/guards';
import type { Services } from '../../services';
import { checkbox } from '../../shared/form-fields';
import { NotFoundError } from '../../shared/errors';
import { routes, urls } from '../../urls';
import { FLOWS } from '../formats/names';
import { FLOW_LABELS } from './labels';
import { FILE_PARTS } from './service';

/** `?flux=` and `?page=`: anything else shows every flow, page 1. */
const listQuery = z.object({
  flux: z.enum(FLOWS).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});

/** Putting a refused record back to leave again: confirmed, as it changes what the funder will receive. */
export const resendSchema = z.object({
  confirm: checkbox().refine((v) => v, { error: 'Cochez la case pour confirmer le renvoi de l’enregistrement au financeur' }),
});

const flowOptions = FLOWS.map((value) => ({ value, text: FLOW_LABELS[value] }));

/** The « Échanges » page: the files exchanged with Action Logement, each flow's state, the records it refused. */
export function exchangesRoutes(services: Services): Router {
  const router = Router();
  const { logger } = services;
  const exchanges = services.funderExchanges;
  const id = (req: Request) => String(req.params.id);

  /** The page; `posted` is the record whose resend was just refused (its row shows the error). */
  const renderIndex = async (req: Request, res: Response, form: FormState, posted: string | null = null) => {
    const a = actor(req);
    const query = listQuery.parse(req.query);
    res.render('echanges/index', {
      summary: await exchanges.summary(a),
      files: await exchanges.files(a, { flow: query.flux, page: query.page }),
      rejected: await exchanges.rejectedRecords(a),
      flux: query.flux ?? '',
      flowOptions,
      form: posted ? { ...form, errorSummary: form.errorSummary.map((e) => (e.href === '#confirm' ? { ...e, href: `#confirm-${posted}` } : e)) } : form,
      posted,
    });
  };

  router.get(urls.exchanges(), ...requirePermission('exchanges:read'), async (req, res) => {
    await renderIndex(req, res, emptyForm(req));
  });

  router.get(routes.exchangeFile, ...requirePermission('exchanges:read'), async (req, res) => {
    res.render('echanges/file', { file: await exchanges.file(actor(req), id(req)) });
  });

  router.get(routes.exchangeFilePart, ...requirePermission('exchanges:read'), async (req, res) => {
    const part = z.enum(FILE_PARTS).safeParse(req.params.part);
    if (!part.success) throw new NotFoundError();
    const file = await exchanges.download(actor(req), id(req), part.data);
    sendAttachment(res, file.fileName, file.contentType, file.data);
  });

  postForm(router, routes.exchangeRecordResend, logger, {
    permission: 'exchanges:manage',
    schema: resendSchema,
    render: (req, res, form) => renderIndex(req, res, form, id(req)),
    handle: async (req, res) => {
      const { recordId, flow, rebuilt } = await exchanges.resend(actor(req), id(req));
      req.flash(
        'success',
        `L’enregistrement ${recordId} est remis à envoyer${rebuilt ? ', recalculé à partir des données corrigées' : ''} : il repartira, sous le même identifiant, dans le prochain fichier « ${FLOW_LABELS[flow]} ».`,
      );
      res.redirect(urls.exchanges());
    },
  });

  postForm(router, routes.exchangesDeliver, logger, {
    permission: 'exchanges:manage',
    schema: z.object({}),
    render: backWithErrors(() => urls.exchanges()),
    handle: async (req, res) => {
      const { delivered, waiting, failed } = await exchanges.deliver(actor(req));
      const plural = (n: number, one: string, many: string) => (n > 1 ? many : one);
      if (delivered === 0 && waiting.length === 0 && failed.length === 0) req.flash('info', 'Aucun fichier n’attendait d’être déposé.');
      else if (delivered > 0) req.flash('success', `${delivered} ${plural(delivered, 'fichier déposé', 'fichiers déposés')} sur le serveur d’Action Logement.`);
      if (waiting.length > 0)
        req.flash(
          'warning',
          `${waiting.length} ${plural(waiting.length, 'fichier reste', 'fichiers restent')} à redéposer (${waiting[0]?.problem ?? 'serveur injoignable'}) : nouvel essai au prochain passage de la tâche.`,
        );
      for (const f of failed) req.flash('error', `${f.file} est en échec : ${f.problem ?? 'dépôt impossible'}.`);
      res.redirect(urls.exchanges());
    },
  });

  return router;
}
