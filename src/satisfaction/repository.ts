import type { Db } from '../db/types';

export type InvitationKind = 'mission' | 'appointment';

export interface Question {
  key: string;
  text: string;
  /** the words of the steps 1 to 5 */
  labels: string[];
}

export interface Questionnaire {
  id: string;
  version: number;
  title: string;
  questions: Question[];
  commentLabel: string;
}

/** A mission completed or an appointment held, not yet invited, with the person to invite. */
export interface Subject {
  kind: InvitationKind;
  subjectId: string;
  missionId: string;
  organisationId: string;
  missionTypeId: string;
  missionTypeLabel: string;
  adviserId: string;
  householdId: string;
  personId: string;
  email: string;
  firstNames: string;
  lastName: string;
  /** when the mission ended or the appointment started */
  at: Date;
}

export interface Invitation {
  id: string;
  questionnaireId: string;
  kind: InvitationKind;
  subjectId: string;
  missionTypeId: string;
  missionTypeLabel: string;
  adviserId: string;
  householdId: string;
  personId: string;
  organisationId: string;
  sentAt: Date;
  expiresAt: Date;
  answeredAt: Date | null;
}

export interface NewAnswer {
  questionnaireId: string;
  kind: InvitationKind;
  missionTypeId: string;
  adviserId: string;
  period: string;
  scores: Record<string, number>;
  comment: string | null;
}

/** Who sees what: every answer, or one adviser's. */
export interface AnswerFilter {
  adviserId?: string;
  from?: string;
  to?: string;
}

export interface AnswerRow {
  kind: InvitationKind;
  missionTypeId: string;
  missionTypeLabel: string;
  adviserId: string;
  adviserName: string;
  period: string;
  scores: Record<string, number>;
  comment: string | null;
}

interface QuestionnaireRow {
  id: string;
  version: number;
  title: string;
  questions: Question[] | string;
  comment_label: string;
}

const toQuestionnaire = (r: QuestionnaireRow): Questionnaire => ({
  id: r.id,
  version: r.version,
  title: r.title,
  questions: typeof r.questions === 'string' ? (JSON.parse(r.questions) as Question[]) : r.questions,
  commentLabel: r.comment_label,
});

interface InvitationRow {
  id: string;
  questionnaire_id: string;
  kind: InvitationKind;
  subject_id: string;
  mission_type_id: string;
  mission_type_label: string;
  adviser_id: string;
  household_id: string;
  person_id: string;
  organisation_id: string;
  sent_at: Date;
  expires_at: Date;
  answered_at: Date | null;
}

const toInvitation = (r: InvitationRow): Invitation => ({
  id: r.id,
  questionnaireId: r.questionnaire_id,
  kind: r.kind,
  subjectId: r.subject_id,
  missionTypeId: r.mission_type_id,
  missionTypeLabel: r.mission_type_label,
  adviserId: r.adviser_id,
  householdId: r.household_id,
  personId: r.person_id,
  organisationId: r.organisation_id,
  sentAt: r.sent_at,
  expiresAt: r.expires_at,
  answeredAt: r.answered_at,
});

/**
 * The person of a household a questionnaire goes to: a current member with an e-mail, the holder
 * first (then co-holder, spouse, other; never a child). For an appointment, the member whose e-mail
 * the appointment was sent to comes first.
 */
const RECIPIENT = `
  (select p.id as person_id, p.email, p.first_names, p.last_name
     from household_members hm join persons p on p.id = hm.person_id
    where hm.household_id = m.household_id and hm.to_date is null and p.status = 'active'
      and p.email is not null and btrim(p.email) <> '' and hm.relationship <> 'child'
    order by %PREFER% case hm.relationship when 'holder' then 0 when 'co_holder' then 1 when 'spouse' then 2 else 3 end, p.id
    limit 1)`;
/** The recipient of a mission's questionnaire: the first adult member by relationship. */
const MISSION_RECIPIENT = RECIPIENT.replace('%PREFER%', '');
/** The recipient of an appointment's questionnaire: the member whose e-mail the appointment was sent to first. */
const APPOINTMENT_RECIPIENT = RECIPIENT.replace('%PREFER%', "case when lower(p.email) = lower(coalesce(a.contact_email, '')) then 0 else 1 end,");

export class SatisfactionRepository {
  async activeQuestionnaire(db: Db): Promise<Questionnaire | null> {
    const row = (await db('satisfaction_questionnaires').where({ active: true }).first()) as QuestionnaireRow | undefined;
    return row ? toQuestionnaire(row) : null;
  }

  async questionnaire(db: Db, id: string): Promise<Questionnaire | null> {
    const row = (await db('satisfaction_questionnaires').where({ id }).first()) as QuestionnaireRow | undefined;
    return row ? toQuestionnaire(row) : null;
  }

  /**
   * Missions completed and appointments held since `since` (up to `until`) with no invitation yet and
   * someone to write to; anonymised missions are left out.
   */
  async subjectsToInvite(db: Db, since: Date, until: Date): Promise<Subject[]> {
    type Row = {
      kind: InvitationKind;
      subject_id: string;
      mission_id: string;
      organisation_id: string;
      mission_type_id: string;
      mission_type_label: string;
      adviser_id: string;
      household_id: string;
      person_id: string;
      email: string;
      first_names: string;
      last_name: string;
      at: Date;
    };
    const missions: { rows: Row[] } = await db.raw(
      `select 'mission' as kind, m.id as subject_id, m.id as mission_id, m.organisation_id, m.mission_type_id, m.adviser_id, m.household_id,
              r.person_id, r.email, r.first_names, r.last_name, m.ended_at as at, t.label as mission_type_label
         from missions m
         join mission_types t on t.id = m.mission_type_id
         cross join lateral ${MISSION_RECIPIENT} r
        where m.status = 'completed' and m.ended_at >= ? and m.ended_at <= ? and m.adviser_id is not null and m.anonymised_at is null
          and not exists (select 1 from satisfaction_invitations i where i.kind = 'mission' and i.subject_id = m.id)
        order by m.ended_at, m.id`,
      [since, until],
    );
    const appointments: { rows: Row[] } = await db.raw(
      `select 'appointment' as kind, a.id as subject_id, m.id as mission_id, m.organisation_id, m.mission_type_id, a.adviser_id, m.household_id,
              r.person_id, r.email, r.first_names, r.last_name, a.starts_at as at, t.label as mission_type_label
         from appointments a
         join missions m on m.id = a.mission_id
         join mission_types t on t.id = m.mission_type_id
         cross join lateral ${APPOINTMENT_RECIPIENT} r
        where a.status = 'done' and a.starts_at >= ? and a.starts_at <= ? and m.anonymised_at is null
          and not exists (select 1 from satisfaction_invitations i where i.kind = 'appointment' and i.subject_id = a.id)
        order by a.starts_at, a.id`,
      [since, until],
    );

    return [...missions.rows, ...appointments.rows].map((r) => ({
      kind: r.kind,
      subjectId: r.subject_id,
      missionId: r.mission_id,
      organisationId: r.organisation_id,
      missionTypeId: r.mission_type_id,
      missionTypeLabel: r.mission_type_label,
      adviserId: r.adviser_id,
      householdId: r.household_id,
      personId: r.person_id,
      email: r.email.trim(),
      firstNames: r.first_names,
      lastName: r.last_name,
      at: r.at,
    }));
  }

  /** The invitation of a subject, written once: null when another run (or replica) wrote it first. */
  async insertInvitation(db: Db, s: Subject, o: { questionnaireId: string; tokenHash: string; sentAt: Date; expiresAt: Date }): Promise<string | null> {
    const [row] = await db('satisfaction_invitations')
      .insert({
        questionnaire_id: o.questionnaireId,
        kind: s.kind,
        subject_id: s.subjectId,
        mission_id: s.missionId,
        organisation_id: s.organisationId,
        mission_type_id: s.missionTypeId,
        adviser_id: s.adviserId,
        household_id: s.householdId,
        person_id: s.personId,
        token_hash: o.tokenHash,
        sent_at: o.sentAt,
        expires_at: o.expiresAt,
      })
      .onConflict(['kind', 'subject_id'])
      .ignore()
      .returning<Array<{ id: string }>>('id');
    return row?.id ?? null;
  }

  async setMail(db: Db, invitationId: string, mailId: string): Promise<void> {
    await db('satisfaction_invitations').where({ id: invitationId }).update({ mail_id: mailId });
  }

  private invitations(db: Db) {
    return db('satisfaction_invitations as i')
      .join('mission_types as t', 't.id', 'i.mission_type_id')
      .select(
        'i.id',
        'i.questionnaire_id',
        'i.kind',
        'i.subject_id',
        'i.mission_type_id',
        't.label as mission_type_label',
        'i.adviser_id',
        'i.household_id',
        'i.person_id',
        'i.organisation_id',
        'i.sent_at',
        'i.expires_at',
        'i.answered_at',
      );
  }

  async byTokenHash(db: Db, tokenHash: string, forUpdate = false): Promise<Invitation | null> {
    const q = this.invitations(db).where('i.token_hash', tokenHash);
    const row = (await (forUpdate ? q.forUpdate('i') : q).first()) as InvitationRow | undefined;
    return row ? toInvitation(row) : null;
  }

  async byId(db: Db, id: string, forUpdate = false): Promise<Invitation | null> {
    const q = this.invitations(db).where('i.id', id);
    const row = (await (forUpdate ? q.forUpdate('i') : q).first()) as InvitationRow | undefined;
    return row ? toInvitation(row) : null;
  }

  /** The invitations of a household, newest first (its space lists them). */
  async forHousehold(db: Db, householdId: string): Promise<Invitation[]> {
    const rows = (await this.invitations(db).where('i.household_id', householdId).orderBy('i.sent_at', 'desc').orderBy('i.id')) as InvitationRow[];
    return rows.map(toInvitation);
  }

  /** Marks the invitation answered, once: false when it already was (a second tab, a double click). */
  async markAnswered(db: Db, id: string, at: Date): Promise<boolean> {
    return (await db('satisfaction_invitations').where({ id }).whereNull('answered_at').update({ answered_at: at })) === 1;
  }

  async insertAnswer(db: Db, a: NewAnswer): Promise<void> {
    await db('satisfaction_answers').insert({
      questionnaire_id: a.questionnaireId,
      kind: a.kind,
      mission_type_id: a.missionTypeId,
      adviser_id: a.adviserId,
      period: a.period,
      scores: JSON.stringify(a.scores),
      comment: a.comment,
    });
  }

  /** The answers in reach (no household, no person: the table holds none), oldest month first. */
  async answers(db: Db, f: AnswerFilter): Promise<AnswerRow[]> {
    const q = db('satisfaction_answers as s')
      .join('mission_types as t', 't.id', 's.mission_type_id')
      .join('users as u', 'u.id', 's.adviser_id')
      .select(
        's.kind',
        's.mission_type_id',
        't.label as mission_type_label',
        's.adviser_id',
        db.raw("u.first_name || ' ' || u.last_name as adviser_name"),
        's.period',
        's.scores',
        's.comment',
      )
      // the comments in an order that says nothing of when each was written
      .orderBy('s.period')
      .orderBy('s.id');
    if (f.adviserId) q.where('s.adviser_id', f.adviserId);
    if (f.from) q.where('s.period', '>=', f.from);
    if (f.to) q.where('s.period', '<=', f.to);
    const rows = (await q) as Array<{
      kind: InvitationKind;
      mission_type_id: string;
      mission_type_label: string;
      adviser_id: string;
      adviser_name: string;
      period: string;
      scores: Record<string, number> | string;
      comment: string | null;
    }>;
    return rows.map((r) => ({
      kind: r.kind,
      missionTypeId: r.mission_type_id,
      missionTypeLabel: r.mission_type_label,
      adviserId: r.adviser_id,
      adviserName: r.adviser_name,
      period: r.period.trim(),
      scores: typeof r.scores === 'string' ? (JSON.parse(r.scores) as Record<string, number>) : r.scores,
      comment: r.comment,
    }));
  }

  /** How many answers in reach and the average of every score they gave (the statistics page's line: one query, no rows). */
  async summary(db: Db, f: AnswerFilter): Promise<{ count: number; average: number | null }> {
    const q = db('satisfaction_answers as s')
      .joinRaw('left join lateral jsonb_each_text(s.scores) e on true')
      .select(db.raw('count(distinct s.id) as count'), db.raw('avg(e.value::numeric) as average'));
    if (f.adviserId) q.where('s.adviser_id', f.adviserId);
    const row = (await q.first()) as { count: string; average: string | null };
    return { count: Number(row.count), average: row.average === null ? null : Math.round(Number(row.average) * 10) / 10 };
  }

  /** How many invitations left and how many were answered (the response rate), in reach. */
  async invitationCounts(db: Db, f: AnswerFilter): Promise<{ sent: number; answered: number }> {
    const q = db('satisfaction_invitations').select(db.raw('count(*) as sent'), db.raw('count(answered_at) as answered'));
    if (f.adviserId) q.where('adviser_id', f.adviserId);
    const row = (await q.first()) as { sent: string; answered: string };
    return { sent: Number(row.sent), answered: Number(row.answered) };
  }
}
