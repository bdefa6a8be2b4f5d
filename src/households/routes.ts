import { type Request, type Response, Router } from 'express';
import { presentHistory } from '../audit/presenter';
import { emptyForm, type FormState, invalidForm, postedField, postForm } from '../http/forms';
import { actor, requireAnyPermission, requirePermission } from '../http/guards';
import { formatDate } from '../shared/format';
import { type Actor, can } from '../permissions';
import type { Services } from '../services';
import { sendCsv } from '../shared/csv';
import { centsToInput } from '../shared/money';
import { routes, urls } from '../urls';
import { probeFrom } from './duplicates/probe';
import { dwellingValues, personValues } from './form-values';
import { householdHistoryLabels } from './history-labels';
import {
  CIVILITY_LABELS,
  EMPLOYED,
  EMPLOYMENT_LABELS,
  EMPLOYMENT_STATUSES,
  RELATIONSHIP_LABELS,
  RELATIONSHIPS,
  RESOURCE_KINDS,
  RESOURCE_LABELS,
} from './labels';
import {
  addPersonSchema,
  createHouseholdSchema,
  householdListQuery,
  householdMergeSchema,
  joinSchema,
  leaveSchema,
  splitSchema,
  updateHouseholdSchema,
  updatePersonSchema,
} from './schemas';
import { ValidationError } from '../shared/errors';

/** Options every person form needs. */
const personOptions = {
  civilityOptions: Object.entries(CIVILITY_LABELS).map(([value, text]) => ({ value, text })),
  employmentOptions: EMPLOYMENT_STATUSES.map((value) => ({ value, text: EMPLOYMENT_LABELS[value] })),
  employedStatuses: EMPLOYED,
  relationshipOptions: RELATIONSHIPS.map((value) => ({ value, text: RELATIONSHIP_LABELS[value] })),
  resourceFields: RESOURCE_KINDS.map((k) => ({ name: `resource${k[0]?.toUpperCase()}${k.slice(1)}`, label: RESOURCE_LABELS[k] })),
};

/** Where a household created from an orientation's prefilled form goes back to (a path of ours, never a URL from outside). */
const ORIENTATION_PATH = /^\/orientations\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export function householdRoutes(services: Services): Router {
  const router = Router();
  const { households, memberships, logger } = services;
  const today = () => households.today();

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
      (h) => [
        h.organisationName,
        h.holderName,
        h.memberCount,
        h.tenancyReference,
        h.addressLine1,
        h.postcode,
        h.city,
        centsToInput(h.rentCents),
        centsToInput(h.chargesCents),
      ],
    );
  });

  /** On a rejected person form, whether the person typed is known: the live check's answer, without JavaScript. */
  const knownPerson = async (req: Request, form: FormState) => {
    const probe = Object.keys(form.errors).length > 0 ? probeFrom(form.values) : null;
    return probe ? services.duplicates.check(actor(req), probe) : null;
  };

  const renderNew = async (req: Request, res: Response, form: FormState) => {
    const a = actor(req);
    const landlordOptions = can(a, 'households:merge') ? (await households.landlordOptions(a)).map((o) => ({ value: o.id, text: o.name })) : null;
    res.render('households/new', { form, ...personOptions, landlordOptions, duplicate: await knownPerson(req, form) });
  };
  router.get(urls.householdNew(), ...requirePermission('households:manage'), (req, res) =>
    renderNew(req, res, emptyForm(req, { employmentStatus: '', demande: req.query.demande === '1' ? '1' : '' })),
  );
  postForm(router, urls.households(), logger, {
    permission: 'households:manage',
    schema: () => createHouseholdSchema(today()),
    render: renderNew,
    handle: async (req, res, data) => {
      const id = await households.create(actor(req), data, data.confirmNotDuplicate);
      // created from an ASD orientation's prefilled form: back to the orientation, the household chosen
      const back = postedField(req, 'retour');
      if (typeof back === 'string' && ORIENTATION_PATH.test(back)) {
        req.flash('success', 'Le ménage est créé : choisissez maintenant la suite donnée à l’orientation.');
        return res.redirect(`${back}?menage=${id}#donner-suite`);
      }
      // created from "Nouvelle demande": back to the request, with the household chosen
      const forRequest = postedField(req, 'demande') === '1' && can(actor(req), 'requests:file');
      req.flash('success', forRequest ? 'Le ménage est créé : choisissez maintenant l’aide demandée.' : 'Le ménage est créé.');
      res.redirect(forRequest ? `${urls.requestNew()}?menage=${id}` : urls.household(id));
    },
  });

  /**
   * The household's requests as the actor's list of requests shows them, all linked (the association
   * never sees a landlord's drafts); an adviser sees the submitted ones, linked where one of its
   * missions reaches the request. Null for anyone else.
   */
  const householdRequests = async (a: Actor, householdId: string, missionRequestIds: Array<string | null>) => {
    if (can(a, 'requests:read')) {
      const { total, items } = await services.requestLists.forHousehold(a, householdId);
      return { total, items: items.map((r) => ({ ...r, linked: true })) };
    }
    if (!can(a, 'requests:read-assigned')) return null;
    // an adviser reads the requests its missions reach, no other (DESIGN §1: the household and requests of its missions)
    const items = (await households.requestsForAssigned(a, householdId)).filter((r) => missionRequestIds.includes(r.id)).map((r) => ({ ...r, linked: true }));
    return { total: items.length, items };
  };

  router.get(routes.household, ...requireAnyPermission('households:read', 'households:read-assigned'), async (req, res) => {
    const a = actor(req);
    const detail = await households.detail(a, String(req.params.id));
    const support = can(a, 'missions:read') ? await services.missions.householdOverview(a, detail.household.id) : [];
    const requests = await householdRequests(
      a,
      detail.household.id,
      support.map((s) => s.mission.requestId),
    );
    const names = new Map([...detail.current, ...detail.former].map((m) => [m.person.id, `${m.person.firstNames} ${m.person.lastName}`]));
    res.render('households/show', {
      ...detail,
      history: presentHistory(detail.history, householdHistoryLabels(names)),
      lastUpdate: detail.history[0] ? { at: detail.history[0].occurredAt, by: detail.history[0].actorLabel } : null,
      canManage: can(a, 'households:manage') && detail.household.status === 'active',
      canMerge: can(a, 'households:merge') && detail.household.status === 'active',
      mergeForm: emptyForm(req),
      support,
      requests,
    });
  });

  const renderEdit = async (req: Request, res: Response, form: FormState) => {
    const household = await households.read(actor(req), String(req.params.id), 'households:manage');
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
    const household = await households.read(actor(req), String(req.params.id), 'households:manage');
    res.render('households/add-person', { household, form, ...personOptions, duplicate: await knownPerson(req, form) });
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
    const { person, householdId } = await households.readPerson(actor(req), String(req.params.id));
    res.render('households/person-edit', { person, householdId, form, ...personOptions });
  };
  router.get(routes.personEdit, ...requirePermission('households:manage'), async (req, res) => {
    const { person, householdId } = await households.readPerson(actor(req), String(req.params.id));
    res.render('households/person-edit', { person, householdId, form: emptyForm(req, personValues(person)), ...personOptions });
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
    const household = await households.read(a, String(req.params.id), 'households:manage');
    const q = typeof req.query.q === 'string' ? req.query.q.slice(0, 100) : String(form.values.q ?? '');
    const candidates = q ? (await memberships.candidates(a, q)).filter((c) => c.household_id !== household.id) : [];
    const candidateOptions = candidates.map((c) => ({
      value: c.id,
      text: `${c.first_names} ${c.last_name}, né(e) le ${formatDate(c.birth_date)} — bail ${c.tenancy_reference}`,
    }));
    res.render('households/join', {
      household,
      form: { ...form, values: { fromDate: today(), ...form.values } },
      q,
      candidates,
      candidateOptions,
      ...personOptions,
    });
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
    res.render('households/split', {
      ...detail,
      form: { ...form, values: { date: today(), tenancyReference: `${detail.household.tenancyReference}-2`, ...form.values } },
    });
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

  // a departure is confirmed on its own page, which says what will happen
  const renderLeave = async (req: Request, res: Response, form: FormState) => {
    const departure = await memberships.departure(actor(req), String(req.params.id), String(req.params.memberId));
    res.render('households/leave', { ...departure, form: { ...form, values: { date: today(), ...form.values } } });
  };
  router.get(routes.memberLeave, ...requirePermission('households:manage'), (req, res) => renderLeave(req, res, emptyForm(req)));
  postForm(router, routes.memberLeave, logger, {
    permission: 'households:manage',
    schema: leaveSchema,
    render: renderLeave,
    handle: async (req, res, data) => {
      await memberships.leave(actor(req), String(req.params.id), String(req.params.memberId), data.date);
      req.flash('success', 'Le départ est enregistré.');
      res.redirect(urls.household(String(req.params.id)));
    },
  });

  // a merge is confirmed on its own page, showing both households
  const renderMerge = async (req: Request, res: Response, form: FormState) => {
    const a = actor(req);
    const survivor = await households.read(a, String(req.params.id), 'households:manage');
    const reference = String(form.values.mergedReference ?? '').trim();
    let preview = null;
    if (reference && !form.errors.mergedReference) {
      try {
        preview = await services.duplicates.householdMergePreview(a, survivor.id, reference);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        res.status(400);
        form = invalidForm(form.values, err.fieldErrors);
      }
    }
    res.render('households/merge', { household: survivor, preview, form });
  };
  router.get(routes.householdMerge, ...requirePermission('households:merge'), (req, res) =>
    renderMerge(req, res, emptyForm(req, { mergedReference: typeof req.query.mergedReference === 'string' ? req.query.mergedReference.slice(0, 60) : '' })),
  );
  postForm(router, routes.householdMerge, logger, {
    permission: 'households:merge',
    schema: householdMergeSchema,
    render: renderMerge,
    handle: async (req, res, data) => {
      await services.duplicates.mergeHouseholds(actor(req), String(req.params.id), data.mergedReference);
      req.flash('success', 'Les deux ménages sont fusionnés : les personnes et leur historique sont réunis ici.');
      res.redirect(urls.household(String(req.params.id)));
    },
  });

  return router;
}
