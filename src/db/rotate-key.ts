import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { EncryptedField, FieldCipher } from '../shared/field-cipher';

interface EncryptedColumn {
  column: string;
  field: EncryptedField;
  /** The keyed hash column kept next to it, for the lookups. */
  hash?: string;
}

interface EncryptedTable {
  table: string;
  idType: 'uuid' | 'bigint';
  columns: EncryptedColumn[];
  /** Only these rows hold an encrypted value (the internal events of a request's timeline). */
  only?: (q: Knex.QueryBuilder) => void;
  /** The table's trigger lets the value change only inside a declared re-encryption (migration 059). */
  declareReencryption?: boolean;
}

/** Every column stored encrypted, as the repositories write them. */
export const ENCRYPTED_TABLES: readonly EncryptedTable[] = [
  { table: 'aid_requests', idType: 'uuid', columns: [{ column: 'payee_iban', field: 'aid_requests.payee_iban', hash: 'payee_iban_hash' }] },
  { table: 'payments', idType: 'uuid', columns: [{ column: 'payee_iban', field: 'payments.payee_iban' }] },
  { table: 'bank_accounts', idType: 'uuid', columns: [{ column: 'iban', field: 'bank_accounts.iban', hash: 'iban_hash' }] },
  { table: 'debtor_accounts', idType: 'uuid', columns: [{ column: 'iban', field: 'debtor_accounts.iban', hash: 'iban_hash' }] },
  { table: 'payment_batch_items', idType: 'uuid', columns: [{ column: 'iban', field: 'payment_batch_items.iban' }], declareReencryption: true },
  { table: 'users', idType: 'uuid', columns: [{ column: 'totp_secret', field: 'users.totp_secret' }] },
  {
    table: 'mission_sessions',
    idType: 'uuid',
    columns: [
      { column: 'summary', field: 'mission_sessions.summary' },
      { column: 'private_notes', field: 'mission_sessions.private_notes' },
    ],
  },
  {
    table: 'request_events',
    idType: 'bigint',
    columns: [{ column: 'message', field: 'request_events.message' }],
    only: (q) => q.where('visibility', 'internal'),
  },
  { table: 'decisions', idType: 'uuid', columns: [{ column: 'validation_comment', field: 'decisions.validation_comment' }] },
  { table: 'assistance_events', idType: 'uuid', columns: [{ column: 'message', field: 'assistance_events.message' }] },
];

export interface RotationCount {
  table: string;
  /** Rows rewritten: encrypted for the first time, re-encrypted under the current key, or given their missing hash. */
  rewritten: number;
  /** Rows changed by the application between the read and the write: left as the application wrote them (already current). */
  skipped: number;
}

/**
 * Brings every encrypted column to the current key: encrypts the plaintext values (rows written
 * before encryption, or inserted by hand), re-encrypts the values under an older key, and writes
 * the missing or older keyed hashes. The application keeps running meanwhile: every key stays
 * readable, each batch is its own short transaction, and a row is written only if it still holds
 * the value that was read (otherwise the application has just rewritten it under the current key).
 * Interrupted, it resumes where it stopped; run again, it finds nothing to do.
 */
export async function rotateKeys(
  knex: Knex,
  cipher: FieldCipher,
  options: { batchSize?: number; onBatch?: (table: string, rewrittenSoFar: number) => void } = {},
): Promise<RotationCount[]> {
  const batchSize = options.batchSize ?? 500;
  const counts: RotationCount[] = [];
  for (const t of ENCRYPTED_TABLES) {
    const count = { table: t.table, rewritten: 0, skipped: 0 };
    let after: string | null = null;
    for (;;) {
      const last: string | null = await knex.transaction(async (trx) => {
        const rows = await pendingRows(trx, t, cipher.keyId, after, batchSize);
        if (rows.length === 0) return null;
        if (t.declareReencryption) await trx.raw("select set_config('entraide.reencrypting', 'on', true)");
        const written = await rewrite(
          trx,
          t,
          rows.map((r) => sealRow(cipher, t, r)),
        );
        count.rewritten += written;
        count.skipped += rows.length - written;
        return rows.length < batchSize ? null : String(rows[rows.length - 1]?.id);
      });
      options.onBatch?.(t.table, count.rewritten);
      if (last === null) break;
      after = last;
    }
    counts.push(count);
  }
  counts.push(await rotateBlobs(knex, cipher, Math.max(1, Math.min(batchSize, 20)), options.onBatch));
  return counts;
}

/**
 * The stored files (table blobs: up to 20 MB each, so a few per transaction): encrypts those in
 * clear and re-encrypts those under an older key, checking each file's SHA-256 on the way; a file
 * replaced meanwhile is left as the application wrote it.
 */
async function rotateBlobs(
  knex: Knex,
  cipher: FieldCipher,
  batchSize: number,
  onBatch?: (table: string, rewrittenSoFar: number) => void,
): Promise<RotationCount> {
  const count = { table: 'blobs', rewritten: 0, skipped: 0 };
  const prefix = cipher.currentBlobPrefix;
  let after: string | null = null;
  for (;;) {
    const last: string | null = await knex.transaction(async (trx) => {
      const q = trx('blobs')
        .select('id', 'sha256', 'data')
        .whereRaw('substring(data from 1 for ?) <> ?', [prefix.length, prefix])
        .orderBy('id')
        .limit(batchSize);
      if (after !== null) q.where('id', '>', after);
      const rows = (await q) as Array<{ id: string; sha256: string; data: Buffer }>;
      for (const row of rows) {
        const stored = Buffer.from(row.data);
        const plain = cipher.decryptBytes(stored, row.sha256);
        if (createHash('sha256').update(plain).digest('hex') !== row.sha256)
          throw new Error(`blobs ${row.id}: the file no longer matches its SHA-256: left as it is, to be examined`);
        const written = await trx('blobs')
          .where({ id: row.id })
          .where('data', stored)
          .update({ data: cipher.encryptBytes(plain, row.sha256) });
        if (written === 1) count.rewritten += 1;
        else count.skipped += 1;
      }
      return rows.length < batchSize ? null : (rows[rows.length - 1]?.id ?? null);
    });
    onBatch?.('blobs', count.rewritten);
    if (last === null) break;
    after = last;
  }
  return count;
}

/** The next rows (by id) holding a value or a hash not under the current key. */
function pendingRows(trx: Knex.Transaction, t: EncryptedTable, keyId: string, after: string | null, limit: number): Promise<Array<Record<string, unknown>>> {
  const current = `enc:v1:${keyId}:%`; // key ids are [a-z0-9]: nothing to escape in the pattern
  const q = trx(t.table)
    .select('id', ...t.columns.flatMap((c) => (c.hash ? [c.column, c.hash] : [c.column])))
    .where((w) => {
      for (const c of t.columns) {
        w.orWhere((x) => x.whereNotNull(c.column).whereNot(c.column, 'like', current));
        if (c.hash) w.orWhere((x) => x.whereNotNull(c.column).where((h) => h.whereNull(c.hash as string).orWhereNot(c.hash as string, 'like', `${keyId}:%`)));
      }
    })
    .orderBy('id')
    .limit(limit);
  if (t.only) t.only(q);
  if (after !== null) q.where('id', '>', after);
  return q;
}

/** A row's new values (unchanged columns keep theirs), with what was read to guard the write. */
function sealRow(cipher: FieldCipher, t: EncryptedTable, row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { id: String(row.id) };
  for (const c of t.columns) {
    const value = row[c.column] as string | null;
    out[`old_${c.column}`] = value;
    out[c.column] = value;
    if (c.hash) out[c.hash] = row[c.hash] ?? null;
    if (value === null || value === undefined) continue;
    const plain = cipher.decrypt(value, c.field);
    if (cipher.needsRotation(value)) {
      const sealed = cipher.encrypt(plain, c.field);
      if (cipher.decrypt(sealed, c.field) !== plain) throw new Error(`${c.field}: re-encryption check failed`);
      out[c.column] = sealed;
    }
    if (c.hash) out[c.hash] = cipher.blindIndex(plain);
  }
  return out;
}

/** One statement per batch: the new values joined by id, each row written only if unchanged since it was read. */
async function rewrite(trx: Knex.Transaction, t: EncryptedTable, rows: Array<Record<string, unknown>>): Promise<number> {
  const names = ['id', ...t.columns.flatMap((c) => (c.hash ? [`old_${c.column}`, c.column, c.hash] : [`old_${c.column}`, c.column]))];
  const sets = t.columns
    .flatMap((c) => (c.hash ? [c.column, c.hash] : [c.column]))
    .map((n) => `${n} = v.${n}`)
    .join(', ');
  const guards = t.columns.map((c) => `t.${c.column} is not distinct from v.old_${c.column}`).join(' and ');
  const result = await trx.raw<{ rows?: unknown[]; rowCount?: number }>(
    `update ${t.table} as t set ${sets}
       from jsonb_to_recordset(?::jsonb) as v(${names.map((n) => `${n} text`).join(', ')})
      where t.id = v.id::${t.idType} and ${guards}
      returning t.id`,
    [JSON.stringify(rows)],
  );
  return (result.rows ?? []).length;
}
