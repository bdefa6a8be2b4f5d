import { nextRequestReference } from '../../src/aid-requests/references';
import type { Database } from '../../src/db/database';
import { createTestDatabase, onPostgres } from '../support/database';

let db: Database;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.close());

describe(`request references (${onPostgres() ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('are 2026-00001, 2026-00002… per year, starting again each year', async () => {
    expect(await db.knex.transaction((trx) => nextRequestReference(trx, 2026))).toBe('2026-00001');
    expect(await db.knex.transaction((trx) => nextRequestReference(trx, 2026))).toBe('2026-00002');
    expect(await db.knex.transaction((trx) => nextRequestReference(trx, 2027))).toBe('2027-00001');
  });

  it('a rolled-back transaction leaves no gap', async () => {
    await expect(
      db.knex.transaction(async (trx) => {
        await nextRequestReference(trx, 2030);
        throw new Error('submission failed');
      }),
    ).rejects.toThrow('submission failed');
    expect(await db.knex.transaction((trx) => nextRequestReference(trx, 2030))).toBe('2030-00001');
  });

  it('twenty concurrent submissions get twenty different numbers, without gaps', async () => {
    const refs = await Promise.all(Array.from({ length: 20 }, () => db.knex.transaction((trx) => nextRequestReference(trx, 2031))));
    expect([...refs].sort()).toEqual(Array.from({ length: 20 }, (_, i) => `2031-${String(i + 1).padStart(5, '0')}`));
  });
});
