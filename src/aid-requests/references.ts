import type { Db } from '../db/types';

/**
 * The next request reference of a year ("2026-00042"), taken inside the caller's transaction:
 * the row stays locked until commit, so concurrent submissions wait in turn, and a rolled-back
 * transaction gives its number back (no gaps).
 */
export async function nextRequestReference(trx: Db, year: number): Promise<string> {
  const result = await trx.raw<{ rows: Array<{ last_number: number }> }>(
    `insert into request_sequences (year, last_number) values (?, 1)
     on conflict (year) do update set last_number = request_sequences.last_number + 1
     returning last_number`,
    [year],
  );
  const n = result.rows[0]?.last_number;
  if (!n) throw new Error('no request number');
  return `${year}-${String(n).padStart(5, '0')}`;
}
