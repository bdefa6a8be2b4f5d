import type { Db } from '../db/types';
import type { FieldCipher } from '../shared/field-cipher';
import { type MissionStatus, OPEN_MISSION_STATUSES } from './state-machine';

/** What stands where a text was erased. */
export const ERASED = '[effacé — durée de conservation écoulée]';

export interface RetentionCandidate {
  missionId: string;
  reference: string;
  householdId: string;
  lastContact: Date;
}

/** The SQL of the support data's retention: which missions are past it, and erasing one. */
export class RetentionRepository {
  constructor(private readonly cipher: FieldCipher) {}

  /**
   * The missions not erased yet of households with no open mission whose last contact — the
   * latest of their missions' end, sessions and appointments — is before the cutoff.
   */
  async candidates(db: Db, cutoff: Date): Promise<RetentionCandidate[]> {
    const rows = await db
      .with('contact', (q) =>
        q
          .from('missions as m')
          .groupBy('m.household_id')
          .select('m.household_id')
          .select(
            db.raw(`max(greatest(
              coalesce(m.ended_at, m.ordered_at),
              coalesce((select max(s.held_on)::timestamptz from mission_sessions s where s.mission_id = m.id), m.ordered_at),
              coalesce((select max(a.starts_at) from appointments a where a.mission_id = m.id), m.ordered_at))) as last_contact`),
          )
          .select(db.raw('bool_or(m.status = any(?)) as open', [OPEN_MISSION_STATUSES as unknown as string[]])),
      )
      .from('missions as m')
      .join('contact as c', 'c.household_id', 'm.household_id')
      .whereNull('m.anonymised_at')
      .where('c.open', false)
      .where('c.last_contact', '<', cutoff)
      .orderBy('c.last_contact')
      .select<Array<{ id: string; reference: string; household_id: string; last_contact: Date }>>('m.id', 'm.reference', 'm.household_id', 'c.last_contact');
    return rows.map((r) => ({ missionId: r.id, reference: r.reference, householdId: r.household_id, lastContact: new Date(r.last_contact) }));
  }

  /**
   * Erases one mission's content (locked, not erased yet): its texts, its sessions' and
   * appointments' texts, its report — unless a mail still holds the report as an attachment.
   * Returns its organisation, or null when there was nothing to erase.
   */
  async erase(trx: Db, missionId: string, now: Date): Promise<{ organisationId: string } | null> {
    const mission = await trx('missions')
      .where({ id: missionId })
      .whereNull('anonymised_at')
      .forUpdate()
      .first<{ id: string; organisation_id: string; report_blob_id: string | null; status: MissionStatus } | undefined>(
        'id',
        'organisation_id',
        'report_blob_id',
        'status',
      );
    if (!mission) return null;
    await trx('missions')
      .where({ id: missionId })
      .update({
        reason: ERASED,
        outcome: null,
        recommendations: null,
        decline_reason: mission.status === 'declined' ? ERASED : null,
        interruption_reason: mission.status === 'interrupted' ? ERASED : null,
        report_blob_id: null,
        anonymised_at: now,
      });
    if (mission.report_blob_id) {
      await trx('blobs')
        .where({ id: mission.report_blob_id })
        .whereNotExists((q) => q.from('mail_attachments').where('blob_id', mission.report_blob_id).select(trx.raw('1')))
        .delete()
        .returning('id');
    }
    await trx('mission_objectives').where({ mission_id: missionId }).update({ text: ERASED });
    await trx('mission_sessions')
      .where({ mission_id: missionId })
      .update({ participants: ERASED, summary: this.cipher.encrypt(ERASED, 'mission_sessions.summary'), next_steps: null, private_notes: null });
    await trx('appointments').where({ mission_id: missionId }).update({ place: ERASED, contact_name: ERASED, contact_email: null });
    return { organisationId: mission.organisation_id };
  }
}
