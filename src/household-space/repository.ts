import type { Db } from '../db/types';

export type LinkReason = 'request' | 'mission' | 'asked' | 'consent' | 'documents' | 'booking' | 'staff';

export interface LinkRow {
  id: string;
  personId: string;
  householdId: string;
  expiresAt: Date;
  revokedAt: Date | null;
}

/** A person who can receive a link: a current member of a household, with an e-mail. */
export interface Reachable {
  personId: string;
  householdId: string;
  organisationId: string;
  email: string;
  firstNames: string;
  lastName: string;
}

export interface CodeRow {
  id: string;
  codeHash: string;
  sentTo: string;
  createdAt: Date;
  expiresAt: Date;
  attempts: number;
  usedAt: Date | null;
}

const REACHABLE = (db: Db) =>
  db('persons as p')
    .join('household_members as m', function () {
      this.on('m.person_id', 'p.id').andOnNull('m.to_date');
    })
    .join('households as h', 'h.id', 'm.household_id')
    .where('p.status', 'active')
    .whereNotNull('p.email')
    .whereRaw("p.email <> ''")
    .select(
      'p.id as personId',
      'm.household_id as householdId',
      'h.organisation_id as organisationId',
      'p.email as email',
      'p.first_names as firstNames',
      'p.last_name as lastName',
    );

/** The links, codes, sessions and read traces of the household space (no other area's tables but what identifies a person). */
export class HouseholdAccessRepository {
  /** The person (with an e-mail) in their current household. */
  async reachablePerson(db: Db, personId: string): Promise<Reachable | null> {
    return ((await REACHABLE(db).where('p.id', personId).first()) as Reachable | undefined) ?? null;
  }

  /** Every current member with an e-mail of a household. */
  async reachableMembers(db: Db, householdId: string): Promise<Reachable[]> {
    return (await REACHABLE(db).where('m.household_id', householdId).orderBy('p.last_name').orderBy('p.first_names')) as Reachable[];
  }

  /** The persons whose e-mail is this one (the address typed on the public page). */
  async reachableByEmail(db: Db, email: string): Promise<Reachable[]> {
    return (await REACHABLE(db).whereRaw('lower(p.email) = ?', [email.toLowerCase()]).limit(5)) as Reachable[];
  }

  async insertLink(
    db: Db,
    link: { personId: string; householdId: string; tokenHash: string; reason: LinkReason; now: Date; expiresAt: Date },
  ): Promise<string> {
    const [row] = await db('household_links')
      .insert({
        person_id: link.personId,
        household_id: link.householdId,
        token_hash: link.tokenHash,
        reason: link.reason,
        created_at: link.now,
        expires_at: link.expiresAt,
      })
      .returning<Array<{ id: string }>>('id');
    return row!.id;
  }

  async linksSince(db: Db, personId: string, since: Date): Promise<number> {
    const row = await db('household_links').where({ person_id: personId }).where('created_at', '>=', since).count<{ count: string }[]>('* as count').first();
    return Number(row?.count ?? 0);
  }

  async linkByHash(db: Db, tokenHash: string): Promise<LinkRow | null> {
    const row = await db('household_links')
      .where({ token_hash: tokenHash })
      .first<LinkRow | undefined>('id', 'person_id as personId', 'household_id as householdId', 'expires_at as expiresAt', 'revoked_at as revokedAt');
    return row ?? null;
  }

  async linkById(db: Db, linkId: string): Promise<LinkRow | null> {
    const row = await db('household_links')
      .where({ id: linkId })
      .first<LinkRow | undefined>('id', 'person_id as personId', 'household_id as householdId', 'expires_at as expiresAt', 'revoked_at as revokedAt');
    return row ?? null;
  }

  /** The household a request is for (the link mails of a request filed). */
  async householdOfRequest(db: Db, requestId: string): Promise<string | null> {
    const row = await db('aid_requests').where({ id: requestId }).first<{ household_id: string } | undefined>('household_id');
    return row?.household_id ?? null;
  }

  async lockLink(db: Db, linkId: string): Promise<void> {
    await db('household_links').where({ id: linkId }).forUpdate().first('id');
  }

  async markOpened(db: Db, linkId: string, now: Date): Promise<void> {
    await db('household_links').where({ id: linkId }).update({ last_opened_at: now });
  }

  async insertCode(db: Db, code: { linkId: string; codeHash: string; sentTo: string; now: Date; expiresAt: Date }): Promise<void> {
    await db('household_codes').insert({
      link_id: code.linkId,
      code_hash: code.codeHash,
      sent_to: code.sentTo,
      created_at: code.now,
      expires_at: code.expiresAt,
    });
  }

  async codesSince(db: Db, linkId: string, since: Date): Promise<number> {
    const row = await db('household_codes').where({ link_id: linkId }).where('created_at', '>=', since).count<{ count: string }[]>('* as count').first();
    return Number(row?.count ?? 0);
  }

  /** The link's last code, locked for the check (a code is tried by one request at a time). */
  async lastCodeForUpdate(db: Db, linkId: string): Promise<CodeRow | null> {
    const row = await db('household_codes')
      .where({ link_id: linkId })
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .forUpdate()
      .first<CodeRow | undefined>(
        'id',
        'code_hash as codeHash',
        'sent_to as sentTo',
        'created_at as createdAt',
        'expires_at as expiresAt',
        'attempts',
        'used_at as usedAt',
      );
    return row ?? null;
  }

  async lastCode(db: Db, linkId: string): Promise<Pick<CodeRow, 'sentTo' | 'expiresAt' | 'attempts' | 'usedAt'> | null> {
    const row = await db('household_codes')
      .where({ link_id: linkId })
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .first<Pick<CodeRow, 'sentTo' | 'expiresAt' | 'attempts' | 'usedAt'> | undefined>(
        'sent_to as sentTo',
        'expires_at as expiresAt',
        'attempts',
        'used_at as usedAt',
      );
    return row ?? null;
  }

  async countAttempt(db: Db, codeId: string): Promise<void> {
    await db('household_codes').where({ id: codeId }).increment('attempts', 1);
  }

  async useCode(db: Db, codeId: string, now: Date): Promise<void> {
    await db('household_codes')
      .where({ id: codeId })
      .update({ used_at: now, attempts: db.raw('attempts + 1') });
  }

  async traceRead(
    db: Db,
    trace: { personId: string; householdId: string; action: string; entityType: string; entityId: string; requestId: string | null; at: Date },
  ): Promise<void> {
    await db('household_access_events').insert({
      occurred_at: trace.at,
      person_id: trace.personId,
      household_id: trace.householdId,
      action: trace.action,
      entity_type: trace.entityType,
      entity_id: trace.entityId,
      request_id: trace.requestId,
    });
  }
}
