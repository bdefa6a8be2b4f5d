import type { Knex } from 'knex';
import type { AuditService } from '../audit/service';
import type { Clock } from '../shared/clock';
import { SettingsRepository } from './repository';
import { SettingsService } from './service';

/** The association's settings (letterhead, instruction delays); the table also keeps other areas' settings under their own key. */
export function createSettingsModule(deps: { db: Knex; audit: AuditService; clock: Clock }) {
  const settingsRepository = new SettingsRepository();
  return { settings: new SettingsService({ db: deps.db, repository: settingsRepository, audit: deps.audit, clock: deps.clock }), settingsRepository };
}
