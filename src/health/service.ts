import type { Knex } from 'knex';
import { pendingMigrations } from '../db/migrations';

export interface Readiness {
  ready: boolean;
  database: 'ok' | 'unreachable';
  pendingMigrations: number;
}

export class HealthService {
  constructor(private readonly knex: Knex) {}

  /** Ready when the database answers and every migration of this code is applied. */
  async readiness(): Promise<Readiness> {
    try {
      await this.knex.raw('select 1');
    } catch {
      return { ready: false, database: 'unreachable', pendingMigrations: -1 };
    }
    const pending = (await pendingMigrations(this.knex)).length;
    return { ready: pending === 0, database: 'ok', pendingMigrations: pending };
  }
}
