import type { Db } from '../db/types';
import { isUuid } from '../db/types';
import type { PayeeKind, Rules } from './rules';

export interface AidType {
  id: string;
  code: string;
  label: string;
  description: string;
  payees: PayeeKind[];
  groupCode: string | null;
  /** Above this amount, a decision needs a second person's validation (null: one level). */
  validationThresholdCents: number | null;
  status: 'active' | 'archived';
  version: number;
  updatedAt: Date;
}

export interface AidTypeVersion {
  id: string;
  aidTypeId: string;
  number: number;
  effectiveFrom: string;
  effectiveTo: string | null;
  rules: Rules;
  notes: string;
  createdAt: Date;
}

export type AidTypeFields = Omit<AidType, 'id' | 'version' | 'updatedAt'>;

const toType = (r: Record<string, unknown>): AidType => ({
  id: r.id as string,
  code: r.code as string,
  label: r.label as string,
  description: r.description as string,
  payees: r.payees as PayeeKind[],
  groupCode: (r.group_code as string | null) ?? null,
  validationThresholdCents: r.validation_threshold_cents === null || r.validation_threshold_cents === undefined ? null : Number(r.validation_threshold_cents),
  status: r.status as AidType['status'],
  version: r.version as number,
  updatedAt: r.updated_at as Date,
});

export const toVersion = (r: Record<string, unknown>): AidTypeVersion => ({
  id: r.id as string,
  aidTypeId: r.aid_type_id as string,
  number: r.number as number,
  effectiveFrom: r.effective_from as string,
  effectiveTo: (r.effective_to as string | null) ?? null,
  rules: r.rules as Rules,
  notes: r.notes as string,
  createdAt: r.created_at as Date,
});

const columns = (f: AidTypeFields) => ({ code: f.code, label: f.label, description: f.description, payees: f.payees, group_code: f.groupCode, validation_threshold_cents: f.validationThresholdCents, status: f.status });

/** The aid catalogue: not tenant data (the association's), read by every role that files or instructs. */
export class AidTypeRepository {
  async list(db: Db): Promise<Array<AidType & { current: AidTypeVersion | null; versionCount: number }>> {
    const types = (await db('aid_types').orderBy('code')).map(toType);
    const versions = (await db('aid_type_versions').orderBy(['aid_type_id', 'number'])).map(toVersion);
    return types.map((t) => {
      const own = versions.filter((v) => v.aidTypeId === t.id);
      return { ...t, current: own[own.length - 1] ?? null, versionCount: own.length };
    });
  }

  /** The types alone, without their versions (filter options). */
  async types(db: Db): Promise<AidType[]> {
    return (await db('aid_types').orderBy('code')).map(toType);
  }

  async findById(db: Db, id: string): Promise<AidType | null> {
    if (!isUuid(id)) return null;
    const row = await db('aid_types').where({ id }).first();
    return row ? toType(row) : null;
  }

  async codeTaken(db: Db, code: string): Promise<boolean> {
    return Boolean(await db('aid_types').whereRaw('upper(code) = upper(?)', [code]).first('id'));
  }

  async insert(db: Db, f: AidTypeFields, now: Date): Promise<string> {
    const [row] = await db('aid_types').insert({ ...columns(f), created_at: now, updated_at: now }).returning('id');
    return (row as { id: string }).id;
  }

  async update(db: Db, id: string, version: number, f: AidTypeFields, now: Date): Promise<boolean> {
    return (await db('aid_types').where({ id, version }).update({ ...columns(f), version: version + 1, updated_at: now })) === 1;
  }

  versionByIdQuery(db: Db, aidTypeId: string, id: string) {
    return db('aid_type_versions').where({ aid_type_id: aidTypeId, id }).limit(1);
  }

  async versionById(db: Db, aidTypeId: string, id: string): Promise<AidTypeVersion | null> {
    const [row] = await this.versionByIdQuery(db, aidTypeId, id);
    return row ? toVersion(row) : null;
  }

  async versions(db: Db, aidTypeId: string): Promise<AidTypeVersion[]> {
    return (await db('aid_type_versions').where({ aid_type_id: aidTypeId }).orderBy('number', 'desc')).map(toVersion);
  }

  /** The version in force on a date, if any. */
  async versionOn(db: Db, aidTypeId: string, date: string): Promise<AidTypeVersion | null> {
    const row = await db('aid_type_versions')
      .where({ aid_type_id: aidTypeId })
      .where('effective_from', '<=', date)
      .andWhere((w) => w.whereNull('effective_to').orWhere('effective_to', '>=', date))
      .orderBy('effective_from', 'desc')
      .first();
    return row ? toVersion(row) : null;
  }

  async insertVersion(db: Db, v: { aidTypeId: string; number: number; effectiveFrom: string; rules: Rules; notes: string; createdBy: string | null }, now: Date): Promise<string> {
    const [row] = await db('aid_type_versions')
      .insert({ aid_type_id: v.aidTypeId, number: v.number, effective_from: v.effectiveFrom, rules: JSON.stringify(v.rules), notes: v.notes, created_by: v.createdBy, created_at: now })
      .returning('id');
    return (row as { id: string }).id;
  }

  /** Ends the open version the day before the next one starts (the only change a version accepts). */
  async closeOpenVersion(db: Db, aidTypeId: string, effectiveTo: string): Promise<void> {
    await db('aid_type_versions').where({ aid_type_id: aidTypeId }).whereNull('effective_to').update({ effective_to: effectiveTo });
  }
}
