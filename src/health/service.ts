import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { pendingMigrations } from '../db/migrations';

export interface DiskSpace {
  /** free megabytes for this process's user where the folder lives, null when the folder cannot be read */
  freeMb: number | null;
  ok: boolean;
}

export interface Readiness {
  ready: boolean;
  database: 'ok' | 'unreachable';
  pendingMigrations: number;
  /** the data folder (embedded database, exports) and the backups' folder */
  disk: { data: DiskSpace; backups: DiskSpace };
}

/** Free space of the file system holding a folder (the nearest existing parent when it is not created yet). */
function freeMbOf(folder: string): number | null {
  let dir = path.resolve(folder);
  while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  try {
    const s = fs.statfsSync(dir);
    return Math.floor((Number(s.bavail) * Number(s.bsize)) / 1_048_576);
  } catch {
    return null;
  }
}

export class HealthService {
  constructor(
    private readonly knex: Knex,
    private readonly folders: { data: string; backups: string; minFreeMb: number } | null = null,
  ) {}

  /** Ready when the database answers, every migration of this code is applied and the data and backup folders have room left. */
  async readiness(): Promise<Readiness> {
    const disk = this.disk();
    const diskOk = disk.data.ok && disk.backups.ok;
    try {
      await this.knex.raw('select 1');
    } catch {
      return { ready: false, database: 'unreachable', pendingMigrations: -1, disk };
    }
    const pending = (await pendingMigrations(this.knex)).length;
    return { ready: pending === 0 && diskOk, database: 'ok', pendingMigrations: pending, disk };
  }

  private disk(): Readiness['disk'] {
    const check = (folder: string | undefined): DiskSpace => {
      if (!folder || !this.folders) return { freeMb: null, ok: true };
      const freeMb = freeMbOf(folder);
      return { freeMb, ok: freeMb !== null && freeMb >= this.folders.minFreeMb };
    };
    return { data: check(this.folders?.data), backups: check(this.folders?.backups) };
  }
}
