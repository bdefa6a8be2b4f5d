import type { Knex } from 'knex';

interface TarnPool {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
}

/** The PostgreSQL pool's connections by state; null on PGlite (one connection, no pool). */
export function poolUse(knex: Knex): { used: number; free: number; pending: number } | null {
  const pool = (knex.client as { pool?: Partial<TarnPool> }).pool;
  if (!pool?.numUsed || !pool.numFree || !pool.numPendingAcquires) return null;
  return { used: pool.numUsed(), free: pool.numFree(), pending: pool.numPendingAcquires() };
}
