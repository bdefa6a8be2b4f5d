import { type Request, type Response, Router } from 'express';
import { sendAttachment } from '../../http/download';
import { backWithErrors, emptyForm, type FormState, postForm } from '../../http/forms';
import { actor, requirePermission } from '../../http/guards';
import { singleFileUpload } from '../../http/uploads';
import type { Services } from '../../services';
import { ValidationError } from '../../shared/errors';
import { routes, urls } from '../../urls';
import { identityGate } from '../../auth/reauth';
import {
  aidTypeAccountSchema,
  bankAccountSchema,
  debtorAccountEditSchema,
  debtorAccountSchema,
  reviewSchema,
  supplierEditSchema,
  supplierSchema,
} from '../schemas';

/** Bank accounts: a landlord's own, the association's checks, suppliers, and the association's debtor accounts. */
export function accountRoutes(services: Services): Router {
  const router = Router();
  const { payees, debtorAccounts, aidRequests, logger } = services;
  // giving or confirming a bank account asks the password (and code) again (ASVS 3.7.1)
  const gate = identityGate(services);
  const id = (req: Request) => String(req.params.id);
  const uploadProblem = (req: Request) => {
    if (req.uploadError) throw new ValidationError({ rib: req.uploadError });
  };

  // a landlord administrator's page: the account in use, the change waiting, the history
  const renderOwn = async (req: Request, res: Response, form: FormState) => {
    res.render('payments/own-account', { ...(await payees.own(actor(req))), form, reauth: await gate.prompt(req) });
  };
  router.get(urls.ownBankAccount(), ...requirePermission('bank-accounts:own'), (req, res) => renderOwn(req, res, emptyForm(req)));
  postForm(router, urls.ownBankAccount(), logger, {
    permission: 'bank-accounts:own',
    before: singleFileUpload('rib'),
    schema: bankAccountSchema,
    render: renderOwn,
    handle: async (req, res, data) => {
      uploadProblem(req);
      await gate.confirm(req);
      await payees.submitOwn(actor(req), data, req.file);
      req.flash('success', 'Coordonnées bancaires envoyées : l’association les vérifie avec le RIB avant le prochain virement.');
      res.redirect(urls.ownBankAccount());
    },
  });

  router.get(routes.accountRib, ...requirePermission('home:view'), async (req, res) => {
    const file = await payees.rib(actor(req), id(req));
    sendAttachment(res, file.filename, file.contentType, file.data);
  });

  // the association checks each new IBAN against its RIB
  const renderReviews = async (req: Request, res: Response, form: FormState) => {
    res.render('payments/reviews', { accounts: await payees.pendingReviews(actor(req)), form, me: actor(req).userId, reauth: await gate.prompt(req) });
  };
  router.get(urls.accountReviews(), ...requirePermission('bank-accounts:review'), (req, res) => renderReviews(req, res, emptyForm(req)));
  postForm(router, routes.accountReview, logger, {
    permission: 'bank-accounts:review',
    schema: reviewSchema,
    render: backWithErrors(() => urls.accountReviews()),
    handle: async (req, res, data) => {
      if (data.decision === 'confirm') await gate.confirm(req);
      await payees.review(actor(req), id(req), data.version, data.decision, data.comment ?? null);
      req.flash(
        'success',
        data.decision === 'confirm'
          ? 'Compte confirmé : les virements en attente partiront avec le prochain lot.'
          : 'Compte refusé : le motif est visible du bailleur.',
      );
      res.redirect(urls.accountReviews());
    },
  });

  // suppliers paid directly by the association
  router.get(urls.suppliers(), ...requirePermission('payees:manage'), async (req, res) => {
    res.render('payments/suppliers', { suppliers: await payees.suppliers(actor(req)) });
  });
  const renderNewSupplier = async (req: Request, res: Response, form: FormState) =>
    res.render('payments/supplier-new', { form, reauth: await gate.prompt(req) });
  router.get(urls.supplierNew(), ...requirePermission('payees:manage'), (req, res) => renderNewSupplier(req, res, emptyForm(req)));
  postForm(router, urls.suppliers(), logger, {
    permission: 'payees:manage',
    before: singleFileUpload('rib'),
    schema: supplierSchema,
    render: renderNewSupplier,
    handle: async (req, res, data) => {
      uploadProblem(req);
      await gate.confirm(req);
      const created = await payees.createSupplier(actor(req), data, req.file);
      req.flash('success', 'Bénéficiaire créé : son compte doit être vérifié par une autre personne de l’association.');
      res.redirect(urls.supplier(created));
    },
  });
  const renderSupplier = async (req: Request, res: Response, form: FormState) => {
    const view = await payees.supplier(actor(req), id(req));
    const values = {
      name: view.payee.name,
      noticeEmail: view.payee.noticeEmail ?? '',
      archived: view.payee.status === 'archived',
      version: view.payee.version,
    };
    res.render('payments/supplier', { ...view, form: { ...form, values: { ...values, ...form.values } }, reauth: await gate.prompt(req) });
  };
  router.get(routes.supplier, ...requirePermission('payees:manage'), (req, res) => renderSupplier(req, res, emptyForm(req)));
  postForm(router, routes.supplierEdit, logger, {
    permission: 'payees:manage',
    schema: supplierEditSchema,
    render: renderSupplier,
    handle: async (req, res, data) => {
      await payees.updateSupplier(actor(req), id(req), data);
      req.flash('success', 'Bénéficiaire enregistré.');
      res.redirect(urls.supplier(id(req)));
    },
  });
  postForm(router, routes.supplierAccount, logger, {
    permission: 'payees:manage',
    before: singleFileUpload('rib'),
    schema: bankAccountSchema,
    render: renderSupplier,
    handle: async (req, res, data) => {
      uploadProblem(req);
      await gate.confirm(req);
      await payees.submitSupplierAccount(actor(req), id(req), data, req.file);
      req.flash('success', 'Nouveau compte enregistré : une autre personne de l’association doit le vérifier.');
      res.redirect(urls.supplier(id(req)));
    },
  });

  // the association's own accounts, that transfers leave from
  const renderDebtors = async (req: Request, res: Response, form: FormState) => {
    const a = actor(req);
    const [accounts, mapping, types] = await Promise.all([debtorAccounts.list(a), debtorAccounts.aidTypeMapping(a), aidRequests.aidTypeFilterOptions()]);
    res.render('payments/debtor-accounts', {
      accounts,
      form,
      aidTypes: types.map((t) => ({ ...t, account: mapping.get(t.value) ?? '' })),
      reauth: await gate.prompt(req),
    });
  };
  router.get(urls.debtorAccounts(), ...requirePermission('settings:manage'), (req, res) => renderDebtors(req, res, emptyForm(req, { active: true })));
  postForm(router, urls.debtorAccounts(), logger, {
    permission: 'settings:manage',
    schema: debtorAccountSchema,
    render: renderDebtors,
    handle: async (req, res, data) => {
      await gate.confirm(req);
      await debtorAccounts.create(actor(req), data);
      req.flash('success', 'Compte émetteur ajouté.');
      res.redirect(urls.debtorAccounts());
    },
  });
  const renderDebtorEdit = async (req: Request, res: Response, form: FormState) => {
    const account = await debtorAccounts.get(actor(req), id(req));
    const values = {
      label: account.label,
      holderName: account.holderName,
      iban: account.iban,
      bic: account.bic ?? '',
      isDefault: account.isDefault,
      active: account.active,
      version: account.version,
    };
    res.render('payments/debtor-account-edit', { account, form: { ...form, values: { ...values, ...form.values } }, reauth: await gate.prompt(req) });
  };
  router.get(routes.debtorAccountEdit, ...requirePermission('settings:manage'), (req, res) => renderDebtorEdit(req, res, emptyForm(req)));
  postForm(router, routes.debtorAccountEdit, logger, {
    permission: 'settings:manage',
    schema: debtorAccountEditSchema,
    render: renderDebtorEdit,
    handle: async (req, res, data) => {
      await gate.confirm(req);
      await debtorAccounts.update(actor(req), id(req), data);
      req.flash('success', 'Compte émetteur enregistré.');
      res.redirect(urls.debtorAccounts());
    },
  });
  postForm(router, urls.debtorAccountMapping(), logger, {
    permission: 'settings:manage',
    schema: aidTypeAccountSchema,
    render: backWithErrors(() => urls.debtorAccounts()),
    handle: async (req, res, data) => {
      await debtorAccounts.mapAidType(actor(req), data.aidTypeId, data.account);
      req.flash('success', 'Compte de l’aide enregistré.');
      res.redirect(urls.debtorAccounts());
    },
  });

  return router;
}
