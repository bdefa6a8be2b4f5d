import { type Request, type Response, Router } from 'express';
import { sendAttachment } from '../../http/download';
import type { Services } from '../../services';
import { routes, urls } from '../../urls';
import { householdActor } from '../actor';
import { requireHousehold } from '../guard';
import { householdFilesUpload, MAX_HOUSEHOLD_FILES } from './upload';

/**
 * « Mes documents »: what the association asked the household to send, the sending form (several
 * files at once, from a phone: a photo or a PDF) and the files of its requests to download.
 */
export function householdDocumentsRoutes(services: Services): Router {
  const router = Router();
  const { householdDocuments } = services;
  const askId = (req: Request) => String(req.params.askId);

  router.get(routes.householdDocuments, requireHousehold, async (req, res) => {
    const { asks, files } = await householdDocuments.overview(householdActor(req));
    res.render('household/documents/index', { asks, files, maxFiles: MAX_HOUSEHOLD_FILES });
  });

  router.post(
    routes.householdDocumentsSend,
    requireHousehold,
    // another household's ask (or none): 404 before a byte of the body is read
    async (req, _res, next) => {
      await householdDocuments.askFor(householdActor(req), askId(req));
      next();
    },
    householdFilesUpload((req, file) => householdDocuments.receiveFile(householdActor(req), askId(req), file)),
    async (req: Request, res: Response) => {
      const sending = req.sending!;
      await householdDocuments.announce(householdActor(req), askId(req), sending.received.length);
      const names = (list: Array<{ filename: string }>) => list.map((f) => `« ${f.filename} »`).join(', ');
      if (sending.received.length) req.flash('success', `Bien reçu : ${names(sending.received)}. Merci, votre bailleur et l’association sont prévenus.`);
      if (sending.broken)
        req.flash(
          'warning',
          sending.received.length
            ? 'L’envoi s’est interrompu (connexion perdue ?). Les fichiers ci-dessus sont bien reçus : renvoyez seulement les autres.'
            : 'L’envoi s’est interrompu (connexion perdue ?) et aucun fichier n’est arrivé : recommencez.',
        );
      for (const r of sending.refused) req.flash('error', r.filename ? `Non gardé : « ${r.filename} » — ${r.reason}.` : `${r.reason}.`);
      if (!sending.received.length && !sending.refused.length && !sending.broken)
        req.flash('error', 'Choisissez au moins une photo ou un fichier PDF, puis « Envoyer ».');
      res.redirect(`${urls.householdDocuments()}#demande-${askId(req)}`);
    },
  );

  router.get(routes.householdDocumentFile, requireHousehold, async (req, res) => {
    const file = await householdDocuments.download(householdActor(req), String(req.params.householdFileId));
    sendAttachment(res, file.filename, file.contentType, file.data);
  });

  return router;
}
