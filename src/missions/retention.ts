import type { Knex } from 'knex';
import type { AuditService } from '../audit/service';
import type { Logger } from '../logger';
import { monthsBefore } from '../shared/dates';
import { ERASED, type RetentionCandidate, type RetentionRepository } from './retention-repository';

export { ERASED, type RetentionCandidate };

const SYSTEM = { userId: null, name: 'Conservation des données (tâche planifiée)' } as const;

/**
 * Support data of a household is kept `months` (24) after the last contact with it — the latest of
 * its missions' end, sessions and appointments — and while none of its missions is open; then the
 * content of its missions is erased: reason, objectives' wording, sessions' participants, summaries,
 * next steps and private notes, outcome, recommendations, refusal or interruption comment,
 * appointments' place and contact, the closing report. Dates, durations, statuses, consent record
 * and billing lines stay (proof and accounting). Each mission erased writes an audit line.
 */
export class SupportRetentionService {
  private readonly db: Knex;
  private readonly retention: RetentionRepository;
  private readonly audit: AuditService;
  private readonly logger: Logger;

  constructor(deps: { db: Knex; retention: RetentionRepository; audit: AuditService; logger: Logger }) {
    this.db = deps.db;
    this.retention = deps.retention;
    this.audit = deps.audit;
    this.logger = deps.logger;
  }

  /** The missions whose household's last contact is older than `months` before `now` (none erased yet). */
  candidates(now: Date, months: number): Promise<RetentionCandidate[]> {
    return this.retention.candidates(this.db, monthsBefore(now, months));
  }

  /** Erases the candidates' content (one transaction per mission); a dry run only lists them. */
  async run(now: Date, months: number, dryRun = false): Promise<{ candidates: RetentionCandidate[]; erased: number }> {
    const candidates = await this.candidates(now, months);
    if (dryRun) return { candidates, erased: 0 };
    let erased = 0;
    for (const c of candidates) {
      const done = await this.db.transaction(async (trx) => {
        const erasedOne = await this.retention.erase(trx, c.missionId, now);
        if (!erasedOne) return false;
        await this.audit.record(trx, SYSTEM, {
          entityType: 'mission',
          entityId: c.missionId,
          organisationId: erasedOne.organisationId,
          action: 'mission.anonymised',
          before: null,
          after: { lastContact: c.lastContact.toISOString().slice(0, 10), months },
        });
        return true;
      });
      if (done) erased++;
    }
    this.logger.info('support data erased past retention', { event: 'retention.missions_erased', erased, months });
    return { candidates, erased };
  }
}
