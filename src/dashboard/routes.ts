import { Router } from 'express';
import { actor, requirePermission } from '../http/guards';
import type { Services } from '../services';
import { REQUEST_STATUSES, type RequestStatus, STATUS_LABELS } from '../aid-requests/state-machine';
import { can } from '../permissions';
import { urls } from '../urls';

/** The cards in the lifecycle's order: a grant's path to payment, then the other outcomes. Drafts are the landlords' own. */
const CARD_ORDER: readonly RequestStatus[] = [
  'submitted',
  'in_review',
  'awaiting_information',
  'granted',
  'in_payment',
  'paid',
  'closed',
  'refused',
  'adjourned',
  'withdrawn',
];
/** These always have their card; closed and withdrawn once requests are in them. */
const MAIN_STATUSES: readonly RequestStatus[] = ['submitted', 'in_review', 'awaiting_information', 'granted', 'in_payment', 'paid', 'refused', 'adjourned'];
const statusCards = (counts: Record<string, number>) =>
  [...CARD_ORDER, ...REQUEST_STATUSES.filter((s) => s !== 'draft' && !CARD_ORDER.includes(s))]
    .filter((s) => MAIN_STATUSES.includes(s) || (counts[s] ?? 0) > 0)
    .map((s) => ({ status: s, label: STATUS_LABELS[s], count: counts[s] ?? 0 }));

const BUCKETS = { lt7: 'moins de 7 jours', lt15: '7 à 15 jours', lt30: '15 à 30 jours', gt30: 'plus de 30 jours' } as const;

/** Bars of a horizontal chart, as widths the SVG template draws (no inline style: strict CSP). */
function bars(rows: Array<{ label: string; cents: number; n: number }>, width = 320) {
  const max = Math.max(1, ...rows.map((r) => r.cents));
  return rows.map((r, i) => ({ ...r, y: i * 28, width: Math.max(2, Math.round((r.cents / max) * width)) }));
}

export function dashboardRoutes(services: Services): Router {
  const router = Router();
  router.get(urls.dashboard(), ...requirePermission('dashboard:view'), async (req, res) => {
    const a = actor(req);
    const o = await services.dashboard.overview(a);
    const statuses = ['submitted', 'in_review', 'awaiting_information'] as const;
    const ageTable = statuses.map((s) => ({
      status: STATUS_LABELS[s],
      cells: (Object.keys(BUCKETS) as Array<keyof typeof BUCKETS>).map((b) => o.openByAge.find((x) => x.status === s && x.bucket === b)?.n ?? 0),
    }));
    res.render('dashboard/index', {
      o,
      ageTable,
      buckets: Object.values(BUCKETS),
      statusCards: statusCards(o.counts),
      canOpenRequests: can(a, 'requests:read'),
      charts: {
        monthType: bars(o.month.byAidType),
        monthLandlord: bars(o.month.byLandlord),
        yearType: bars(o.year.byAidType),
        yearLandlord: bars(o.year.byLandlord),
      },
    });
  });
  return router;
}
