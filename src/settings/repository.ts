import type { Db } from '../db/types';

/** Settings rows: one JSON value per key, with an optimistic-locking version. */
export class SettingsRepository {
  async all(db: Db): Promise<Map<string, { value: unknown; version: number }>> {
    const rows = await db('settings').select('key', 'value', 'version');
    return new Map(rows.map((r: { key: string; value: unknown; version: number }) => [r.key, { value: r.value, version: r.version }]));
  }

  /** Writes a key when its version matches (0: not stored yet); false when someone saved in between. */
  async save(db: Db, key: string, value: unknown, version: number, now: Date): Promise<boolean> {
    if (version === 0) {
      const rows = await db('settings')
        .insert({ key, value: JSON.stringify(value), version: 1, updated_at: now })
        .onConflict('key')
        .ignore()
        .returning('key');
      return rows.length === 1;
    }
    return (
      (await db('settings')
        .where({ key, version })
        .update({ value: JSON.stringify(value), version: version + 1, updated_at: now })) === 1
    );
  }
}
