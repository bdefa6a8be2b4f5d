import { migrateLatest, migrateRollbackAll, pendingMigrations } from '../../src/db/migrations';
import { createTestDatabase } from '../support/database';
import type { Database } from '../../src/db/database';
import { insertOrganisation } from '../factories/organisation';

let db: Database;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.close());

describe('migrations', () => {
  it('are all applied in the template, then go down and up again cleanly', async () => {
    expect(await pendingMigrations(db.knex)).toEqual([]);
    await migrateRollbackAll(db.knex);
    expect(await db.knex.schema.hasTable('users')).toBe(false);
    expect((await pendingMigrations(db.knex)).length).toBeGreaterThan(0);
    await migrateLatest(db.knex);
    expect(await pendingMigrations(db.knex)).toEqual([]);
    expect(await db.knex.schema.hasTable('audit_events')).toBe(true);
  });
});

describe('audit trail storage', () => {
  it('is append-only: the database refuses UPDATE, DELETE and TRUNCATE', async () => {
    const org = await insertOrganisation(db.knex);
    await db.knex('audit_events').insert({ actor_label: 'Test', entity_type: 'organisation', entity_id: org.id, action: 'organisation.created' });
    await expect(db.knex('audit_events').update({ action: 'forged' })).rejects.toThrow(/append-only/);
    await expect(db.knex('audit_events').delete()).rejects.toThrow(/append-only/);
    await expect(db.knex.raw('truncate audit_events')).rejects.toThrow(/append-only/);
    expect(Number((await db.knex('audit_events').count('* as n'))[0]?.n)).toBe(1);
  });
});

describe('constraints', () => {
  it('refuses a user whose agency belongs to another organisation', async () => {
    const a = await insertOrganisation(db.knex);
    const b = await insertOrganisation(db.knex);
    const [agency] = await db.knex('agencies').insert({ organisation_id: a.id, name: 'Agence A' }).returning('id');
    await expect(
      db.knex('users').insert({
        organisation_id: b.id,
        agency_id: (agency as { id: string }).id,
        role: 'landlord_instructor',
        email: 'x@b.fr',
        first_name: 'X',
        last_name: 'Y',
      }),
    ).rejects.toMatchObject({ code: '23503' });
  });

  it('refuses two accounts with the same e-mail in different case', async () => {
    const a = await insertOrganisation(db.knex);
    await db.knex('users').insert({ organisation_id: a.id, role: 'landlord_admin', email: 'Meme@exemple.fr', first_name: 'A', last_name: 'B' });
    await expect(
      db.knex('users').insert({ organisation_id: a.id, role: 'landlord_admin', email: 'meme@EXEMPLE.fr', first_name: 'A', last_name: 'B' }),
    ).rejects.toMatchObject({ code: '23505' });
  });
});
