import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { AuditService, SystemActor } from '../audit/service';
import type { Db } from '../db/types';
import { isUuid } from '../db/types';
import type { Mailer } from '../notifications/mailer';
import { type Actor, can, scopeFor } from '../permissions';
import type { Clock } from '../shared/clock';
import { parisDate } from '../shared/dates';
import { NotFoundError } from '../shared/errors';
import { urls } from '../urls';
import { invitationMail } from './mails';
import type { Invitation, InvitationKind, Question, Questionnaire, SatisfactionRepository } from './repository';
import { averageText, type Group, group, groupBy, KIND_LABELS, type ResultComment } from './results';
import type { AnswerInput } from './schemas';

/** How long the link of an invitation stays open. */
export const VALID_DAYS = 60;
/** How far back a run looks for missions completed and appointments held (a run missed for a few days catches up). */
export const LOOKBACK_DAYS = 14;

const DAY_MS = 86_400_000;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const hashOf = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

const JOB_ACTOR: SystemActor = { userId: null, name: 'Tâche planifiée — questionnaires de satisfaction' };
const LINK_ACTOR: SystemActor = { userId: null, name: 'Ménage (lien du questionnaire de satisfaction)' };

export type SurveyState = 'open' | 'answered' | 'expired';
export type AnswerOutcome = 'stored' | 'already' | 'expired';

/** A questionnaire as the household sees it: what it is about, whether it can still be answered, its questions. */
export interface Survey {
  id: string;
  title: string;
  kind: InvitationKind;
  sentAt: Date;
  expiresAt: Date;
  state: SurveyState;
  questionnaire: Questionnaire;
}

export interface SatisfactionResults {
  /** 'adviser': an adviser's own answers only */
  audience: 'association' | 'adviser';
  questions: Question[];
  overall: Group;
  byMissionType: Group[];
  byAdviser: Group[];
  byKind: Group[];
  /** null when the reader may not see comments (the auditor) */
  comments: Array<ResultComment & { adviser: string | null }> | null;
  invitations: { sent: number; answered: number; rate: number | null };
  filter: { du?: string; au?: string };
}

/** What the statistics page shows of satisfaction. */
export interface SatisfactionOverview {
  count: number;
  average: number | null;
  averageText: string;
  rate: number | null;
}

/**
 * Satisfaction questionnaires: one invitation per completed mission and per appointment held (a daily
 * run, exactly once per subject), answered once through the mailed link or from the household's space,
 * and stored without the household; the association reads the figures live.
 */
export class SatisfactionService {
  private readonly db: Knex;
  private readonly clock: Clock;
  private readonly repository: SatisfactionRepository;
  private readonly mailer: Mailer;
  private readonly audit: AuditService;
  private readonly baseUrl: string;
  private readonly associationName: (db: Db) => Promise<string>;

  constructor(deps: {
    db: Knex;
    clock: Clock;
    repository: SatisfactionRepository;
    mailer: Mailer;
    audit: AuditService;
    baseUrl: string;
    associationName: (db: Db) => Promise<string>;
  }) {
    this.db = deps.db;
    this.clock = deps.clock;
    this.repository = deps.repository;
    this.mailer = deps.mailer;
    this.audit = deps.audit;
    this.baseUrl = deps.baseUrl;
    this.associationName = deps.associationName;
  }

  /**
   * For the daily job: invites the household of every mission completed and every appointment held in
   * the last LOOKBACK_DAYS days and not invited yet. Each invitation is written once (unique kind +
   * subject: a second run, or a second replica, finds it there) with its mail, in one transaction.
   */
  async sendInvitations(now: Date): Promise<{ invited: number; skipped: number }> {
    const questionnaire = await this.repository.activeQuestionnaire(this.db);
    if (!questionnaire) return { invited: 0, skipped: 0 };
    const subjects = await this.repository.subjectsToInvite(this.db, new Date(now.getTime() - LOOKBACK_DAYS * DAY_MS), now);
    const associationName = await this.associationName(this.db);
    const mails: string[] = [];
    let skipped = 0;
    for (const s of subjects) {
      await this.db.transaction(async (trx) => {
        const token = randomBytes(32).toString('base64url');
        const expiresAt = new Date(now.getTime() + VALID_DAYS * DAY_MS);
        const id = await this.repository.insertInvitation(trx, s, { questionnaireId: questionnaire.id, tokenHash: hashOf(token), sentAt: now, expiresAt });
        if (!id) {
          skipped++;
          return;
        }
        const mailId = await this.mailer.queue(
          trx,
          invitationMail({
            to: s.email,
            name: `${s.firstNames} ${s.lastName}`,
            kind: s.kind,
            missionType: s.missionTypeLabel,
            at: s.at,
            questions: questionnaire.questions.length,
            link: `${this.baseUrl}${urls.householdSurvey(token)}`,
            expiresAt,
            associationName,
          }),
        );
        await this.repository.setMail(trx, id, mailId);
        await this.audit.record(trx, JOB_ACTOR, {
          entityType: 'mission',
          entityId: s.missionId,
          // not filed under the landlord: whether a household is asked (and answers) is the association's
          organisationId: null,
          action: 'satisfaction.invited',
          after: { invitationId: id, kind: s.kind, subjectId: s.subjectId },
        });
        mails.push(mailId);
      });
    }
    await this.mailer.deliver(mails);
    return { invited: mails.length, skipped };
  }

  /** The questionnaire of a mailed link (null: no such link). */
  async byToken(token: string): Promise<Survey | null> {
    if (!TOKEN.test(token)) return null;
    const invitation = await this.repository.byTokenHash(this.db, hashOf(token));
    return invitation ? this.survey(this.db, invitation) : null;
  }

  /** One questionnaire of the household's (another household's is not found). */
  async forHousehold(householdId: string, id: string): Promise<Survey> {
    const invitation = isUuid(id) ? await this.repository.byId(this.db, id) : null;
    if (!invitation || invitation.householdId !== householdId) throw new NotFoundError('Ce questionnaire n’existe pas.');
    return this.survey(this.db, invitation);
  }

  /** The household's questionnaires, newest first. */
  async listForHousehold(householdId: string): Promise<Survey[]> {
    const invitations = await this.repository.forHousehold(this.db, householdId);
    const out: Survey[] = [];
    for (const i of invitations) out.push(await this.survey(this.db, i));
    return out;
  }

  /** Answers through the mailed link. */
  answerByToken(token: string, input: AnswerInput): Promise<AnswerOutcome> {
    if (!TOKEN.test(token)) throw new NotFoundError();
    return this.answer((trx) => this.repository.byTokenHash(trx, hashOf(token), true), input, LINK_ACTOR);
  }

  /** Answers from the household's space (`household.author`: what the audit trail names, householdAuditActor). */
  answerAsHousehold(household: { householdId: string; author: SystemActor }, id: string, input: AnswerInput): Promise<AnswerOutcome> {
    if (!isUuid(id)) throw new NotFoundError();
    return this.answer(
      async (trx) => {
        const i = await this.repository.byId(trx, id, true);
        return i && i.householdId === household.householdId ? i : null;
      },
      input,
      household.author,
    );
  }

  /**
   * Stores the answer without the household (mission type, adviser, kind, month, scores, comment)
   * and marks the invitation answered, in one transaction, once: 'stored' when this call stored it,
   * 'already' when it was answered before (a second tab, a double click), 'expired' past its date.
   */
  private answer(find: (trx: Db) => Promise<Invitation | null>, input: AnswerInput, who: SystemActor): Promise<AnswerOutcome> {
    const now = this.clock.now();
    return this.db.transaction(async (trx): Promise<AnswerOutcome> => {
      const invitation = await find(trx);
      if (!invitation) throw new NotFoundError();
      if (invitation.answeredAt) return 'already';
      if (invitation.expiresAt.getTime() <= now.getTime()) return 'expired';
      const questionnaire = await this.repository.questionnaire(trx, invitation.questionnaireId);
      if (!questionnaire) throw new NotFoundError();
      // the row lock (and the condition) make a second submission find it answered
      if (!(await this.repository.markAnswered(trx, invitation.id, now))) return 'already';
      const scores: Record<string, number> = {};
      for (const q of questionnaire.questions) {
        const score = input.scores[q.key];
        if (!Number.isInteger(score) || (score as number) < 1 || (score as number) > 5) throw new Error(`score missing for ${q.key}`);
        scores[q.key] = score as number;
      }
      await this.repository.insertAnswer(trx, {
        questionnaireId: questionnaire.id,
        kind: invitation.kind,
        missionTypeId: invitation.missionTypeId,
        adviserId: invitation.adviserId,
        period: parisDate(now).slice(0, 7),
        scores,
        comment: input.comment,
      });
      await this.audit.record(trx, who, {
        entityType: 'satisfaction_invitation',
        entityId: invitation.id,
        organisationId: null,
        // that it was answered, never what
        action: 'satisfaction.answered',
        before: { answered: false },
        after: { answered: true },
      });
      return 'stored';
    });
  }

  private async survey(db: Db, invitation: Invitation): Promise<Survey> {
    const questionnaire = await this.repository.questionnaire(db, invitation.questionnaireId);
    if (!questionnaire) throw new NotFoundError();
    const state: SurveyState = invitation.answeredAt ? 'answered' : invitation.expiresAt.getTime() <= this.clock.now().getTime() ? 'expired' : 'open';
    return {
      id: invitation.id,
      title: invitation.kind === 'mission' ? `Votre accompagnement « ${invitation.missionTypeLabel} »` : `Votre rendez-vous (${invitation.missionTypeLabel})`,
      kind: invitation.kind,
      sentAt: invitation.sentAt,
      expiresAt: invitation.expiresAt,
      state,
      questionnaire,
    };
  }

  /**
   * The results, live: overall, by mission type, by adviser, by kind. An adviser reads their own
   * answers only; comments (never with a household: the answers hold none) only for who may read
   * them — the auditor reads the figures alone; landlords nothing.
   */
  async results(actor: Actor, filter: { du?: string; au?: string } = {}): Promise<SatisfactionResults> {
    scopeFor(actor, 'satisfaction:read');
    const adviserOnly = actor.role === 'social_adviser';
    const f = { adviserId: adviserOnly ? actor.userId : undefined, from: filter.du, to: filter.au };
    const [questionnaire, rows, counts] = await Promise.all([
      this.repository.activeQuestionnaire(this.db),
      this.repository.answers(this.db, f),
      this.repository.invitationCounts(this.db, f),
    ]);
    const questions = questionnaire?.questions ?? [];
    const comments = can(actor, 'satisfaction:comments')
      ? rows
          .filter((r) => r.comment)
          .map((r) => ({
            text: r.comment as string,
            missionType: r.missionTypeLabel,
            kind: KIND_LABELS[r.kind],
            period: r.period,
            adviser: adviserOnly ? null : r.adviserName,
          }))
      : null;
    return {
      audience: adviserOnly ? 'adviser' : 'association',
      questions,
      overall: group('all', 'Ensemble', rows, questions),
      byMissionType: groupBy(
        rows,
        questions,
        (r) => r.missionTypeId,
        (r) => r.missionTypeLabel,
      ),
      byAdviser: groupBy(
        rows,
        questions,
        (r) => r.adviserId,
        (r) => r.adviserName,
      ),
      byKind: groupBy(
        rows,
        questions,
        (r) => r.kind,
        (r) => KIND_LABELS[r.kind],
      ),
      comments,
      invitations: { ...counts, rate: counts.sent ? Math.round((100 * counts.answered) / counts.sent) : null },
      filter,
    };
  }

  /** The statistics page's summary (null for a reader without satisfaction:read). */
  async overview(actor: Actor): Promise<SatisfactionOverview | null> {
    if (!can(actor, 'satisfaction:read')) return null;
    const f = { adviserId: actor.role === 'social_adviser' ? actor.userId : undefined };
    const [summary, counts] = await Promise.all([this.repository.summary(this.db, f), this.repository.invitationCounts(this.db, f)]);
    return {
      count: summary.count,
      average: summary.average,
      averageText: averageText(summary.average),
      rate: counts.sent ? Math.round((100 * counts.answered) / counts.sent) : null,
    };
  }
}
