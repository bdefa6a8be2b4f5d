import type { Knex } from 'knex';
import type { AuditService } from '../audit/service';
import type { Db } from '../db/types';
import { type Actor, scopeFor } from '../permissions';
import type { Clock } from '../shared/clock';
import { ConflictError } from '../shared/errors';
import type { SettingsRepository } from './repository';
import { DEFAULT_SETTINGS, type Settings, type SettingsInput } from './schemas';

/** The association's settings: defaults until an administrator saves them; every change audited. */
export class SettingsService {
  private readonly db: Knex;
  private readonly repository: SettingsRepository;
  private readonly audit: AuditService;
  private readonly clock: Clock;

  constructor(deps: { db: Knex; repository: SettingsRepository; audit: AuditService; clock: Clock }) {
    this.db = deps.db;
    this.repository = deps.repository;
    this.audit = deps.audit;
    this.clock = deps.clock;
  }

  /** Current settings (stored values over defaults) and the version the form must send back. */
  async current(db: Db = this.db): Promise<{ settings: Settings; version: number }> {
    const rows = await this.repository.all(db);
    const letterhead = rows.get('letterhead');
    const instruction = rows.get('instruction');
    return {
      settings: {
        letterhead: { ...DEFAULT_SETTINGS.letterhead, ...((letterhead?.value as Partial<Settings['letterhead']>) ?? {}) },
        instruction: { ...DEFAULT_SETTINGS.instruction, ...((instruction?.value as Partial<Settings['instruction']>) ?? {}) },
      },
      // one form edits both keys: its version is the sum, so any change in between is a conflict
      version: (letterhead?.version ?? 0) + (instruction?.version ?? 0) + 1,
    };
  }

  async get(db: Db = this.db): Promise<Settings> {
    return (await this.current(db)).settings;
  }

  async save(actor: Actor, input: SettingsInput): Promise<void> {
    scopeFor(actor, 'settings:manage');
    await this.db.transaction(async (trx) => {
      const rows = await this.repository.all(trx);
      const { settings: before, version } = await this.current(trx);
      if (version !== input.version) throw new ConflictError();
      const letterhead: Settings['letterhead'] = {
        name: input.name,
        addressLines: input.address
          .split(/\r?\n/)
          .map((l) => l.trim())
          .filter(Boolean)
          .slice(0, 6),
        phone: input.phone ?? null,
        email: input.email ?? null,
        city: input.city,
        signatoryName: input.signatoryName,
        signatoryTitle: input.signatoryTitle,
      };
      const instruction: Settings['instruction'] = { informationReminderDays: input.informationReminderDays, waitingAlertDays: input.waitingAlertDays };
      const now = this.clock.now();
      const ok =
        (await this.repository.save(trx, 'letterhead', letterhead, rows.get('letterhead')?.version ?? 0, now)) &&
        (await this.repository.save(trx, 'instruction', instruction, rows.get('instruction')?.version ?? 0, now));
      if (!ok) throw new ConflictError();
      await this.audit.record(trx, actor, {
        entityType: 'settings',
        entityId: 'association',
        organisationId: actor.organisationId,
        action: 'settings.updated',
        before: { ...before.letterhead, addressLines: before.letterhead.addressLines.join(' / '), ...before.instruction },
        after: { ...letterhead, addressLines: letterhead.addressLines.join(' / '), ...instruction },
      });
    });
  }
}
