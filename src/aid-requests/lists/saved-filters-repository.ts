import type { Db } from '../../db/types';
import { isUuid } from '../../db/types';

export interface SavedFilter {
  id: string;
  name: string;
  query: string;
}

/** A user's named filters on a list; only their owner reads or deletes them. */
export class SavedFilterRepository {
  async list(db: Db, userId: string, list: string): Promise<SavedFilter[]> {
    const rows = await db('saved_filters').where({ user_id: userId, list }).orderBy('name');
    return rows.map((r: Record<string, unknown>) => ({ id: r.id as string, name: r.name as string, query: (r.query as { q: string }).q }));
  }

  /** Saves (or replaces) a filter under its name. */
  async save(db: Db, userId: string, list: string, name: string, query: string, now: Date): Promise<void> {
    await db('saved_filters')
      .insert({ user_id: userId, list, name, query: JSON.stringify({ q: query }), created_at: now })
      .onConflict(['user_id', 'list', 'name'])
      .merge({ query: JSON.stringify({ q: query }), created_at: now });
  }

  async delete(db: Db, userId: string, id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    return (await db('saved_filters').where({ id, user_id: userId }).delete().returning('id')).length === 1;
  }
}
