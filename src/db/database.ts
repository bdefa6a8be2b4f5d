import { PGlite, types as pgliteTypes } from '@electric-sql/pglite';
import knexFactory, { type Knex } from 'knex';
import ClientPGLite from 'knex-pglite';
import pg from 'pg';
import { DEFAULT_PREPARED_STATEMENTS, preparingPgClient } from './prepared-statements';

/** PostgreSQL type oids we parse the same way on both drivers. */
const OID = { INT8: 20, NUMERIC: 1700, DATE: 1082 } as const;

// node-pg: bigint and numeric stay strings (exact money); dates stay 'YYYY-MM-DD' (no timezone shift).
pg.types.setTypeParser(OID.DATE, (v: string) => v);

export type DatabaseKind = 'postgres' | 'pglite';

export interface Database {
  readonly knex: Knex;
  readonly kind: DatabaseKind;
  /** The embedded instance, when kind is 'pglite' (tests dump it as a template). */
  readonly pglite?: PGlite;
  /** The server's address, when kind is 'postgres' (backups run pg_dump on it). */
  readonly url?: string;
  close(): Promise<void>;
}

export type DatabaseOptions =
  | {
      kind: 'postgres';
      url: string;
      poolMax?: number;
      /** Statements prepared per connection at most (DEFAULT_PREPARED_STATEMENTS; 0: none, every statement parsed and planned each time). */
      preparedStatements?: number;
    }
  | { kind: 'pglite'; dir?: string; loadDataDir?: Blob };

const identity = (v: string): string => v;

/** The PGlite parsers that make it answer like node-pg. */
export const pgliteParsers = {
  [pgliteTypes.INT8]: identity,
  [pgliteTypes.NUMERIC]: identity,
  [pgliteTypes.DATE]: identity,
};

export function createPglite(options: { dir?: string; loadDataDir?: Blob }): PGlite {
  return new PGlite({ dataDir: options.dir, loadDataDir: options.loadDataDir, parsers: pgliteParsers });
}

/** One knex instance on PostgreSQL (pool) or on an embedded PGlite (one connection). */
export function openDatabase(options: DatabaseOptions): Database {
  if (options.kind === 'postgres') {
    const prepared = options.preparedStatements ?? DEFAULT_PREPARED_STATEMENTS;
    const knex = knexFactory({
      client: prepared > 0 ? preparingPgClient(prepared) : 'pg',
      connection: options.url,
      pool: { min: 0, max: options.poolMax ?? 10 },
      acquireConnectionTimeout: 15000,
    });
    return { knex, kind: 'postgres', url: options.url, close: () => knex.destroy() };
  }
  const pglite = createPglite(options);
  const knex = knexFactory({
    client: ClientPGLite,
    connection: { pglite } as unknown as Knex.StaticConnectionConfig,
    acquireConnectionTimeout: 15000,
  });
  return {
    knex,
    kind: 'pglite',
    pglite,
    close: async () => {
      await knex.destroy();
      if (!pglite.closed) await pglite.close();
    },
  };
}
