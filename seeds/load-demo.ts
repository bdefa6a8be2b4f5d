import type { Config } from '../src/config';
import type { Database } from '../src/db/database';
import type { Logger } from '../src/logger';
import { createServices } from '../src/services';
import { monthBefore } from '../src/jobs/definitions/funder-files';
import { FakeClock } from '../src/shared/clock';
import { type DemoLogin, seedDemo } from './demo';
import { seedDemoRequests } from './demo-requests';
import { seedDemoSatisfaction } from './demo-satisfaction';
import { seedDemoAvailability } from './demo-household';
import { seedDemoMissions } from './demo-missions';
import { seedDemoRights } from './demo-rights';
import { seedDemoAssistance } from './demo-assistance';
import { seedDemoFunder } from './demo-funder';
import { paymentHistoryEvents, seedDemoBankAccounts } from './demo-payments';
import { DEMO_SEED } from './demo-state';
import { seedDemoFunds, settleDemoRentFund } from './demo-funds';

/**
 * The whole demo: organisations, people and catalogue, bank accounts, then requests in every
 * status filed and instructed through the services (their grants committed on last year's and this
 * year's budget envelopes), the payment batches of the oldest grant and of an energy aid, and
 * support missions in every status with the adviser's appointments, the exchanges with Action
 * Logement (last month's files, today's orientations waiting in `retour`). Its mails are only stored
 * (never sent to the demo addresses).
 *
 * One transaction: the services run on it (theirs become savepoints), and its `seed_runs` row is
 * written last — the demo is there whole or not at all. Every date comes from `now`.
 */
export async function loadDemo(db: Database, config: Config, logger: Logger, now = new Date()): Promise<DemoLogin[]> {
  return db.knex.transaction(async (trx) => {
    const logins = await seedDemo(trx, now);
    const clock = new FakeClock(now);
    const services = createServices({ ...db, knex: trx }, { ...config, smtp: null }, clock, logger);
    await seedDemoBankAccounts(services, clock, now);
    await seedDemoFunds(services, clock, now);
    await seedDemoRequests(services, clock, now, paymentHistoryEvents(services, clock, now));
    await settleDemoRentFund(services, now);
    await seedDemoMissions(services, clock, now);
    // satisfaction questionnaires of the missions completed and appointments held, most of them answered (issue 17)
    await seedDemoSatisfaction(services, clock, now);
    // the adviser's published availability and a booking made from the QR code (issue 17)
    await seedDemoAvailability(services, clock, now);
    await seedDemoRights(services, clock, now);
    await seedDemoAssistance(services, clock, now);
    await seedDemoFunder(services, clock, now);
    // the statistics' aggregates, so that the first page shows figures before the 5-minute job has run
    await services.statisticsRefresher.refresh('all');
    // last month's activity reports, archived and mailed as on the 5th (Rapports; Courriels)
    await services.monthlyReports.sendMonth(monthBefore(now));
    // this week's self-audit, archived and mailed as on Monday (Auto-contrôle; Courriels)
    await services.selfAudit.runWeek();
    await trx('seed_runs').insert({ name: DEMO_SEED, completed_at: new Date(), clock_at: now });
    return logins;
  });
}
