import { APPOINTMENT_STATUS_LABELS } from '../missions/history-labels';
import { APPOINTMENT_MODES, MISSION_STATUS_LABELS, SESSION_KINDS } from '../missions/state-machine';
import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { presentHistory } from '../audit/presenter';
import { backWithErrors, emptyForm, type FormState, postForm } from '../http/forms';
import { actor, requireAnyPermission, requirePermission } from '../http/guards';
import { formatDate } from '../shared/format';
import { can } from '../permissions';
import type { Services } from '../services';
import { sendCsv } from '../shared/csv';
import { centsToInput } from '../shared/money';
import { requiredDate, requiredText } from '../shared/form-fields';
import { routes, urls } from '../urls';
import { dwellingValues, personValues } from './form-values';
import { householdHistoryLabels } from './history-labels';
import { CIVILITY_LABELS, EMPLOYMENT_LABELS, EMPLOYMENT_STATUSES, RELATIONSHIP_LABELS, RELATIONSHIPS, RESOURCE_KINDS, RESOURCE_LABELS } from './labels';
import { addPersonSchema, createHouseholdSchema, householdListQuery, joinSchema, splitSchema, updateHouseholdSchema, updatePersonSchema } from './schemas';

/** Options every person form needs. */
const personOptions = {
  civilityOptions: Object.entries(CIVILITY_LABELS).map(([value, text]) => ({ value, text })),
  employmentOptions: EMPLOYMENT_STATUSES.map((value) => ({ value, text: EMPLOYMENT_LABELS[value] })),
  relationshipOptions: RELATIONSHIPS.map((value) => ({ value, text: RELATIONSHIP_LABELS[value] })),
  resourceFields: RESOURCE_KINDS.map((k) => ({ name: `resource${k[0]?.toUpperCase()}${k.slice(1)}`, label: RESOURCE_LABELS[k] })),
};

export function householdRoutes(services: Services): Router {
  const router = Router();
  const { households, memberships, logger } = services;
  const today = () => households.today();
  const householdPage = (req: Request) => urls.household(String(req.params.id));
  const canManage = (req: Request) => households.get(actor(req), String(req.params.id), 'households:manage');

  router.get(urls.households(), ...requirePermission('households:read'), async (req, res) => {
    const a = actor(req);
    const query = householdListQuery.parse(req.query);
    const page = await households.list(a, query);
    const landlords = can(a, 'households:merge') ? await households.landlordOptions(a) : [];
    res.render('households/list', { page, query, landlords, exportQuery: new URLSearchParams(req.query as Record<string, string>).toString() });
  });

  router.get(urls.householdsCsv(), ...requirePermission('households:read'), async (req, res) => {
    const query = householdListQuery.parse(req.query);
    await sendCsv(
      res,
      `menages-${today()}.csv`,
      ['Bailleur', 'Titulaire', 'Personnes', 'Référence du bail', 'Adresse', 'Code postal', 'Ville', 'Loyer (€)', 'Charges (€)'],
      households.exportRows(actor(req), query),
      (h) => [h.organisationName, h.holderName, h.memberCount, h.tenancyReference, h.addressLine1, h.postcode, h.city, centsToInput(h.rentCents), centsToInput(h.chargesCents)],
    );
  });

  const renderNew = async (req: Request, res: Response, form: FormState) => {
    const a = actor(req);
    const landlordOptions = can(a, 'households:merge') ? (await households.landlordOptions(a)).map((o) => ({ value: o.id, text: o.name })) : null;
    res.render('households/new', { form, ...personOptions, landlordOptions });
  };
  router.get(urls.householdNew(), ...requirePermission('households:manage'), (req, res) => renderNew(req, res, emptyForm(req, { employmentStatus: '', demande: req.query.demande === '1' ? '1' : '' })));
  postForm(router, urls.households(), logger, {
    permission: 'households:manage',
    schema: () => createHouseholdSchema(today()),
    render: renderNew,
    handle: async (req, res, data) => {
      const id = await households.create(actor(req), data, data.confirmNotDuplicate);
      // created from "Nouvelle demande": back to the request, with the household chosen
      const forRequest = req.body?.demande === '1' && can(actor(req), 'requests:file');
      req.flash('success', forRequest ? 'Le ménage est créé : choisissez maintenant l’aide demandée.' : 'Le ménage est créé.');
      res.redirect(forRequest ? `${urls.requestNew()}?menage=${id}` : urls.household(id));
    },
  });

  router.get(routes.household, ...requireAnyPermission('households:read', 'households:read-assigned'), async (req, res) => {
    const a = actor(req);
    const detail = await households.detail(a, String(req.params.id));
    const support = can(a, 'missions:read') ? await services.missions.householdOverview(a, detail.household.id) : [];
    const names = new Map([...detail.current, ...detail.former].map((m) => [m.person.id, `${m.person.firstNames} ${m.person.lastName}`]));
    res.render('households/show', {
      ...detail,
      history: presentHistory(detail.history, householdHistoryLabels(names)),
      lastUpdate: detail.history[0] ? { at: detail.history[0].occurredAt, by: detail.history[0].actorLabel } : null,
      canManage: can(a, 'households:manage') && detail.household.status === 'active',
      canMerge: can(a, 'households:merge') && detail.household.status === 'active',
      relationshipLabels: RELATIONSHIP_LABELS,
      employmentLabels: EMPLOYMENT_LABELS,
      today: today(),
      mergeForm: emptyForm(req),
      support,
      missionLabels: { status: MISSION_STATUS_LABELS, sessionKinds: SESSION_KINDS, modes: APPOINTMENT_MODES, appointmentStatus: APPOINTMENT_STATUS_LABELS },
    });
  });

  const renderEdit = async (req: Request, res: Response, form: FormState) => {
    const household = await households.get(actor(req), String(req.params.id), 'households:manage');
    res.render('households/edit', { household, form });
  };
  router.get(routes.householdEdit, ...requirePermission('households:manage'), async (req, res) => {
    const household = await households.get(actor(req), String(req.params.id), 'households:manage');
    await renderEdit(req, res, emptyForm(req, dwellingValues(household)));
  });
  postForm(router, routes.householdEdit, logger, {
    permission: 'households:manage',
    schema: () => updateHouseholdSchema(today()),
    render: renderEdit,
    handle: async (req, res, data) => {
      await households.update(actor(req), String(req.params.id), data);
      req.flash('success', 'Les modifications sont enregistrées.');
      res.redirect(urls.household(String(req.params.id)));
    },
  });

  const renderAddPerson = async (req: Request, res: Response, form: FormState) => {
    const household = await households.get(actor(req), String(req.params.id), 'households:manage');
    res.render('households/add-person', { household, form, ...personOptions });
  };
  router.get(routes.householdAddPerson, ...requirePermission('households:manage'), (req, res) =>
    renderAddPerson(req, res, emptyForm(req, { fromDate: today() })),
  );
  postForm(router, routes.householdAddPerson, logger, {
    permission: 'households:manage',
    schema: () => addPersonSchema(today()),
    render: renderAddPerson,
    handle: async (req, res, data) => {
      await households.addPerson(actor(req), String(req.params.id), data, data.confirmNotDuplicate);
      req.flash('success', `${data.firstNames} ${data.lastName} fait désormais partie du ménage.`);
      res.redirect(urls.household(String(req.params.id)));
    },
  });

  const renderPerson = async (req: Request, res: Response, form: FormState) => {
    const { person, householdId } = await households.getPerson(actor(req), String(req.params.id), 'households:manage');
    res.render('households/person-edit', { person, householdId, form, ...personOptions });
  };
  router.get(routes.personEdit, ...requirePermission('households:manage'), async (req, res) => {
    const a = actor(req);
    const { person } = await households.getPerson(a, String(req.params.id), 'households:manage');
    await households.logRead(a, 'person.view', 'person', person.id);
    await renderPerson(req, res, emptyForm(req, personValues(person)));
  });
  postForm(router, routes.personEdit, logger, {
    permission: 'households:manage',
    schema: () => updatePersonSchema(today()),
    render: renderPerson,
    handle: async (req, res, data) => {
      const householdId = await households.updatePerson(actor(req), String(req.params.id), data);
      req.flash('success', 'Les modifications sont enregistrées.');
      res.redirect(householdId ? urls.household(householdId) : urls.households());
    },
  });

  const renderJoin = async (req: Request, res: Response, form: FormState) => {
    const a = actor(req);
    const household = await households.get(a, String(req.params.id), 'households:manage');
    const q = typeof req.query.q === 'string' ? req.query.q.slice(0, 100) : String(form.values.q ?? '');
    const candidates = q ? (await memberships.candidates(a, q)).filter((c) => c.household_id !== household.id) : [];
    const candidateOptions = candidates.map((c) => ({ value: c.id, text: `${c.first_names} ${c.last_name}, né(e) le ${formatDate(c.birth_date)} — bail ${c.tenancy_reference}` }));
    res.render('households/join', { household, form: { ...form, values: { fromDate: today(), ...form.values } }, q, candidates, candidateOptions, ...personOptions });
  };
  router.get(routes.householdJoin, ...requirePermission('households:manage'), (req, res) => renderJoin(req, res, emptyForm(req)));
  postForm(router, routes.householdJoin, logger, {
    permission: 'households:manage',
    schema: joinSchema,
    render: renderJoin,
    handle: async (req, res, data) => {
      await memberships.join(actor(req), String(req.params.id), data);
      req.flash('success', 'La personne est rattachée au ménage ; son ancien ménage garde la trace de son départ.');
      res.redirect(urls.household(String(req.params.id)));
    },
  });

  const renderSplit = async (req: Request, res: Response, form: FormState) => {
    const detail = await households.detail(actor(req), String(req.params.id));
    res.render('households/split', { ...detail, form: { ...form, values: { date: today(), tenancyReference: `${detail.household.tenancyReference}-2`, ...form.values } }, relationshipLabels: RELATIONSHIP_LABELS });
  };
  router.get(routes.householdSplit, ...requirePermission('households:manage'), (req, res) => renderSplit(req, res, emptyForm(req)));
  postForm(router, routes.householdSplit, logger, {
    permission: 'households:manage',
    schema: splitSchema,
    render: renderSplit,
    handle: async (req, res, data) => {
      const newId = await memberships.split(actor(req), String(req.params.id), data);
      req.flash('success', 'Le nouveau ménage est créé avec les personnes qui partent. Vérifiez l’adresse et le loyer de leur logement.');
      res.redirect(urls.household(newId));
    },
  });

  postForm(router, routes.memberLeave, logger, {
    permission: 'households:manage',
    schema: z.object({ date: requiredDate('Saisissez la date de départ') }),
    render: backWithErrors(householdPage, canManage),
    handle: async (req, res, data) => {
      await memberships.leave(actor(req), String(req.params.id), String(req.params.memberId), data.date);
      req.flash('success', 'Le départ est enregistré.');
      res.redirect(urls.household(String(req.params.id)));
    },
  });

  postForm(router, routes.householdMerge, logger, {
    permission: 'households:merge',
    schema: z.object({ mergedReference: requiredText('Saisissez la référence du bail du ménage à absorber', 60) }),
    render: backWithErrors(householdPage, canManage),
    handle: async (req, res, data) => {
      await services.duplicates.mergeHouseholds(actor(req), String(req.params.id), data.mergedReference);
      req.flash('success', 'Les deux ménages sont fusionnés : les personnes et leur historique sont réunis ici.');
      res.redirect(urls.household(String(req.params.id)));
    },
  });

  return router;
}

