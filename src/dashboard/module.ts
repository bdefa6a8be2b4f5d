import type { Knex } from 'knex';
import type { SettingsService } from '../settings/service';
import type { Clock } from '../shared/clock';
import { DashboardRepository } from './repository';
import { DashboardService } from './service';

/** The association's dashboard of counts and amounts. */
export function createDashboardModule(deps: { db: Knex; settings: SettingsService; clock: Clock }) {
  return { dashboard: new DashboardService({ db: deps.db, repository: new DashboardRepository(), settings: deps.settings, clock: deps.clock }) };
}
