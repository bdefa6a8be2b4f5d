import { type Request, type Response, Router } from 'express';
import { presentHistory } from '../audit/presenter';
import { emptyForm, type FormState, postForm } from '../http/forms';
import { actor, requirePermission } from '../http/guards';
import { can } from '../permissions';
import type { Services } from '../services';
import { parisDate } from '../shared/dates';
import { formatDate, formatEuros } from '../shared/format';
import { routes, urls } from '../urls';
import { EFFORT_RATE_FORMULA, REMAINING_INCOME_FORMULA } from './eligibility';
import { rulesValues, typeValues } from './form-values';
import { DOCUMENT_KINDS, PAYEE_KINDS } from './rules';
import { createAidTypeSchema, updateAidTypeSchema, versionSchema } from './schemas';

const options = {
  payeeOptions: Object.entries(PAYEE_KINDS).map(([value, text]) => ({ value, text })),
  documentKinds: Object.entries(DOCUMENT_KINDS).map(([value, text]) => ({ value, text })),
  documentLevels: [
    { value: 'none', text: 'Non demandée' },
    { value: 'optional', text: 'Facultative' },
    { value: 'mandatory', text: 'Obligatoire' },
  ],
  formulas: { effort: EFFORT_RATE_FORMULA, remaining: REMAINING_INCOME_FORMULA },
};

const HISTORY = {
  actions: {
    'aid_type.created': 'Création',
    'aid_type.updated': 'Modification',
    'aid_type.archived': 'Archivage',
    'aid_type.reactivated': 'Réactivation',
    'aid_type.version_added': 'Nouvelle version des règles',
  },
  fields: {
    code: 'Code',
    label: 'Nom',
    description: 'Description',
    payees: 'Bénéficiaires',
    groupCode: 'Groupe',
    validationThresholdCents: 'Seuil de double validation',
    status: 'Statut',
    effectiveFrom: 'En vigueur à partir du',
    versionNumber: 'Version',
  },
  value: (field: string, value: unknown) =>
    value === null || value === undefined || value === ''
      ? '—'
      : field === 'effectiveFrom'
        ? formatDate(value)
        : field === 'validationThresholdCents'
          ? formatEuros(value)
          : String(value),
};

export function aidTypeRoutes(services: Services): Router {
  const router = Router();
  const { aidTypes, logger, clock } = services;
  const today = () => parisDate(clock.now());

  router.get(urls.aidTypes(), ...requirePermission('catalogue:read'), async (req, res) => {
    res.render('aid-types/list', { aidTypes: await aidTypes.list(actor(req)), canManage: can(actor(req), 'catalogue:manage'), ...options });
  });

  const renderNew = (_req: Request, res: Response, form: FormState) => res.render('aid-types/new', { form, ...options });
  router.get(urls.aidTypeNew(), ...requirePermission('catalogue:manage'), (req, res) =>
    renderNew(
      req,
      res,
      emptyForm(req, { effectiveFrom: today(), requireActiveLandlord: true, expenseAccount: '6571', thirdPartyAccount: '4672', payees: ['landlord'] }),
    ),
  );
  postForm(router, urls.aidTypes(), logger, {
    permission: 'catalogue:manage',
    schema: createAidTypeSchema,
    render: renderNew,
    handle: async (req, res, data) => {
      const id = await aidTypes.create(actor(req), data);
      req.flash('success', `L’aide « ${data.label} » est créée.`);
      res.redirect(urls.aidType(id));
    },
  });

  router.get(routes.aidType, ...requirePermission('catalogue:read'), async (req, res) => {
    const a = actor(req);
    const detail = await aidTypes.detail(a, String(req.params.id));
    res.render('aid-types/show', {
      ...detail,
      history: presentHistory(detail.history, HISTORY),
      lastUpdate: detail.history[0] ? { at: detail.history[0].occurredAt, by: detail.history[0].actorLabel } : null,
      canManage: can(a, 'catalogue:manage'),
      ...options,
    });
  });

  const renderEdit = async (req: Request, res: Response, form: FormState) => {
    const { aidType } = await aidTypes.detail(actor(req), String(req.params.id));
    res.render('aid-types/edit', { aidType, form, ...options });
  };
  router.get(routes.aidTypeEdit, ...requirePermission('catalogue:manage'), async (req, res) => {
    const { aidType } = await aidTypes.detail(actor(req), String(req.params.id));
    await renderEdit(req, res, emptyForm(req, typeValues(aidType)));
  });
  postForm(router, routes.aidTypeEdit, logger, {
    permission: 'catalogue:manage',
    schema: updateAidTypeSchema,
    render: renderEdit,
    handle: async (req, res, data) => {
      await aidTypes.update(actor(req), String(req.params.id), data);
      req.flash('success', 'Les modifications sont enregistrées.');
      res.redirect(urls.aidType(String(req.params.id)));
    },
  });

  const renderVersion = async (req: Request, res: Response, form: FormState) => {
    const detail = await aidTypes.detail(actor(req), String(req.params.id));
    res.render('aid-types/version-new', { ...detail, form, ...options });
  };
  router.get(routes.aidTypeVersionNew, ...requirePermission('catalogue:manage'), async (req, res) => {
    const detail = await aidTypes.detail(actor(req), String(req.params.id));
    const latest = detail.versions[0];
    await renderVersion(req, res, emptyForm(req, { ...(latest ? rulesValues(latest.rules) : {}), effectiveFrom: '' }));
  });
  postForm(router, routes.aidTypeVersionNew, logger, {
    permission: 'catalogue:manage',
    schema: versionSchema,
    render: renderVersion,
    handle: async (req, res, data) => {
      await aidTypes.addVersion(actor(req), String(req.params.id), data);
      req.flash('success', `La nouvelle version des règles entrera en vigueur le ${formatDate(data.effectiveFrom)}.`);
      res.redirect(urls.aidType(String(req.params.id)));
    },
  });

  return router;
}
