import { createHash } from 'node:crypto';
import type { Knex } from 'knex';

/** What knex's pg client hands to `_query`, and what node-pg's connection keeps of named statements. */
interface QueryObject {
  sql?: string;
  bindings?: unknown[];
  options?: Record<string, unknown>;
}
interface PgConnection {
  __knexTxId?: string;
  /** node-pg's protocol connection: the statements it believes prepared on the server */
  connection?: { parsedStatements?: Record<string, unknown>; submittedNamedStatements?: Record<string, unknown> };
  query(config: unknown, cb: (err: Error | null, res: unknown) => void): void;
}
type PgClientClass = new (config: Knex.Config) => {
  _query(connection: PgConnection, obj: QueryObject): Promise<QueryObject>;
};

// knex's own PostgreSQL client, which this one extends (knex takes a client class as `client`)
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ClientPG = require('knex/lib/dialects/postgres/index.js') as PgClientClass;

/** 0A000 cached plan must not change result type; 26000 prepared statement does not exist. */
const RETRIED = new Set(['0A000', '26000']);

/** Statements prepared per connection at most, by default (DATABASE_PREPARED_STATEMENTS). */
export const DEFAULT_PREPARED_STATEMENTS = 256;

/**
 * knex's PostgreSQL client, its statements with bindings named, so prepared once per connection:
 * PostgreSQL parses them once and, after five executions, may keep a generic plan instead of
 * planning each time (on a request page it spent more planning its statements than running them).
 *
 * - Only statements run outside a transaction are named (the pages' reads). If a newer version's
 *   migration changes a table under a prepared `select *` during a rolling deploy, PostgreSQL refuses
 *   the next execution ("cached plan must not change result type", 0A000): outside a transaction the
 *   connection forgets its statements and the statement runs again, unnamed — nobody sees the error;
 *   inside one it could not be run again, hence none is named there. The same when the server no
 *   longer has them (26000: DISCARD ALL, a pooler).
 * - At most `maxPerConnection` names per connection (a statement's name is a hash of its text; texts
 *   that vary, such as `in (…)` lists of different lengths, would otherwise grow without end); the
 *   others run unnamed, as before.
 * - A statement without bindings stays on node-pg's simple protocol (several statements at once, as
 *   migrations send them).
 * - DATABASE_PREPARED_STATEMENTS=0 turns it off (a connection pooler in transaction mode that does
 *   not carry prepared statements: PgBouncer before 1.21, or without max_prepared_statements).
 */
export function preparingPgClient(maxPerConnection: number): typeof Knex.Client {
  const named = new WeakMap<PgConnection, Set<string>>();
  class PreparingPgClient extends ClientPG {
    override async _query(connection: PgConnection, obj: QueryObject): Promise<QueryObject> {
      const name = this.nameFor(connection, obj);
      if (!name) return super._query(connection, obj);
      try {
        return await super._query(connection, { ...obj, options: { ...obj.options, name } });
      } catch (err) {
        if (!RETRIED.has((err as { code?: string }).code ?? '')) throw err;
        // "cached plan must not change result type": a table changed under a prepared `select *`
        // (a migration of a newer version); "prepared statement does not exist": the server forgot
        // them (DISCARD ALL, a pooler): forget this connection's statements, run it unnamed
        await this.forget(connection);
        return super._query(connection, obj);
      }
    }

    private nameFor(connection: PgConnection, obj: QueryObject): string | null {
      // without bindings node-pg uses the simple protocol (several statements allowed): left as is
      if (!obj.sql || !obj.bindings?.length || obj.options?.name || connection.__knexTxId) return null;
      const name = `k${createHash('sha1').update(obj.sql).digest('base64url').slice(0, 22)}`;
      let names = named.get(connection);
      if (!names) named.set(connection, (names = new Set()));
      if (names.has(name)) return name;
      if (names.size >= maxPerConnection) return null;
      names.add(name);
      return name;
    }

    private async forget(connection: PgConnection): Promise<void> {
      named.delete(connection);
      if (connection.connection) {
        connection.connection.parsedStatements = {};
        connection.connection.submittedNamedStatements = {};
      }
      await new Promise<void>((resolve, reject) => connection.query('deallocate all', (err) => (err ? reject(err) : resolve())));
    }
  }
  // knex's client type does not declare _query: the class is handed to knex as the client it is
  return PreparingPgClient as unknown as typeof Knex.Client;
}
