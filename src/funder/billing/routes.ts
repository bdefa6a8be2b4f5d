import { type Request, type Response, Router } from 'express';
import { emptyForm, type FormState, postForm } from '../../http/forms';
import { actor, requirePermission } from '../../http/guards';
import type { Services } from '../../services';
import { centsToInput } from '../../shared/money';
import { urls } from '../../urls';
import { funderBillingSettingsSchema } from './settings';

/** « Facturation à Action Logement » : the management fees, payment terms and buyer printed on the monthly invoice (administrators). */
export function funderBillingRoutes(services: Services): Router {
  const router = Router();
  const { funderBillingSettings, logger } = services;

  const render = async (req: Request, res: Response, form: FormState) => {
    res.render('echanges/facturation', { form });
  };
  router.get(urls.funderBillingSettings(), ...requirePermission('settings:manage'), async (req, res) => {
    const { settings, version } = await funderBillingSettings.current();
    await render(
      req,
      res,
      emptyForm(req, {
        flatFee: centsToInput(settings.flatFeeCents),
        feeRatePercent: String(settings.feeRateBasisPoints / 100).replace('.', ','),
        paymentDays: String(settings.paymentDays),
        printIban: settings.iban ? 'on' : '',
        iban: settings.iban ?? '',
        bic: settings.bic ?? '',
        buyerName: settings.buyer.name,
        buyerAddress: settings.buyer.addressLines.join('\n'),
        version: String(version),
      }),
    );
  });
  postForm(router, urls.funderBillingSettings(), logger, {
    permission: 'settings:manage',
    schema: () => funderBillingSettingsSchema,
    render,
    handle: async (req, res, data) => {
      await funderBillingSettings.save(actor(req), data);
      req.flash('success', 'Les réglages de la facturation sont enregistrés : ils valent pour la prochaine facture.');
      res.redirect(urls.funderBillingSettings());
    },
  });
  return router;
}
