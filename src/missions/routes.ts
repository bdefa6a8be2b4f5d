import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { STATUS_LABELS } from '../aid-requests/state-machine';
import { CONSENT_METHODS } from '../aid-requests/filing/schemas';
import { presentHistory } from '../audit/presenter';
import { sendAttachment } from '../http/download';
import { emptyForm, type FormState, postForm } from '../http/forms';
import { actor, requirePermission } from '../http/guards';
import { can } from '../permissions';
import type { Services } from '../services';
import { addDays, mondayOf, parisDate, parisTime } from '../shared/dates';
import { routes, urls } from '../urls';
import { missionHistoryLabels } from './history-labels';
import type { MissionFilter } from './repository';
import {
  acceptSchema,
  appointmentOutcomeSchema,
  appointmentSchema,
  assignSchema,
  declineSchema,
  interruptSchema,
  OBJECTIVE_ROWS,
  orderSchema,
  sessionSchema,
  versionOnlySchema,
  completeSchema,
} from './schemas';
import {
  APPOINTMENT_MODES,
  INTERRUPTION_REASONS,
  MISSION_STATUSES,
  MISSION_STATUS_LABELS,
  OBJECTIVE_CATEGORIES,
  OBJECTIVE_RESULTS,
  SESSION_KINDS,
} from './state-machine';

const options = (o: Record<string, string>) => Object.entries(o).map(([value, text]) => ({ value, text }));

const listQuery = z.object({
  statut: z.enum(MISSION_STATUSES).optional().catch(undefined),
  type: z.uuid().optional().catch(undefined),
  conseiller: z.uuid().optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(10000).catch(1).default(1),
});
const orderQuery = z.object({ menage: z.uuid().optional().catch(undefined), demande: z.uuid().optional().catch(undefined) });
const weekQuery = z.object({
  semaine: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional()
    .catch(undefined),
  conseiller: z.uuid().optional().catch(undefined),
});
const sessionPrefill = z.object({ rdv: z.uuid().optional().catch(undefined) });

/** Support missions: the list and dashboard, ordering, the mission page and its actions, the report, the advisers' week. */
export function missionRoutes(services: Services): Router {
  const router = Router();
  const { missions, appointments, households, logger, clock } = services;
  const id = (req: Request) => String(req.params.id);
  const today = () => parisDate(clock.now());

  router.get(urls.missions(), ...requirePermission('missions:read'), async (req, res) => {
    const a = actor(req);
    const q = listQuery.parse(req.query);
    const filter: MissionFilter = { status: q.statut, type: q.type, adviser: q.conseiller };
    const manage = can(a, 'missions:manage');
    const monday = mondayOf(today());
    const [page, types, advisers, stats, week] = await Promise.all([
      missions.list(a, filter, q.page),
      missions.types(),
      manage ? missions.advisers(a) : Promise.resolve([]),
      manage ? missions.stats(a) : Promise.resolve(null),
      a.role === 'social_adviser' ? appointments.week(a, a.userId, monday) : Promise.resolve([]),
    ]);
    res.render('missions/list', {
      page,
      filter: q,
      stats,
      statusCounts: Object.fromEntries((stats?.byStatus ?? []).map((x) => [x.status, x.n])),
      week,
      manage,
      isAdviser: a.role === 'social_adviser',
      forAssociation: a.organisationKind === 'association',
      statusOptions: options(MISSION_STATUS_LABELS),
      typeOptions: types.map((t) => ({ value: t.id, text: t.label })),
      adviserOptions: advisers.map((u) => ({ value: u.id, text: `${u.firstName} ${u.lastName}` })),
    });
  });

  // ordering: from the household page (or a request), the household already chosen
  const renderNew = async (req: Request, res: Response, form: FormState) => {
    const a = actor(req);
    const householdId = String(form.values.householdId ?? orderQuery.parse(req.query).menage ?? '');
    const household = householdId ? await households.get(a, householdId).catch(() => null) : null;
    const [types, advisers, requests] = await Promise.all([
      missions.types(),
      can(a, 'missions:manage') ? missions.advisers(a) : Promise.resolve([]),
      household ? missions.requestsOfHousehold(a, household.id) : Promise.resolve([]),
    ]);
    res.render('missions/new', {
      form,
      household,
      typeOptions: types.filter((t) => t.active).map((t) => ({ value: t.id, text: t.label })),
      adviserOptions: advisers.map((u) => ({ value: u.id, text: `${u.firstName} ${u.lastName}` })),
      requestOptions: requests.map((r) => ({
        value: r.id,
        text: `${r.reference} — ${r.label} (${STATUS_LABELS[r.status as keyof typeof STATUS_LABELS] ?? r.status})`,
      })),
      isLandlord: a.organisationKind === 'landlord',
    });
  };
  router.get(urls.missionNew(), ...requirePermission('missions:order'), async (req, res) => {
    const q = orderQuery.parse(req.query);
    await renderNew(req, res, emptyForm(req, { householdId: q.menage, requestId: q.demande }));
  });
  postForm(router, urls.missionNew(), logger, {
    permission: 'missions:order',
    schema: orderSchema,
    render: renderNew,
    handle: async (req, res, data) => {
      const created = await missions.order(actor(req), data);
      req.flash(
        'success',
        actor(req).organisationKind === 'landlord' ? 'Votre demande d’accompagnement est transmise à l’association.' : 'La mission est créée.',
      );
      res.redirect(urls.mission(created));
    },
  });

  router.get(urls.missionCalendar(), ...requirePermission('missions:work'), async (req, res) => {
    const a = actor(req);
    const q = weekQuery.parse(req.query);
    const monday = mondayOf(q.semaine ?? today());
    const advisers = can(a, 'missions:manage') ? await missions.advisers(a) : [];
    const adviserId = a.role === 'social_adviser' ? a.userId : (q.conseiller ?? advisers[0]?.id);
    const list = adviserId ? await appointments.week(a, adviserId, monday) : [];
    const days = Array.from({ length: 7 }, (_, i) => addDays(monday, i)).map((date) => ({
      date,
      appointments: list
        .filter((x) => parisDate(x.startsAt) === date)
        .map((x) => ({
          ...x,
          time: parisTime(x.startsAt),
          end: parisTime(new Date(x.startsAt.getTime() + x.durationMinutes * 60_000)),
        })),
    }));
    // on a phone the calendar shows one day: today in this week, else the first with an appointment, else Monday
    const shownDay = days.find((d) => d.date === today())?.date ?? days.find((d) => d.appointments.length)?.date ?? monday;
    res.render('missions/calendar', {
      days,
      shownDay,
      monday,
      previous: addDays(monday, -7),
      next: addDays(monday, 7),
      today: today(),
      adviserId,
      adviserOptions: advisers.map((u) => ({ value: u.id, text: `${u.firstName} ${u.lastName}` })),
    });
  });

  // the mission page: every form of the page shares one form state (distinct field names)
  const renderMission = async (req: Request, res: Response, form?: FormState) => {
    const a = actor(req);
    const view = await missions.view(a, id(req));
    const m = view.mission;
    const work = can(a, 'missions:work');
    const [list, contacts, advisers, history] = await Promise.all([
      appointments.forMission(a, m.id),
      work ? missions.contacts(a, m) : Promise.resolve([]),
      can(a, 'missions:manage') ? missions.advisers(a) : Promise.resolve([]),
      missions.history(m),
    ]);
    const prefill = sessionPrefill.parse(req.query).rdv;
    const from = list.find((x) => x.id === prefill);
    const holder = contacts[0];
    const defaults: Record<string, unknown> = {
      version: m.version,
      consentDate: today(),
      heldOn: from ? parisDate(from.startsAt) : today(),
      durationMinutes: from ? String(from.durationMinutes) : '',
      kind: from ? ({ in_person: 'office', phone: 'phone', video: 'video' } as Record<string, string>)[from.mode] : undefined,
      participants: from?.contactName ?? '',
      appointmentDuration: '60',
      appointmentMode: 'in_person',
      contactName: holder?.name ?? '',
      contactEmail: holder?.email ?? '',
      adviserId: m.adviserId ?? '',
    };
    const names = new Map(advisers.map((u) => [u.id, `${u.firstName} ${u.lastName}`]));
    if (m.adviserId && m.adviserName) names.set(m.adviserId, m.adviserName);
    res.render('missions/show', {
      ...view,
      appointments: list,
      contacts,
      work,
      manage: can(a, 'missions:manage'),
      forAssociation: a.organisationKind === 'association',
      canReadRequest: can(a, 'requests:read') || can(a, 'requests:read-assigned'),
      canReadHousehold: can(a, 'households:read') || can(a, 'households:read-assigned'),
      form: form ? { ...form, values: { ...defaults, ...form.values, version: m.version } } : emptyForm(req, defaults),
      history: presentHistory(history, missionHistoryLabels(names)),
      adviserOptions: advisers.map((u) => ({ value: u.id, text: `${u.firstName} ${u.lastName}` })),
      kindOptions: options(SESSION_KINDS),
      categoryOptions: options(OBJECTIVE_CATEGORIES),
      resultOptions: options(OBJECTIVE_RESULTS),
      consentOptions: options(CONSENT_METHODS),
      interruptionOptions: options(INTERRUPTION_REASONS),
      modeOptions: options(APPOINTMENT_MODES),
      objectiveRows: Array.from({ length: OBJECTIVE_ROWS }, (_, i) => i + 1),
      now: clock.now(),
    });
  };
  router.get(routes.mission, ...requirePermission('missions:read'), (req, res) => renderMission(req, res));

  const done = (req: Request, res: Response, message: string) => {
    req.flash('success', message);
    res.redirect(urls.mission(id(req)));
  };
  postForm(router, routes.missionAssign, logger, {
    permission: 'missions:manage',
    schema: assignSchema,
    render: renderMission,
    handle: async (req, res, data) => {
      await missions.assign(actor(req), id(req), data.version, data.adviserId);
      done(req, res, 'La mission est attribuée.');
    },
  });
  postForm(router, routes.missionAccept, logger, {
    permission: 'missions:work',
    schema: () => acceptSchema(today()),
    render: renderMission,
    handle: async (req, res, data) => {
      await missions.accept(actor(req), id(req), data.version, data);
      done(req, res, 'L’accord du ménage et les objectifs sont enregistrés.');
    },
  });
  postForm(router, routes.missionDecline, logger, {
    permission: 'missions:work',
    schema: declineSchema,
    render: renderMission,
    handle: async (req, res, data) => {
      await missions.decline(actor(req), id(req), data.version, data.declineReason);
      done(req, res, 'Le refus du ménage est enregistré : la mission est close.');
    },
  });
  postForm(router, routes.missionStart, logger, {
    permission: 'missions:work',
    schema: versionOnlySchema,
    render: renderMission,
    handle: async (req, res, data) => {
      await missions.start(actor(req), id(req), data.version);
      done(req, res, 'L’accompagnement a commencé.');
    },
  });
  postForm(router, routes.missionSessions, logger, {
    permission: 'missions:work',
    schema: () => sessionSchema(today()),
    render: renderMission,
    handle: async (req, res, data) => {
      await missions.recordSession(actor(req), id(req), data);
      done(req, res, 'L’entretien est enregistré.');
    },
  });
  postForm(router, routes.missionComplete, logger, {
    permission: 'missions:work',
    schema: completeSchema,
    render: renderMission,
    handle: async (req, res, data) => {
      await missions.complete(actor(req), id(req), data.version, data);
      done(req, res, 'La mission est terminée : le bilan est prêt et la ligne de facturation créée.');
    },
  });
  postForm(router, routes.missionInterrupt, logger, {
    permission: 'missions:work',
    schema: interruptSchema,
    render: renderMission,
    handle: async (req, res, data) => {
      await missions.interrupt(actor(req), id(req), data.version, { reason: data.interruptionReason, comment: data.interruptionComment });
      done(req, res, 'La mission est interrompue : le bilan est prêt.');
    },
  });
  postForm(router, routes.missionAppointments, logger, {
    permission: 'missions:work',
    schema: appointmentSchema,
    render: renderMission,
    handle: async (req, res, data) => {
      await appointments.schedule(actor(req), id(req), {
        date: data.appointmentDate,
        time: data.appointmentTime,
        durationMinutes: data.appointmentDuration,
        mode: data.appointmentMode,
        place: data.appointmentPlace,
        contactName: data.contactName,
        contactEmail: data.contactEmail,
        acceptOverlap: data.acceptOverlap,
      });
      done(
        req,
        res,
        data.contactEmail
          ? 'Le rendez-vous est fixé : le ménage reçoit un courriel avec le lien pour confirmer ou annuler.'
          : 'Le rendez-vous est fixé (aucun courriel : pas d’adresse connue).',
      );
    },
  });
  postForm(router, routes.missionAppointment, logger, {
    permission: 'missions:work',
    schema: appointmentOutcomeSchema,
    render: renderMission,
    handle: async (req, res, data) => {
      const appointmentId = String(req.params.appointmentId);
      await appointments.setOutcome(actor(req), id(req), appointmentId, data.version, data.outcome);
      if (data.outcome === 'done') {
        req.flash('success', 'Rendez-vous honoré : enregistrez l’entretien ci-dessous.');
        res.redirect(`${urls.mission(id(req))}?rdv=${appointmentId}#entretien`);
        return;
      }
      done(req, res, data.outcome === 'cancelled' ? 'Le rendez-vous est annulé ; le ménage est prévenu s’il a une adresse.' : 'L’absence du ménage est notée.');
    },
  });

  // the whole dossier for the funder's case worker (association; a traced read)
  router.get(routes.missionDossier, ...requirePermission('missions:manage'), async (req, res) => {
    const file = await missions.dossier(actor(req), id(req));
    sendAttachment(res, file.fileName, 'application/zip', file.data);
  });

  router.get(routes.missionReport, ...requirePermission('missions:read'), async (req, res) => {
    const file = await missions.report(actor(req), id(req));
    sendAttachment(res, file.filename, 'application/pdf', file.data);
  });

  return router;
}
