import type { JobDefinition } from '../runner';
import { monthBefore, monthOfRun } from './funder-files';

/**
 * The 5th of every month at 07:00: the previous month's activity reports (docs/rapports.md) — one
 * per landlord to its administrators, one for the association to its administrators and the
 * auditors — made, archived and mailed once per month and landlord. `jobs:run monthly-reports
 * --date 2026-11-05` makes October's again for whatever is missing, and sends nothing twice.
 */
/** What the job needs of the services (the reports area's MonthlyReportService), by shape: the jobs area does not import it. */
interface MonthlyReportSender {
  monthlyReports: { sendMonth(month: string): Promise<{ reports: number; already: number; mails: number }> };
}

export const monthlyReports: JobDefinition<MonthlyReportSender> = {
  name: 'monthly-reports',
  label: 'Rapports mensuels d’activité',
  description:
    'Envoie le rapport du mois précédent à chaque bailleur (ses administrateurs) et celui de l’association (administrateurs, auditeurs), une fois par mois',
  schedule: '0 7 5 * *',
  periodKey: monthBefore,
  run: async (services, { period }) => {
    const r = await services.monthlyReports.sendMonth(monthOfRun(period));
    return { counts: { reports: r.reports, already: r.already, mails: r.mails } };
  },
};
