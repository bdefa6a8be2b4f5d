import type { Knex } from 'knex';

/** What a start finds: nothing, the demo loaded whole, the demo half loaded, or other data. */
export type DemoState = 'empty' | 'complete' | 'partial' | 'other';

export const DEMO_SEED = 'demo';

/** The demo's accounts end in these domains; no real organisation uses them. */
const DEMO_EMAIL = '%@asso.demo';

/**
 * Reads the database's state before a start seeds it. The demo writes its `seed_runs` row last in
 * its own transaction; a demo without it was left by an older, non-transactional load: complete
 * when it has all its missions and requests (the row is then written), partial otherwise.
 */
export async function demoState(knex: Knex): Promise<DemoState> {
  if (!(await knex('organisations').first('id'))) return 'empty';
  if (await knex('seed_runs').where({ name: DEMO_SEED }).first('name')) return 'complete';
  if (!(await knex('users').whereLike('email', DEMO_EMAIL).first('id'))) return 'other';
  const [missions, requests] = await Promise.all([count(knex, 'missions'), count(knex, 'aid_requests')]);
  if (missions < 12 || requests < 16) return 'partial';
  await knex('seed_runs').insert({ name: DEMO_SEED, completed_at: knex.fn.now(), clock_at: knex.fn.now() }).onConflict('name').ignore();
  return 'complete';
}

async function count(knex: Knex, table: string): Promise<number> {
  const row = await knex(table).count<{ count: string }[]>('* as count').first();
  return Number(row?.count ?? 0);
}

/** What a person reads when a start refuses a half-loaded demo. */
export function partialDemoMessage(where: { kind: 'pglite'; dir: string } | { kind: 'postgres' }): string {
  const fix =
    where.kind === 'pglite'
      ? `arrêtez Entraide, supprimez le dossier ${where.dir} (par exemple : rm -rf ${where.dir}) puis relancez « npm start » : la démonstration sera chargée à neuf.`
      : 'recréez la base vide (dropdb puis createdb) et relancez avec SEED_DEMO=true.';
  return (
    'Démarrage refusé : la base contient des données de démonstration incomplètes (un chargement précédent a été interrompu).\n' +
    `Pour repartir d’une démonstration complète, ${fix}`
  );
}
