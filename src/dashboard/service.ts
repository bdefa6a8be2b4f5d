import type { Knex } from 'knex';
import { type Actor, can, scopeFor } from '../permissions';
import type { SettingsService } from '../settings/service';
import type { Clock } from '../shared/clock';
import { parisDate, parisDateTime } from '../shared/dates';
import type { DashboardRepository } from './repository';

/** Midnight in Paris on that day, winter or summer time (the first of a summer month starts at 22:00 UTC the day before). */
const parisMidnight = (day: string) => parisDateTime(day, '00:00') as Date;

/** The operators', administrators' and auditors' dashboard: where requests stand and what was granted (no personal data for the auditor). */
export class DashboardService {
  private readonly db: Knex;
  private readonly repository: DashboardRepository;
  private readonly settings: SettingsService;
  private readonly clock: Clock;

  constructor(deps: { db: Knex; repository: DashboardRepository; settings: SettingsService; clock: Clock }) {
    this.db = deps.db;
    this.repository = deps.repository;
    this.settings = deps.settings;
    this.clock = deps.clock;
  }

  async overview(actor: Actor) {
    scopeFor(actor, 'dashboard:view');
    const now = this.clock.now();
    const today = parisDate(now);
    const monthStart = parisMidnight(`${today.slice(0, 7)}-01`);
    const yearStart = parisMidnight(`${today.slice(0, 4)}-01-01`);
    const { waitingAlertDays } = (await this.settings.get()).instruction;
    const since = new Date(now.getTime() - waitingAlertDays * 86_400_000);
    return {
      today,
      waitingAlertDays,
      counts: await this.repository.countsByStatus(this.db),
      openByAge: await this.repository.openByAge(this.db, now),
      // who follows a request is a person's name: only for those who work on requests (never the auditor)
      waiting: (await this.repository.waitingSince(this.db, since)).map((w) => (can(actor, 'requests:read') ? w : { ...w, assignedToName: null })),
      waitingCount: await this.repository.waitingCount(this.db, since),
      month: {
        byAidType: await this.repository.grantedBy(this.db, 'aid_type', monthStart, now),
        byLandlord: await this.repository.grantedBy(this.db, 'landlord', monthStart, now),
      },
      year: {
        byAidType: await this.repository.grantedBy(this.db, 'aid_type', yearStart, now),
        byLandlord: await this.repository.grantedBy(this.db, 'landlord', yearStart, now),
      },
      processing: await this.repository.averageProcessingDays(this.db, new Date(now.getTime() - 365 * 86_400_000)),
    };
  }
}
