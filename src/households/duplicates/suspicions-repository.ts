import type { Db } from '../../db/types';

export interface SuspicionRow {
  id: string;
  personId: string;
  matchId: string;
  reasons: string[];
  reportedAt: Date;
}

/** A row of duplicate_suspicions. */
interface SuspicionTableRow {
  id: string;
  person_id: string;
  match_id: string;
  reasons: string[];
  reported_by: string;
  reported_at: Date;
  status: 'open' | 'merged' | 'dismissed';
  resolved_by: string | null;
  resolved_at: Date | null;
}

/** Duplicate suspicions handed to the association, and the record of merges. */
export class SuspicionRepository {
  async report(db: Db, personId: string, matchId: string, reasons: string[], reportedBy: string, now: Date): Promise<void> {
    await db('duplicate_suspicions')
      .insert({ person_id: personId, match_id: matchId, reasons, reported_by: reportedBy, reported_at: now })
      .onConflict(['person_id', 'match_id'])
      .ignore();
  }

  async findOpen(db: Db, id: string): Promise<SuspicionRow | null> {
    const r = await db<SuspicionTableRow>('duplicate_suspicions').where({ id, status: 'open' }).first();
    return r ? { id: r.id, personId: r.person_id, matchId: r.match_id, reasons: r.reasons, reportedAt: r.reported_at } : null;
  }

  async listOpen(db: Db, limit = 200): Promise<SuspicionRow[]> {
    const rows = await db<SuspicionTableRow>('duplicate_suspicions').where({ status: 'open' }).orderBy('reported_at').limit(limit);
    return rows.map((r) => ({
      id: r.id,
      personId: r.person_id,
      matchId: r.match_id,
      reasons: r.reasons,
      reportedAt: r.reported_at,
    }));
  }

  /** Dismisses an open suspicion; false when there is no such suspicion at all (a second click is fine). */
  async dismiss(db: Db, id: string, by: string, now: Date): Promise<boolean> {
    await db('duplicate_suspicions').where({ id, status: 'open' }).update({ status: 'dismissed', resolved_by: by, resolved_at: now });
    return Boolean(await db('duplicate_suspicions').where({ id }).first('id'));
  }

  /** Closes the open suspicions between two persons once they are merged. */
  async resolvePair(db: Db, a: string, b: string, by: string, now: Date): Promise<void> {
    await db('duplicate_suspicions')
      .whereIn('person_id', [a, b])
      .whereIn('match_id', [a, b])
      .where({ status: 'open' })
      .update({ status: 'merged', resolved_by: by, resolved_at: now });
  }

  async recordMerge(
    db: Db,
    m: { entityType: 'person' | 'household'; survivorId: string; mergedId: string; snapshot: unknown; moved: unknown; by: string; at: Date },
  ): Promise<void> {
    await db('merges').insert({
      entity_type: m.entityType,
      survivor_id: m.survivorId,
      merged_id: m.mergedId,
      merged_snapshot: JSON.stringify(m.snapshot),
      moved: JSON.stringify(m.moved),
      merged_by: m.by,
      merged_at: m.at,
    });
  }
}
