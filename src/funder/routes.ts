import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { emptyForm, type FormState, postForm } from '../http/forms';
import { actor, requirePermission } from '../http/guards';
import type { Services } from '../services';
import { routes, urls } from '../urls';
import { ORIENTATION_CLOSE_REASONS } from './labels';
import { closeOrientationSchema, followUpSchema } from './orientations/schemas';
import { can } from '../permissions';
import { formatDate } from '../shared/format';
import { centsToInput } from '../shared/money';

const statusQuery = z.object({ statut: z.enum(['a_traiter', 'transformee', 'close', 'toutes']).catch('a_traiter') });
const reasons = Object.entries(ORIENTATION_CLOSE_REASONS).map(([value, text]) => ({ value, text }));

/** The « Orientations ASD » queue: the orientations received from Action Logement's ASD service. */
export function funderRoutes(services: Services): Router {
  const router = Router();
  const { orientationQueue, orientationFollowUp, logger } = services;
  const id = (req: Request) => String(req.params.id);

  router.get(urls.orientations(), ...requirePermission('orientations:read'), async (req, res) => {
    const { statut } = statusQuery.parse(req.query);
    res.render('orientations/index', { orientations: await orientationQueue.list(actor(req), statut), statut });
  });

  /** The orientation's page; `posted` is the form just refused (closing or follow-up), shown with its errors and values. */
  const renderShow = async (req: Request, res: Response, form: FormState, posted: 'close' | 'suite' | null = null) => {
    const a = actor(req);
    const { orientation, known } = await orientationQueue.show(a, id(req));
    const choices = orientation.status === 'a_traiter' && can(a, 'orientations:manage') ? await orientationFollowUp.choices(a, id(req)) : null;
    // the household just created from the orientation's form comes back chosen
    const created = typeof req.query.menage === 'string' ? req.query.menage : '';
    const prefilled: FormState = {
      values: {
        householdId: choices?.households.some((h) => h.id === created) ? created : (choices?.households[0]?.id ?? ''),
        suite: choices?.suggestedAidTypeId ? 'aide' : 'accompagnement',
        aidTypeId: choices?.suggestedAidTypeId ?? '',
        missionTypeId: choices?.suggestedMissionTypeId ?? '',
        missionReason: choices?.reason ?? '',
      },
      errors: {},
      errorSummary: [],
    };
    const householdOptions = (choices?.households ?? []).map((h) => ({ value: h.id, text: `${h.holder}, né(e) le ${formatDate(h.birthDate)}` }));
    res.render('orientations/show', {
      orientation,
      known,
      // a follow-up refused once the orientation is no longer waiting has no form left: its message goes on top
      form: posted === 'suite' && choices ? emptyForm(req, {}) : form,
      followUp: posted === 'suite' ? form : prefilled,
      choices,
      householdOptions,
      reasons,
    });
  };
  router.get(routes.orientation, ...requirePermission('orientations:read'), async (req, res) => {
    await renderShow(req, res, emptyForm(req, {}));
  });

  // the household form, prefilled from the orientation; once created, it comes back here chosen
  router.get(routes.orientationHousehold, ...requirePermission('orientations:manage'), async (req, res) => {
    const { orientation } = await orientationQueue.show(actor(req), id(req));
    const r = orientation.record as unknown as OrientationRecordShape;
    req.session.savedForm = {
      path: urls.householdNew(),
      values: {
        retour: urls.orientation(orientation.id),
        organisationId: orientation.organisationId,
        addressLine1: r.logement.adresse ?? '',
        postcode: r.logement.code_postal,
        city: r.logement.commune,
        tenancyReference: r.logement.reference_bail ?? '',
        rent: r.logement.loyer_centimes !== undefined ? centsToInput(r.logement.loyer_centimes) : '',
        civility: r.salarie.civilite === 'MME' ? 'mme' : 'm',
        lastName: r.salarie.nom,
        firstNames: r.salarie.prenoms,
        birthDate: r.salarie.date_naissance,
        email: r.salarie.courriel ?? '',
        phone: r.salarie.telephone ?? '',
        // the ASD service orients employees of private-sector companies
        employmentStatus: 'private_employee',
        employerName: r.employeur.raison_sociale,
        employerSiret: r.employeur.siret,
      },
    };
    res.redirect(urls.householdNew());
  });

  postForm(router, routes.orientationFollowUp, logger, {
    permission: 'orientations:manage',
    schema: () => followUpSchema,
    render: (req, res, form) => renderShow(req, res, form, 'suite'),
    handle: async (req, res, data) => {
      const followUp =
        data.suite === 'aide'
          ? { kind: 'aide' as const, aidTypeId: data.aidTypeId! }
          : { kind: 'accompagnement' as const, missionTypeId: data.missionTypeId!, reason: data.missionReason! };
      const opened = await orientationFollowUp.start(actor(req), id(req), { version: data.version, householdId: data.householdId, followUp });
      if (opened.kind === 'aide' && can(actor(req), 'requests:file')) {
        req.flash('success', 'La demande est créée à partir de l’orientation : complétez-la puis déposez-la.');
        return res.redirect(urls.request(opened.id));
      }
      if (opened.kind === 'aide') {
        req.flash('success', 'La demande est préparée à partir de l’orientation : le bailleur la complète et la dépose.');
        return res.redirect(urls.orientation(id(req)));
      }
      req.flash('success', `L’accompagnement ${opened.reference ?? ''} est créé à partir de l’orientation.`);
      return res.redirect(urls.mission(opened.id));
    },
  });

  postForm(router, routes.orientationClose, logger, {
    permission: 'orientations:manage',
    schema: () => closeOrientationSchema,
    render: renderShow,
    handle: async (req, res, data) => {
      await orientationQueue.close(actor(req), id(req), { reason: data.reason, version: data.version });
      req.flash('success', 'L’orientation est close ; le motif partira dans le prochain fichier de suivi.');
      res.redirect(urls.orientations());
    },
  });

  return router;
}

/** The parts of an orientation record (orientation.v1, validated on receipt) that prefill the household form. */
interface OrientationRecordShape {
  salarie: { civilite: 'M' | 'MME'; nom: string; prenoms: string; date_naissance: string; courriel?: string; telephone?: string };
  employeur: { raison_sociale: string; siret: string };
  logement: { adresse?: string; code_postal: string; commune: string; reference_bail?: string; loyer_centimes?: number };
}
