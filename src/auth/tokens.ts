import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/types';

export type TokenPurpose = 'invitation' | 'reset';

/** How long a link sent by mail stays valid. */
export const TOKEN_TTL_MINUTES: Record<TokenPurpose, number> = { invitation: 72 * 60, reset: 60 };

const digest = (token: string): string => createHash('sha256').update(token).digest('hex');

export interface PasswordToken {
  id: string;
  userId: string;
  purpose: TokenPurpose;
  expiresAt: Date;
  usedAt: Date | null;
}

/** A row of password_tokens: only the token's sha-256 is stored. */
interface PasswordTokenRow {
  id: string;
  user_id: string;
  purpose: TokenPurpose;
  token_hash: string;
  expires_at: Date;
  used_at: Date | null;
  created_by: string | null;
  created_at: Date;
}

/** One-time password links: random, single use, short-lived; only their sha-256 is stored. */
export class PasswordTokenRepository {
  /** Creates a token (and voids the user's previous unused ones); returns the secret to put in the link. */
  async issue(db: Db, userId: string, purpose: TokenPurpose, now: Date, createdBy: string | null): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await db('password_tokens').where({ user_id: userId }).whereNull('used_at').update({ used_at: now });
    await db('password_tokens').insert({
      user_id: userId,
      purpose,
      token_hash: digest(token),
      expires_at: new Date(now.getTime() + TOKEN_TTL_MINUTES[purpose] * 60_000),
      created_by: createdBy,
      created_at: now,
    });
    return token;
  }

  /** The token if it exists, is unused and not expired. */
  async findValid(db: Db, token: string, now: Date): Promise<PasswordToken | null> {
    if (!/^[\w-]{20,100}$/.test(token)) return null;
    const row = await db<PasswordTokenRow>('password_tokens')
      .where({ token_hash: digest(token) })
      .whereNull('used_at')
      .where('expires_at', '>', now)
      .first();
    return row ? { id: row.id, userId: row.user_id, purpose: row.purpose, expiresAt: row.expires_at, usedAt: row.used_at } : null;
  }

  /** How many links of this purpose were issued to the user since `since` (to throttle the mails). */
  async issuedSince(db: Db, userId: string, purpose: TokenPurpose, since: Date): Promise<number> {
    const row = await db('password_tokens')
      .where({ user_id: userId, purpose })
      .where('created_at', '>', since)
      .first<{ count: number } | undefined>(db.raw('count(*)::int as count'));
    return Number(row?.count ?? 0);
  }

  /** Marks the token used; false when it was already used (two tabs, replay). */
  async consume(db: Db, id: string, now: Date): Promise<boolean> {
    const count = await db('password_tokens').where({ id }).whereNull('used_at').update({ used_at: now });
    return count === 1;
  }
}
