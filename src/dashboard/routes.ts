import { Router } from 'express';
import { actor, requirePermission } from '../http/guards';
import type { Services } from '../services';
import { STATUS_LABELS } from '../aid-requests/state-machine';
import { urls } from '../urls';

const BUCKETS = { lt7: 'moins de 7 jours', lt15: '7 à 15 jours', lt30: '15 à 30 jours', gt30: 'plus de 30 jours' } as const;

/** Bars of a horizontal chart, as widths the SVG template draws (no inline style: strict CSP). */
function bars(rows: Array<{ label: string; cents: number; n: number }>, width = 320) {
  const max = Math.max(1, ...rows.map((r) => r.cents));
  return rows.map((r, i) => ({ ...r, y: i * 28, width: Math.max(2, Math.round((r.cents / max) * width)) }));
}

export function dashboardRoutes(services: Services): Router {
  const router = Router();
  router.get(urls.dashboard(), ...requirePermission('dashboard:view'), async (req, res) => {
    const o = await services.dashboard.overview(actor(req));
    const statuses = ['submitted', 'in_review', 'awaiting_information'] as const;
    const ageTable = statuses.map((s) => ({
      status: STATUS_LABELS[s],
      cells: (Object.keys(BUCKETS) as Array<keyof typeof BUCKETS>).map((b) => o.openByAge.find((x) => x.status === s && x.bucket === b)?.n ?? 0),
    }));
    res.render('dashboard/index', {
      o, ageTable, buckets: Object.values(BUCKETS), statusLabels: STATUS_LABELS,
      charts: {
        monthType: bars(o.month.byAidType), monthLandlord: bars(o.month.byLandlord), yearType: bars(o.year.byAidType), yearLandlord: bars(o.year.byLandlord),
      },
    });
  });
  return router;
}
