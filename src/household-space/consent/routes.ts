import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { sendAttachment } from '../../http/download';
import { emptyForm, type FormState, postForm } from '../../http/forms';
import type { Services } from '../../services';
import { NotFoundError } from '../../shared/errors';
import { routes, urls } from '../../urls';
import { householdActor } from '../actor';
import { requireHousehold } from '../guard';

const agreeSchema = z.object({ accord: z.literal('on', { error: 'Cochez « J’ai lu et je suis d’accord » pour recevoir le code' }) });
const codeSchema = z.object({
  code: z
    .string({ error: 'Tapez les 6 chiffres du code reçu par courriel' })
    .max(40, { error: 'Tapez les 6 chiffres du code reçu par courriel' })
    .transform((v) => v.replace(/[\s.-]/g, ''))
    .pipe(z.string().regex(/^\d{6}$/, { error: 'Tapez les 6 chiffres du code reçu par courriel' })),
});
const withdrawSchema = z.object({ confirmation: z.literal('oui', { error: 'Cochez la case pour confirmer le retrait de votre accord' }) });

/** Where the person signed from: kept in the evidence (the user agent cut to a reasonable length). */
const client = (req: Request) => ({ ip: req.ip ?? null, userAgent: (req.get('user-agent') ?? '').slice(0, 400) || null });

/**
 * The consent asked of the household: read the text (page and PDF), tick « J’ai lu et je suis
 * d’accord », receive a code by e-mail, type it: signed. Then download the signed PDF and the
 * evidence, or withdraw the consent (confirmed on its own page).
 */
export function householdConsentRoutes(services: Services): Router {
  const router = Router();
  const { consentSignatures, logger } = services;
  const requestId = (req: Request) => String(req.params.requestId);

  const render = async (req: Request, res: Response, form: FormState) => {
    const page = await consentSignatures.householdView(householdActor(req), requestId(req));
    res.render('household/consent/show', { page, form });
  };
  router.get(routes.householdConsent, requireHousehold, async (req, res) => render(req, res, emptyForm(req)));

  router.get(routes.householdConsentText, requireHousehold, async (req, res) => {
    const file = await consentSignatures.householdText(householdActor(req), requestId(req));
    sendAttachment(res, file.fileName, file.contentType, file.data);
  });

  postForm(router, routes.householdConsentCode, logger, {
    permission: null,
    before: [requireHousehold],
    schema: agreeSchema,
    render,
    handle: async (req, res) => {
      const sentTo = await consentSignatures.sendCode(householdActor(req), requestId(req), client(req));
      req.flash('success', `Nous avons envoyé un code à 6 chiffres à ${sentTo}. Tapez-le ci-dessous : il est valable 10 minutes.`);
      res.redirect(`${urls.householdConsent(requestId(req))}#signer`);
    },
  });

  postForm(router, routes.householdConsentSign, logger, {
    permission: null,
    before: [requireHousehold],
    schema: codeSchema,
    render,
    handle: async (req, res, data) => {
      await consentSignatures.confirm(householdActor(req), requestId(req), data.code, client(req));
      req.flash('success', 'C’est signé. Merci ! Vous pouvez télécharger le document signé et la preuve.');
      res.redirect(urls.householdConsent(requestId(req)));
    },
  });

  const renderWithdraw = async (req: Request, res: Response, form: FormState) => {
    const page = await consentSignatures.householdView(householdActor(req), requestId(req));
    if (page.signature?.status !== 'signed' || !page.mine) throw new NotFoundError();
    res.render('household/consent/withdraw', { page, form });
  };
  router.get(routes.householdConsentWithdraw, requireHousehold, async (req, res) => renderWithdraw(req, res, emptyForm(req)));
  postForm(router, routes.householdConsentWithdraw, logger, {
    permission: null,
    before: [requireHousehold],
    schema: withdrawSchema,
    render: renderWithdraw,
    handle: async (req, res) => {
      await consentSignatures.withdraw(householdActor(req), requestId(req), client(req));
      req.flash('success', 'Votre accord est retiré. Votre bailleur et l’association sont prévenus.');
      res.redirect(urls.householdConsent(requestId(req)));
    },
  });

  router.get(routes.householdConsentFile, requireHousehold, async (req, res) => {
    const file = await consentSignatures.householdFile(householdActor(req), requestId(req), String(req.params.consentId), String(req.params.consentFile));
    sendAttachment(res, file.fileName, file.contentType, file.data);
  });

  return router;
}
