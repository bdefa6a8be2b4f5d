import { type Request, type Response, Router } from 'express';
import { emptyForm, type FormState, postForm } from '../http/forms';
import { actor, requirePermission } from '../http/guards';
import type { Services } from '../services';
import { sendCsv, toAsync } from '../shared/csv';
import { centsToInput } from '../shared/money';
import { sendXlsx } from '../shared/xlsx';
import { routes, urls } from '../urls';
import { billingQuery, missionTypeSchema } from './schemas';
import { MISSION_STATUS_LABELS, type MissionStatus } from './state-machine';

/** How a mission type is billed: the options of the type form, and `label('billing_mode')` on the pages. */
export const BILLING_MODES = { hourly: 'À l’heure (heures × tarif)', flat: 'Au forfait' } as const;

/** Administrators: the mission types and their billing; the billing lines of finished missions and their exports. */
export function missionAdminRoutes(services: Services): Router {
  const router = Router();
  const { missions, logger } = services;

  router.get(urls.missionTypes(), ...requirePermission('mission-types:manage'), async (_req, res) => {
    res.render('missions/types', { types: await missions.types() });
  });

  const renderType = async (req: Request, res: Response, form: FormState) => {
    const existing = req.params.id ? await missions.type(actor(req), String(req.params.id)) : null;
    res.render('missions/type-form', { form, existing, billingModes: Object.entries(BILLING_MODES).map(([value, text]) => ({ value, text })) });
  };
  router.get(urls.missionTypeNew(), ...requirePermission('mission-types:manage'), (req, res) =>
    renderType(req, res, emptyForm(req, { active: true, billingMode: 'hourly' })),
  );
  postForm(router, urls.missionTypeNew(), logger, {
    permission: 'mission-types:manage',
    schema: missionTypeSchema,
    render: renderType,
    handle: async (req, res, data) => {
      await missions.saveType(actor(req), null, { ...data, rateCents: data.rate });
      req.flash('success', `Le type « ${data.label} » est créé.`);
      res.redirect(urls.missionTypes());
    },
  });
  router.get(routes.missionType, ...requirePermission('mission-types:manage'), async (req, res) => {
    const t = await missions.type(actor(req), String(req.params.id));
    await renderType(
      req,
      res,
      emptyForm(req, {
        code: t.code,
        label: t.label,
        description: t.description ?? '',
        defaultMinutes: String(t.defaultMinutes),
        billingMode: t.billingMode,
        rate: centsToInput(t.rateCents),
        active: t.active,
        version: t.version,
      }),
    );
  });
  postForm(router, routes.missionType, logger, {
    permission: 'mission-types:manage',
    schema: missionTypeSchema,
    render: renderType,
    handle: async (req, res, data) => {
      await missions.saveType(actor(req), String(req.params.id), { ...data, rateCents: data.rate });
      req.flash('success', `Le type « ${data.label} » est enregistré ; les missions déjà terminées gardent leur tarif.`);
      res.redirect(urls.missionTypes());
    },
  });

  // billing lines: one per finished mission, by month and landlord
  const linesOf = async (req: Request) => {
    const q = billingQuery.parse(req.query);
    return { period: q.periode, lines: await missions.billingLines(actor(req), q.periode) };
  };
  router.get(urls.missionBilling(), ...requirePermission('missions:billing'), async (req, res) => {
    const { period, lines } = await linesOf(req);
    const totals = new Map<string, { organisationName: string; period: string; count: number; amountCents: number }>();
    for (const l of lines) {
      const key = `${l.period}|${l.organisationName}`;
      const t = totals.get(key) ?? { organisationName: l.organisationName, period: l.period, count: 0, amountCents: 0 };
      t.count += 1;
      t.amountCents += l.amountCents;
      totals.set(key, t);
    }
    const periods = await missions.billingPeriods(actor(req));
    res.render('missions/billing', {
      period,
      lines,
      totals: [...totals.values()],
      total: lines.reduce((a, l) => a + l.amountCents, 0),
      periods,
      query: period ? `?periode=${period}` : '',
    });
  });
  const header = ['Mois', 'Bailleur', 'Mission', 'Type', 'Statut', 'Facturation', 'Minutes', 'Tarif', 'Montant'];
  const status = (s: string) => MISSION_STATUS_LABELS[s as MissionStatus] ?? s;
  router.get(urls.missionBillingCsv(), ...requirePermission('missions:billing'), async (req, res) => {
    const { period, lines } = await linesOf(req);
    await sendCsv(res, `facturation-accompagnement${period ? `-${period}` : ''}.csv`, header, toAsync(lines), (l) => [
      l.period,
      l.organisationName,
      l.reference,
      l.typeLabel,
      status(l.status),
      l.billingMode === 'flat' ? 'Forfait' : 'Horaire',
      l.minutes,
      centsToInput(l.rateCents),
      centsToInput(l.amountCents),
    ]);
  });
  router.get(urls.missionBillingXlsx(), ...requirePermission('missions:billing'), async (req, res) => {
    const { period, lines } = await linesOf(req);
    const text = (h: string) => ({ header: h, format: 'text' as const });
    await sendXlsx(
      res,
      `facturation-accompagnement${period ? `-${period}` : ''}.xlsx`,
      'Facturation',
      [
        text('Mois'),
        text('Bailleur'),
        text('Mission'),
        text('Type'),
        text('Statut'),
        text('Facturation'),
        { header: 'Minutes', format: 'integer' },
        { header: 'Tarif', format: 'euros' },
        { header: 'Montant', format: 'euros' },
      ],
      toAsync(lines),
      (l) => [
        l.period,
        l.organisationName,
        l.reference,
        l.typeLabel,
        status(l.status),
        l.billingMode === 'flat' ? 'Forfait' : 'Horaire',
        l.minutes,
        l.rateCents / 100,
        l.amountCents / 100,
      ],
    );
  });

  return router;
}
