import type { Knex } from 'knex';
import { RequestListRepository } from '../aid-requests/lists/repository';
import type { AidRequestService } from '../aid-requests/service';
import type { Clock } from '../shared/clock';
import { HomeRepository } from './repository';
import { HomeService } from './service';

/** Each role's home page: what is waiting for the person. `jobNames` lists the scheduled jobs (the root knows them). */
export function createHomeModule(deps: { db: Knex; aidRequests: AidRequestService; jobNames: () => readonly string[]; clock: Clock }) {
  return {
    home: new HomeService({
      db: deps.db,
      repository: new HomeRepository(),
      requestLists: new RequestListRepository(),
      aidRequests: deps.aidRequests,
      jobNames: deps.jobNames,
      clock: deps.clock,
    }),
  };
}
