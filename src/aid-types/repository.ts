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

/** A row of aid_types (the threshold is a bigint, so a string; payees a text[]). */
interface AidTypeRow {
  id: string;
  code: string;
  label: string;
  description: string;
  payees: PayeeKind[];
  group_code: string | null;
  validation_threshold_cents: string | null;
  status: AidType['status'];
  version: number;
  created_at: Date;
  updated_at: Date;
}

/** A row of aid_type_versions (dates as 'YYYY-MM-DD', rules parsed from jsonb). */
export interface AidTypeVersionRow {
  id: string;
  aid_type_id: string;
  number: number;
  effective_from: string;
  effective_to: string | null;
  rules: Rules;
  notes: string;
  created_by: string | null;
  created_at: Date;
}

const toType = (r: AidTypeRow): AidType => ({
  id: r.id,
  code: r.code,
  label: r.label,
  description: r.description,
  payees: r.payees,
  groupCode: r.group_code ?? null,
  validationThresholdCents: r.validation_threshold_cents === null || r.validation_threshold_cents === undefined ? null : Number(r.validation_threshold_cents),
  status: r.status,
  version: r.version,
  updatedAt: r.updated_at,
});

export const toVersion = (r: AidTypeVersionRow): AidTypeVersion => ({
  id: r.id,
  aidTypeId: r.aid_type_id,
  number: r.number,
  effectiveFrom: r.effective_from,
  effectiveTo: r.effective_to ?? null,
  rules: r.rules,
  notes: r.notes,
  createdAt: r.created_at,
});

const columns = (f: AidTypeFields) => ({
  code: f.code,
  label: f.label,
  description: f.description,
  payees: f.payees,
  group_code: f.groupCode,
  validation_threshold_cents: f.validationThresholdCents,
  status: f.status,
});

/** The aid catalogue: not tenant data (the association's), read by every role that files or instructs. */
export class AidTypeRepository {
  async list(db: Db): Promise<Array<AidType & { current: AidTypeVersion | null; versionCount: number }>> {
    const types = (await db<AidTypeRow>('aid_types').orderBy('code')).map(toType);
    const versions = (await db<AidTypeVersionRow>('aid_type_versions').orderBy(['aid_type_id', 'number'])).map(toVersion);
    return types.map((t) => {
      const own = versions.filter((v) => v.aidTypeId === t.id);
      return { ...t, current: own[own.length - 1] ?? null, versionCount: own.length };
    });
  }

  /** The types alone, without their versions (filter options). */
  async types(db: Db): Promise<AidType[]> {
    return (await db<AidTypeRow>('aid_types').orderBy('code')).map(toType);
  }

  async findById(db: Db, id: string): Promise<AidType | null> {
    if (!isUuid(id)) return null;
    const row = await db<AidTypeRow>('aid_types').where({ id }).first();
    return row ? toType(row) : null;
  }

  async codeTaken(db: Db, code: string): Promise<boolean> {
    return Boolean(await db('aid_types').whereRaw('upper(code) = upper(?)', [code]).first('id'));
  }

  async insert(db: Db, f: AidTypeFields, now: Date): Promise<string> {
    const [row] = await db('aid_types')
      .insert({ ...columns(f), created_at: now, updated_at: now })
      .returning<{ id: string }[]>('id');
    return row!.id; // an insert returns its row
  }

  async update(db: Db, id: string, version: number, f: AidTypeFields, now: Date): Promise<boolean> {
    return (
      (await db('aid_types')
        .where({ id, version })
        .update({ ...columns(f), version: version + 1, updated_at: now })) === 1
    );
  }

  versionByIdQuery(db: Db, aidTypeId: string, id: string) {
    return db<AidTypeVersionRow>('aid_type_versions').where({ aid_type_id: aidTypeId, id }).limit(1);
  }

  async versionById(db: Db, aidTypeId: string, id: string): Promise<AidTypeVersion | null> {
    const [row] = await this.versionByIdQuery(db, aidTypeId, id);
    return row ? toVersion(row) : null;
  }

  async versions(db: Db, aidTypeId: string): Promise<AidTypeVersion[]> {
    return (await db<AidTypeVersionRow>('aid_type_versions').where({ aid_type_id: aidTypeId }).orderBy('number', 'desc')).map(toVersion);
  }

  /** The version in force on a date, if any. */
  async versionOn(db: Db, aidTypeId: string, date: string): Promise<AidTypeVersion | null> {
    const row = await db<AidTypeVersionRow>('aid_type_versions')
      .where({ aid_type_id: aidTypeId })
      .where('effective_from', '<=', date)
      .andWhere((w) => w.whereNull('effective_to').orWhere('effective_to', '>=', date))
      .orderBy('effective_from', 'desc')
      .first();
    return row ? toVersion(row) : null;
  }

  async insertVersion(
    db: Db,
    v: { aidTypeId: string; number: number; effectiveFrom: string; rules: Rules; notes: string; createdBy: string | null },
    now: Date,
  ): Promise<string> {
    const [row] = await db('aid_type_versions')
      .insert({
        aid_type_id: v.aidTypeId,
        number: v.number,
        effective_from: v.effectiveFrom,
        rules: JSON.stringify(v.rules),
        notes: v.notes,
        created_by: v.createdBy,
        created_at: now,
      })
      .returning<{ id: string }[]>('id');
    return row!.id; // an insert returns its row
  }

  /** Ends the open version the day before the next one starts (the only change a version accepts). */
  async closeOpenVersion(db: Db, aidTypeId: string, effectiveTo: string): Promise<void> {
    await db('aid_type_versions').where({ aid_type_id: aidTypeId }).whereNull('effective_to').update({ effective_to: effectiveTo });
  }
}
