import type { Config } from '../src/config';
import type { Database } from '../src/db/database';
import type { Logger } from '../src/logger';
import { createServices } from '../src/services';
import { FakeClock } from '../src/shared/clock';
import { type DemoLogin, seedDemo } from './demo';
import { seedDemoRequests } from './demo-requests';
import { seedDemoMissions } from './demo-missions';
import { seedDemoRights } from './demo-rights';
import { paymentHistoryEvents, seedDemoBankAccounts } from './demo-payments';

/**
 * The whole demo: organisations, people and catalogue, bank accounts, then requests in every
 * status filed and instructed through the services, the payment batches of the oldest grant, and
 * support missions in every status with the adviser's appointments. Its mails are only stored (never sent to the demo addresses).
 */
export async function loadDemo(db: Database, config: Config, logger: Logger, now = new Date()): Promise<DemoLogin[]> {
  const logins = await seedDemo(db.knex);
  const clock = new FakeClock(now);
  const services = createServices(db, { ...config, smtp: null } as Config, clock, logger);
  await seedDemoBankAccounts(services, clock, now);
  await seedDemoRequests(services, clock, now, paymentHistoryEvents(services, clock, now));
  await seedDemoMissions(services, clock, now);
  await seedDemoRights(services, clock, now);
  return logins;
}
