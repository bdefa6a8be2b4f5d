import { isoWeekKey } from '../../shared/iso-week';
import type { JobDefinition } from '../runner';

/** What the job needs of the services (the self-audit area's SelfAuditService), by shape: the jobs area does not import it. */
interface SelfAuditRunner {
  selfAudit: { runWeek(periodKey?: string): Promise<{ made: boolean; counts: { ok: number; review: number; alert: number }; mails: number }> };
}

/**
 * Every Monday at 06:00 (Paris), the weekly self-audit (docs/auto-controle.md): made, archived and
 * mailed to the association's administrators once per ISO week (`2026-W48`) — a run later in the
 * same week finds it made and sends nothing.
 */
export const selfAudit: JobDefinition<SelfAuditRunner> = {
  name: 'self-audit',
  label: 'Auto-contrôle hebdomadaire',
  description:
    'Contrôle comptes inactifs, second facteur, secrets, sauvegardes, espace disque, connexions échouées, dépendances et clés ; envoie le rapport aux administrateurs, une fois par semaine',
  schedule: '0 6 * * 1',
  periodKey: isoWeekKey,
  run: async (services, { period }) => {
    const r = await services.selfAudit.runWeek(period);
    return { counts: { reports: r.made ? 1 : 0, alerts: r.counts.alert, reviews: r.counts.review, mails: r.mails } };
  },
};
