import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { sendAttachment } from '../http/download';
import type { FormState } from '../http/forms';
import { postForm } from '../http/forms';
import { actor, requireAnyPermission } from '../http/guards';
import type { Services } from '../services';
import { routes, urls } from '../urls';

const onlineSchema = z.object({ signataire: z.uuid({ error: 'Choisissez la personne du ménage qui signe' }) });

/**
 * The landlord's third way on the consent step (« Le ménage signe en ligne »), and the files of a
 * signature on the request page (the landlord of the request and the association).
 */
export function eSignatureRoutes(services: Services): Router {
  const router = Router();
  const { consentSignatures, logger } = services;
  const id = (req: Request) => String(req.params.id);

  // a refused choice goes back to the consent step, the choice kept, the message shown
  const back = async (req: Request, res: Response, form: FormState) => {
    await consentSignatures.stepState(actor(req), id(req)); // another organisation's request: 404, as for the step itself
    req.session.savedForm = {
      path: urls.requestConsent(id(req)),
      values: { signataire: typeof form.values.signataire === 'string' ? form.values.signataire : '' },
    };
    req.flash('error', Object.values(form.errors).join(' '));
    res.redirect(`${urls.requestConsent(id(req))}#signature-en-ligne`);
  };
  postForm(router, routes.requestConsentOnline, logger, {
    permission: 'requests:file',
    schema: onlineSchema,
    render: back,
    handle: async (req, res, data) => {
      await consentSignatures.requestOnline(actor(req), id(req), data.signataire);
      req.flash('success', 'Le lien personnel est envoyé par courriel. Le consentement sera noté ici dès que la personne aura signé.');
      res.redirect(`${urls.requestConsent(id(req))}#signature-en-ligne`);
    },
  });

  router.get(routes.requestConsentSignatureFile, ...requireAnyPermission('requests:read', 'requests:read-assigned'), async (req, res) => {
    const file = await consentSignatures.download(actor(req), id(req), String(req.params.signatureId), String(req.params.file));
    sendAttachment(res, file.fileName, file.contentType, file.data);
  });

  return router;
}
