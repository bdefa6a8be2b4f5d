import type { Knex } from 'knex';
import type { AuditService } from '../audit/service';
import type { Logger } from '../logger';
import { OPEN_MISSION_STATUSES } from './state-machine';

/** What stands where a text was erased. */
export const ERASED = '[effacé — durée de conservation écoulée]';

export interface RetentionCandidate {
  missionId: string;
  reference: string;
  householdId: string;
  lastContact: Date;
}

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
  constructor(
    private readonly db: Knex,
    private readonly audit: AuditService,
    private readonly logger: Logger,
  ) {}

  /** The missions whose household's last contact is older than the cutoff (none erased yet). */
  async candidates(now: Date, months: number): Promise<RetentionCandidate[]> {
    const cutoff = new Date(now);
    cutoff.setUTCMonth(cutoff.getUTCMonth() - months);
    const rows = await this.db
      .with('contact', (q) =>
        q.from('missions as m')
          .groupBy('m.household_id')
          .select('m.household_id')
          .select(this.db.raw(`max(greatest(
              coalesce(m.ended_at, m.ordered_at),
              coalesce((select max(s.held_on)::timestamptz from mission_sessions s where s.mission_id = m.id), m.ordered_at),
              coalesce((select max(a.starts_at) from appointments a where a.mission_id = m.id), m.ordered_at))) as last_contact`))
          .select(this.db.raw('bool_or(m.status = any(?)) as open', [OPEN_MISSION_STATUSES as unknown as string[]])),
      )
      .from('missions as m')
      .join('contact as c', 'c.household_id', 'm.household_id')
      .whereNull('m.anonymised_at')
      .where('c.open', false)
      .where('c.last_contact', '<', cutoff)
      .orderBy('c.last_contact')
      .select('m.id', 'm.reference', 'm.household_id', 'c.last_contact');
    return rows.map((r: Record<string, unknown>) => ({ missionId: r.id as string, reference: r.reference as string, householdId: r.household_id as string, lastContact: new Date(r.last_contact as string) }));
  }

  /** Erases the candidates' content (one transaction per mission); a dry run only lists them. */
  async run(now: Date, months: number, dryRun = false): Promise<{ candidates: RetentionCandidate[]; erased: number }> {
    const candidates = await this.candidates(now, months);
    if (dryRun) return { candidates, erased: 0 };
    let erased = 0;
    for (const c of candidates) {
      const done = await this.db.transaction(async (trx) => {
        const mission = await trx('missions').where({ id: c.missionId }).whereNull('anonymised_at').forUpdate().first('id', 'organisation_id', 'report_blob_id', 'status');
        if (!mission) return false;
        await trx('missions').where({ id: c.missionId }).update({
          reason: ERASED, outcome: null, recommendations: null,
          decline_reason: mission.status === 'declined' ? ERASED : null,
          interruption_reason: mission.status === 'interrupted' ? ERASED : null,
          report_blob_id: null, anonymised_at: now,
        });
        // the report goes, unless a mail still holds it as an attachment (the outbox keeps what was sent)
        if (mission.report_blob_id) {
          await trx('blobs').where({ id: mission.report_blob_id }).whereNotExists((q) => q.from('mail_attachments').where('blob_id', mission.report_blob_id).select(trx.raw('1'))).delete().returning('id');
        }
        await trx('mission_objectives').where({ mission_id: c.missionId }).update({ text: ERASED });
        await trx('mission_sessions').where({ mission_id: c.missionId }).update({ participants: ERASED, summary: ERASED, next_steps: null, private_notes: null });
        await trx('appointments').where({ mission_id: c.missionId }).update({ place: ERASED, contact_name: ERASED, contact_email: null });
        await this.audit.record(trx, SYSTEM, {
          entityType: 'mission', entityId: c.missionId, organisationId: mission.organisation_id, action: 'mission.anonymised',
          before: null, after: { lastContact: c.lastContact.toISOString().slice(0, 10), months },
        });
        return true;
      });
      if (done) erased++;
    }
    this.logger.info('support data erased past retention', { event: 'retention.missions_erased', erased, months });
    return { candidates, erased };
  }
}
