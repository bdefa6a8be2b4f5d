import type { Knex } from 'knex';
import { ConfigError, loadConfig } from '../../src/config';
import { type Database, openDatabase } from '../../src/db/database';
import { DEFAULT_PREPARED_STATEMENTS } from '../../src/db/prepared-statements';
import { createTestDatabase, onPostgres } from '../support/database';

/**
 * On PostgreSQL the statements with bindings run outside a transaction are prepared once per
 * connection (src/db/prepared-statements.ts). PGlite has no such client: there the same reads must
 * give the same answers and nothing is prepared; CI runs this file on PostgreSQL too, where the
 * prepared statements are read from pg_prepared_statements.
 */
describe('DATABASE_PREPARED_STATEMENTS', () => {
  const env = { NODE_ENV: 'test', SESSION_SECRET: 'test-secret-test-secret-test-secret-0123456789', DATABASE_URL: 'postgres://db.example/entraide' };
  const database = (extra: Record<string, string>) => loadConfig({ ...env, ...extra }).database as { preparedStatements: number };

  it(`prepares up to ${DEFAULT_PREPARED_STATEMENTS} statements per connection by default, none with 0`, () => {
    expect(database({}).preparedStatements).toBe(DEFAULT_PREPARED_STATEMENTS);
    expect(database({ DATABASE_PREPARED_STATEMENTS: '0' }).preparedStatements).toBe(0);
    expect(database({ DATABASE_PREPARED_STATEMENTS: '40' }).preparedStatements).toBe(40);
  });

  it('refuses a value that is not a count, in French', () => {
    for (const bad of ['-1', 'beaucoup', '1.5', '100000']) {
      expect(() => database({ DATABASE_PREPARED_STATEMENTS: bad })).toThrow(ConfigError);
    }
  });
});

describe(`prepared statements (${onPostgres() ? 'PostgreSQL' : 'PGlite: none, the same answers'})`, () => {
  let base: Database;
  const opened: Database[] = [];
  /** A pool of one connection on the test database (on PGlite: the test database itself). */
  const open = (preparedStatements?: number): Knex => {
    if (!onPostgres()) return base.knex;
    const db = openDatabase({ kind: 'postgres', url: base.url as string, poolMax: 1, ...(preparedStatements === undefined ? {} : { preparedStatements }) });
    opened.push(db);
    return db.knex;
  };
  /** The statements prepared on the pool's one connection (this read has no binding: never prepared itself). */
  const preparedOn = async (knex: Knex): Promise<string[]> =>
    (await knex.raw<{ rows: Array<{ statement: string }> }>('select statement from pg_prepared_statements order by prepare_time')).rows.map((r) => r.statement);
  /** What PostgreSQL has prepared; nothing on PGlite. */
  const onServer = (statements: string[]): string[] => (onPostgres() ? statements : []);

  beforeAll(async () => {
    base = await createTestDatabase();
    await base.knex.raw('create table prep_probe (id int primary key, label text)');
    await base.knex('prep_probe').insert([
      { id: 1, label: 'un' },
      { id: 2, label: 'deux' },
    ]);
  });
  afterAll(async () => {
    for (const db of opened) await db.close();
    await base.close();
  });

  it('prepares a read with bindings once and answers as an unprepared one', async () => {
    const knex = open();
    const plain = open(0);
    for (let i = 0; i < 3; i++) {
      expect(await knex('prep_probe').where('id', 2).first()).toEqual({ id: 2, label: 'deux' });
      expect(await plain('prep_probe').where('id', 2).first()).toEqual({ id: 2, label: 'deux' });
    }
    expect(await preparedOn(knex)).toEqual(onServer(['select * from "prep_probe" where "id" = $1 limit $2']));
    expect(await preparedOn(plain)).toEqual([]);
  });

  it('leaves as written the statements of a transaction and those without bindings', async () => {
    const knex = open();
    await knex.transaction(async (trx) => {
      expect(await trx('prep_probe').where('label', 'un').select('id')).toEqual([{ id: 1 }]);
      await trx('prep_probe').where('id', 1).update({ label: 'un' });
    });
    expect(await knex.raw('select count(*)::int as n from prep_probe')).toMatchObject({ rows: [{ n: 2 }] });
    expect(await preparedOn(knex)).toEqual([]);
  });

  it('prepares at most the set number per connection; the others run as written', async () => {
    const knex = open(2);
    expect(await knex('prep_probe').where('id', 1).select('label')).toEqual([{ label: 'un' }]);
    expect(await knex('prep_probe').where('label', 'deux').select('id')).toEqual([{ id: 2 }]);
    expect(await knex('prep_probe').whereIn('id', [1, 2]).orderBy('id').select('id')).toEqual([{ id: 1 }, { id: 2 }]);
    expect(await knex('prep_probe').where('id', 1).select('label')).toEqual([{ label: 'un' }]);
    expect(await preparedOn(knex)).toEqual(onServer(['select "label" from "prep_probe" where "id" = $1', 'select "id" from "prep_probe" where "label" = $1']));
  });

  it('a table changed under a prepared select * (a newer version’s migration) is read again, unprepared, without an error', async () => {
    const knex = open();
    const read = () => knex('prep_probe').where('id', 1).select('*');
    expect(await read()).toEqual([{ id: 1, label: 'un' }]);
    expect(await read()).toEqual([{ id: 1, label: 'un' }]);
    // another process migrates: PostgreSQL refuses the old plan's result type ("cached plan must not change result type")
    await base.knex.raw('alter table prep_probe add column note text');
    expect(await read()).toEqual([{ id: 1, label: 'un', note: null }]);
    // the connection forgot what it had prepared, and prepares the statement again on its next run
    expect(await preparedOn(knex)).toEqual([]);
    expect(await read()).toEqual([{ id: 1, label: 'un', note: null }]);
    expect(await preparedOn(knex)).toEqual(onServer(['select * from "prep_probe" where "id" = $1']));
  });

  it('statements the server no longer has (DISCARD ALL, a pooler) are prepared again, without an error', async () => {
    const knex = open();
    const read = () => knex('prep_probe').where('label', 'deux').select('id');
    expect(await read()).toEqual([{ id: 2 }]);
    await knex.raw('deallocate all');
    expect(await read()).toEqual([{ id: 2 }]);
    expect(await read()).toEqual([{ id: 2 }]);
    expect(await preparedOn(knex)).toEqual(onServer(['select "id" from "prep_probe" where "label" = $1']));
  });
});
