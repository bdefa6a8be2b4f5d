import type { Db } from '../../db/types';
import { isUuid } from '../../db/types';
import type { FieldCipher } from '../../shared/field-cipher';

export type DecisionKind = 'grant' | 'refuse' | 'adjourn';

export interface Decision {
  id: string;
  requestId: string;
  kind: DecisionKind;
  status: 'pending' | 'applied' | 'returned';
  amountCents: number | null;
  instalments: number | null;
  firstDueDate: string | null;
  reasonCode: string | null;
  comment: string | null;
  adjournedUntil: string | null;
  needsValidation: boolean;
  proposedBy: string;
  proposedByLabel: string;
  proposedAt: Date;
  validatedBy: string | null;
  validatedByLabel: string | null;
  validatedAt: Date | null;
  validationComment: string | null;
  letterBlobId: string | null;
  /** the fund a grant commits on, and an administrator's reason to go above what remains */
  fundId: string | null;
  budgetOverrideReason: string | null;
}

export type NewDecision = Pick<
  Decision,
  | 'requestId'
  | 'kind'
  | 'amountCents'
  | 'instalments'
  | 'firstDueDate'
  | 'reasonCode'
  | 'comment'
  | 'adjournedUntil'
  | 'needsValidation'
  | 'proposedBy'
  | 'proposedByLabel'
  | 'proposedAt'
  | 'fundId'
  | 'budgetOverrideReason'
>;

/** A row of decisions as PostgreSQL returns it (bigint as string, dates as 'YYYY-MM-DD'). */
export interface DecisionRow {
  id: string;
  request_id: string;
  kind: DecisionKind;
  status: Decision['status'];
  amount_cents: string | null;
  instalments: number | null;
  first_due_date: string | null;
  reason_code: string | null;
  comment: string | null;
  adjourned_until: string | null;
  needs_validation: boolean;
  proposed_by: string;
  proposed_by_label: string;
  proposed_at: Date;
  validated_by: string | null;
  validated_by_label: string | null;
  validated_at: Date | null;
  validation_comment: string | null;
  letter_blob_id: string | null;
  fund_id: string | null;
  budget_override_reason: string | null;
}

export const toDecision = (r: DecisionRow): Decision => ({
  id: r.id,
  requestId: r.request_id,
  kind: r.kind,
  status: r.status,
  amountCents: r.amount_cents === null ? null : Number(r.amount_cents),
  instalments: r.instalments ?? null,
  firstDueDate: r.first_due_date ?? null,
  reasonCode: r.reason_code ?? null,
  comment: r.comment ?? null,
  adjournedUntil: r.adjourned_until ?? null,
  needsValidation: r.needs_validation,
  proposedBy: r.proposed_by,
  proposedByLabel: r.proposed_by_label,
  proposedAt: r.proposed_at,
  validatedBy: r.validated_by ?? null,
  validatedByLabel: r.validated_by_label ?? null,
  validatedAt: r.validated_at ?? null,
  validationComment: r.validation_comment ?? null,
  letterBlobId: r.letter_blob_id ?? null,
  fundId: r.fund_id ?? null,
  budgetOverrideReason: r.budget_override_reason ?? null,
});

/** Decisions of requests: a pending proposal at most per request (unique index), applied or returned. */
export class DecisionRepository {
  /** The validator's comment is an internal note of the association: encrypted at rest like the timeline's internal events. */
  constructor(private readonly cipher: FieldCipher | null = null) {}

  private read(r: DecisionRow): Decision {
    const d = toDecision(r);
    return this.cipher && d.validationComment !== null
      ? { ...d, validationComment: this.cipher.decrypt(d.validationComment, 'decisions.validation_comment') }
      : d;
  }

  private seal(comment: string | null): string | null {
    return this.cipher && comment !== null ? this.cipher.encrypt(comment, 'decisions.validation_comment') : comment;
  }

  async insert(db: Db, d: NewDecision, status: 'pending' | 'applied'): Promise<string> {
    const [row] = await db('decisions')
      .insert({
        request_id: d.requestId,
        kind: d.kind,
        status,
        amount_cents: d.amountCents,
        instalments: d.instalments,
        first_due_date: d.firstDueDate,
        reason_code: d.reasonCode,
        comment: d.comment,
        adjourned_until: d.adjournedUntil,
        needs_validation: d.needsValidation,
        proposed_by: d.proposedBy,
        proposed_by_label: d.proposedByLabel,
        proposed_at: d.proposedAt,
        fund_id: d.fundId,
        budget_override_reason: d.budgetOverrideReason,
      })
      .returning<{ id: string }[]>('id');
    return row!.id; // an insert returns its row
  }

  async pending(db: Db, requestId: string): Promise<Decision | null> {
    const row = await db<DecisionRow>('decisions').where({ request_id: requestId, status: 'pending' }).first();
    return row ? this.read(row) : null;
  }

  forRequestQuery(db: Db, requestId: string) {
    return db<DecisionRow>('decisions').where({ request_id: requestId }).orderBy('proposed_at', 'desc');
  }

  async forRequest(db: Db, requestId: string): Promise<Decision[]> {
    return (await this.forRequestQuery(db, requestId)).map((r) => this.read(r));
  }

  async find(db: Db, requestId: string, id: string): Promise<Decision | null> {
    if (!isUuid(id)) return null;
    const row = await db<DecisionRow>('decisions').where({ request_id: requestId, id }).first();
    return row ? this.read(row) : null;
  }

  /** The second person's validation (or the proposer's own decision below the threshold). */
  async markApplied(db: Db, id: string, validator: { userId: string; label: string } | null, comment: string | null, now: Date): Promise<void> {
    await db('decisions')
      .where({ id })
      .update({
        status: 'applied',
        validated_by: validator?.userId ?? null,
        validated_by_label: validator?.label ?? null,
        validated_at: validator ? now : null,
        validation_comment: this.seal(comment),
      });
  }

  async markReturned(db: Db, id: string, validator: { userId: string; label: string }, comment: string, now: Date): Promise<void> {
    await db('decisions')
      .where({ id, status: 'pending' })
      .update({
        status: 'returned',
        validated_by: validator.userId,
        validated_by_label: validator.label,
        validated_at: now,
        validation_comment: this.seal(comment),
      });
  }

  /** A withdrawn request leaves no proposal waiting. */
  async cancelPending(db: Db, requestId: string, reason: string, now: Date): Promise<void> {
    await db('decisions')
      .where({ request_id: requestId, status: 'pending' })
      .update({ status: 'returned', validated_at: now, validation_comment: this.seal(reason) });
  }

  async setLetter(db: Db, id: string, blobId: string): Promise<void> {
    await db('decisions').where({ id }).update({ letter_blob_id: blobId });
  }
}
