import { type Request, type Response, Router } from 'express';
import { presentHistory } from '../audit/presenter';
import { emptyForm, type FormState, postForm } from '../http/forms';
import { actor, requirePermission } from '../http/guards';
import { formatDate } from '../shared/format';
import { ORGANISATION_KIND_LABELS, ORGANISATION_KINDS } from '../permissions/roles';
import type { Services } from '../services';
import { routes, urls } from '../urls';
import { agencySchema, createOrganisationSchema, organisationListQuery, updateAgencySchema, updateOrganisationSchema } from './schemas';
import type { Agency, Organisation } from './repository';

const HISTORY_LABELS = {
  actions: {
    'organisation.created': 'Création',
    'organisation.updated': 'Modification',
    'organisation.suspended': 'Suspension',
    'organisation.reactivated': 'Réactivation',
    'agency.created': 'Ajout d’une agence',
  },
  fields: {
    kind: 'Type',
    name: 'Nom',
    siren: 'SIREN',
    addressLine1: 'Adresse',
    addressLine2: 'Complément d’adresse',
    postcode: 'Code postal',
    city: 'Ville',
    email: 'E-mail',
    phone: 'Téléphone',
    memberSince: 'Adhérent depuis',
    status: 'Statut',
    agency: 'Agence',
  },
  value: (field: string, value: unknown) => {
    if (value === null || value === undefined || value === '') return '—';
    if (field === 'kind') return ORGANISATION_KIND_LABELS[value as keyof typeof ORGANISATION_KIND_LABELS] ?? String(value);
    if (field === 'status') return value === 'active' ? 'Actif' : 'Suspendu';
    if (field === 'memberSince') return formatDate(value);
    return String(value);
  },
};

const kindOptions = ORGANISATION_KINDS.map((k) => ({ value: k, text: ORGANISATION_KIND_LABELS[k] }));

const formValues = (o: Organisation) => ({
  kind: o.kind,
  name: o.name,
  siren: o.siren ?? '',
  addressLine1: o.addressLine1 ?? '',
  addressLine2: o.addressLine2 ?? '',
  postcode: o.postcode ?? '',
  city: o.city ?? '',
  email: o.email ?? '',
  phone: o.phone ?? '',
  memberSince: o.memberSince ?? '',
  status: o.status,
  version: o.version,
});

const agencyValues = (a: Agency) => ({ name: a.name, postcode: a.postcode ?? '', city: a.city ?? '', status: a.status, version: a.version });

export function organisationRoutes(services: Services): Router {
  const router = Router();
  const { organisations, logger } = services;

  router.get(urls.organisations(), ...requirePermission('organisations:manage'), async (req, res) => {
    const query = organisationListQuery.parse(req.query);
    const page = await organisations.list(actor(req), query);
    res.render('organisations/list', { page, query, kindOptions });
  });

  const renderNew = (_req: Request, res: Response, form: FormState) => res.render('organisations/new', { form, kindOptions });
  router.get(urls.organisationNew(), ...requirePermission('organisations:manage'), (req, res) => renderNew(req, res, emptyForm(req, { kind: 'landlord' })));
  postForm(router, urls.organisations(), logger, {
    permission: 'organisations:manage',
    schema: createOrganisationSchema,
    render: renderNew,
    handle: async (req, res, data) => {
      const created = await organisations.create(actor(req), data);
      req.flash('success', `Le membre « ${created.name} » est créé. Ajoutez ses agences et ses utilisateurs.`);
      res.redirect(urls.organisation(created.id));
    },
  });

  const renderShow = async (req: Request, res: Response, agencyForm: FormState) => {
    const detail = await organisations.detail(actor(req), String(req.params.id));
    res.render('organisations/show', {
      ...detail,
      history: presentHistory(detail.history, HISTORY_LABELS),
      agencyForm,
    });
  };
  router.get(routes.organisation, ...requirePermission('organisations:manage'), (req, res) => renderShow(req, res, emptyForm(req)));

  const renderEdit = async (req: Request, res: Response, form: FormState) => {
    const organisation = await organisations.get(actor(req), String(req.params.id));
    res.render('organisations/edit', { organisation, form, kindOptions });
  };
  router.get(routes.organisationEdit, ...requirePermission('organisations:manage'), async (req, res) => {
    const organisation = await organisations.get(actor(req), String(req.params.id));
    await renderEdit(req, res, emptyForm(req, formValues(organisation)));
  });
  postForm(router, routes.organisationEdit, logger, {
    permission: 'organisations:manage',
    schema: updateOrganisationSchema,
    render: renderEdit,
    handle: async (req, res, data) => {
      const updated = await organisations.update(actor(req), String(req.params.id), data);
      req.flash('success', 'Les modifications sont enregistrées.');
      res.redirect(urls.organisation(updated.id));
    },
  });

  postForm(router, routes.organisationAgencies, logger, {
    permission: 'organisations:manage',
    schema: agencySchema,
    render: renderShow,
    handle: async (req, res, data) => {
      const agency = await organisations.addAgency(actor(req), String(req.params.id), data);
      req.flash('success', `L’agence « ${agency.name} » est ajoutée.`);
      res.redirect(`${urls.organisation(String(req.params.id))}#agences`);
    },
  });

  const renderAgencyEdit = async (req: Request, res: Response, form: FormState) => {
    const { organisation, agency } = await organisations.getAgency(actor(req), String(req.params.id), String(req.params.agencyId));
    res.render('organisations/agency-edit', { organisation, agency, form });
  };
  router.get(routes.agencyEdit, ...requirePermission('organisations:manage'), async (req, res) => {
    const { agency } = await organisations.getAgency(actor(req), String(req.params.id), String(req.params.agencyId));
    await renderAgencyEdit(req, res, emptyForm(req, agencyValues(agency)));
  });
  postForm(router, routes.agencyEdit, logger, {
    permission: 'organisations:manage',
    schema: updateAgencySchema,
    render: renderAgencyEdit,
    handle: async (req, res, data) => {
      await organisations.updateAgency(actor(req), String(req.params.id), String(req.params.agencyId), data);
      req.flash('success', 'L’agence est modifiée.');
      res.redirect(`${urls.organisation(String(req.params.id))}#agences`);
    },
  });

  return router;
}
