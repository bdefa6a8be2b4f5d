import type { Config } from '../src/config';
import type { Database } from '../src/db/database';
import type { Logger } from '../src/logger';
import { createServices } from '../src/services';
import { FakeClock } from '../src/shared/clock';
import { type DemoLogin, seedDemo } from './demo';
import { seedDemoRequests } from './demo-requests';

/**
 * The whole demo: organisations, people and catalogue, then requests in every status filed and
 * instructed through the services. Its mails are only stored (never sent to the demo addresses).
 */
export async function loadDemo(db: Database, config: Config, logger: Logger, now = new Date()): Promise<DemoLogin[]> {
  const logins = await seedDemo(db.knex);
  const clock = new FakeClock(now);
  const services = createServices(db, { ...config, smtp: null } as Config, clock, logger);
  await seedDemoRequests(services, clock, now);
  return logins;
}
