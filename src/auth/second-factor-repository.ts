import type { Db } from '../db/types';

interface EnrolmentCodeRow {
  id: string;
  user_id: string;
  code_hash: string;
  attempts: number;
  expires_at: Date;
  used_at: Date | null;
  created_at: Date;
}

/** `count(*)::int as count` */
interface CountRow {
  count: number;
}

/**
 * SQL of the second factor's companions: the codes mailed before enrolment and the recovery codes.
 * (The TOTP key itself stays in the users table, read through UserRepository.)
 */
export class SecondFactorRepository {
  // --- codes mailed at enrolment ---

  /** Stores a new mailed code and voids the user's earlier unused ones (only the last mail counts). */
  async issueEnrolmentCode(db: Db, userId: string, codeHash: string, now: Date, expiresAt: Date): Promise<void> {
    await db('enrolment_codes').where({ user_id: userId }).whereNull('used_at').update({ used_at: now });
    await db('enrolment_codes').insert({ user_id: userId, code_hash: codeHash, expires_at: expiresAt, created_at: now });
  }

  /** How many codes were mailed to the user since `since`, and when the last one was. */
  async enrolmentMailsSince(db: Db, userId: string, since: Date): Promise<{ count: number; last: Date | null }> {
    const row = await db('enrolment_codes')
      .where({ user_id: userId })
      .where('created_at', '>', since)
      .first<(CountRow & { last: Date | null }) | undefined>(db.raw('count(*)::int as count'), db.raw('max(created_at) as last'));
    return { count: Number(row?.count ?? 0), last: row?.last ? new Date(row.last) : null };
  }

  /** The user's live code (unused, not expired), or null. */
  async liveEnrolmentCode(db: Db, userId: string, now: Date): Promise<{ id: string; codeHash: string; attempts: number } | null> {
    const row = await db('enrolment_codes')
      .where({ user_id: userId })
      .whereNull('used_at')
      .where('expires_at', '>', now)
      .orderBy('created_at', 'desc')
      .first<Pick<EnrolmentCodeRow, 'id' | 'code_hash' | 'attempts'> | undefined>('id', 'code_hash', 'attempts');
    return row ? { id: row.id, codeHash: row.code_hash, attempts: Number(row.attempts) } : null;
  }

  /** Counts a wrong try; the code is voided once `maxAttempts` is reached. Returns the attempts so far. */
  async failEnrolmentCode(db: Db, id: string, now: Date, maxAttempts: number): Promise<number> {
    const [row] = await db('enrolment_codes')
      .where({ id })
      .whereNull('used_at')
      .update({ attempts: db.raw('attempts + 1'), used_at: db.raw('case when attempts + 1 >= ? then ?::timestamptz else null end', [maxAttempts, now]) })
      .returning<Array<Pick<EnrolmentCodeRow, 'attempts'>>>('attempts');
    return row ? Number(row.attempts) : maxAttempts;
  }

  /** Marks the code used; false when another request used it first. */
  async useEnrolmentCode(db: Db, id: string, now: Date): Promise<boolean> {
    return (await db('enrolment_codes').where({ id }).whereNull('used_at').update({ used_at: now })) === 1;
  }

  // --- recovery codes ---

  /** Replaces the user's recovery codes with new ones (hashes). */
  async replaceRecoveryCodes(db: Db, userId: string, hashes: string[], now: Date): Promise<void> {
    await db('recovery_codes').where({ user_id: userId }).delete();
    await db('recovery_codes').insert(hashes.map((h) => ({ user_id: userId, code_hash: h, created_at: now })));
  }

  /** Uses one recovery code; false when it is unknown or already used. */
  async useRecoveryCode(db: Db, userId: string, hash: string, now: Date): Promise<boolean> {
    return (await db('recovery_codes').where({ user_id: userId, code_hash: hash }).whereNull('used_at').update({ used_at: now })) === 1;
  }

  async remainingRecoveryCodes(db: Db, userId: string): Promise<number> {
    const row = await db('recovery_codes').where({ user_id: userId }).whereNull('used_at').first<CountRow | undefined>(db.raw('count(*)::int as count'));
    return Number(row?.count ?? 0);
  }

  async deleteRecoveryCodes(db: Db, userId: string): Promise<void> {
    await db('recovery_codes').where({ user_id: userId }).delete();
    await db('enrolment_codes').where({ user_id: userId }).whereNull('used_at').delete();
  }

  /** Which of these users have enrolled a key (for the users page). */
  async enrolledAmong(db: Db, userIds: string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const rows = await db('users').whereIn('id', userIds).whereNotNull('totp_enabled_at').select<Array<{ id: string }>>('id');
    return new Set(rows.map((r) => r.id));
  }
}
