import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createTestDatabase } from '../support/database';
import type { Database } from '../../src/db/database';

/** ASVS 2.5.4: no shared or default account — a migrated database holds no user; only the demo seed makes logins. */
let db: Database;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.close());

describe('a freshly migrated database', () => {
  it('holds no user and no password', async () => {
    expect(Number((await db.knex('users').count('* as n'))[0]?.n)).toBe(0);
    expect(Number((await db.knex('password_tokens').count('* as n'))[0]?.n)).toBe(0);
  });

  it('is made by migrations none of which writes a user', () => {
    const dir = path.resolve(__dirname, '../../migrations');
    const writers = readdirSync(dir).filter(
      (f) =>
        /(insert|into)\W+\(?\s*['"`]?users['"`]?/i.test(readFileSync(path.join(dir, f), 'utf8')) ||
        /knex\(\s*['"]users['"]\s*\)\s*\.insert/.test(readFileSync(path.join(dir, f), 'utf8')),
    );
    expect(writers).toEqual([]);
  });
});
