import type { Knex } from 'knex';

/**
 * Versions of an aid type's rules, each in force from a date. A version is never edited once
 * created (a regulatory change is a new version): the database refuses any update other than
 * closing it (setting effective_to once), and any delete.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('aid_type_versions', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('aid_type_id').notNullable().references('aid_types.id');
    t.integer('number').notNullable();
    t.date('effective_from').notNullable();
    t.date('effective_to').nullable();
    t.jsonb('rules').notNullable();
    t.text('notes').notNullable().defaultTo('');
    t.uuid('created_by').nullable().references('users.id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['aid_type_id', 'number']);
    t.unique(['aid_type_id', 'effective_from']);
  });
  await knex.raw('alter table aid_type_versions add constraint aid_type_versions_period check (effective_to is null or effective_to >= effective_from)');
  await knex.raw(`
    create function aid_type_versions_immutable() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' then
        raise exception 'aid type versions are never deleted' using errcode = '42501';
      end if;
      if new.aid_type_id <> old.aid_type_id or new.number <> old.number or new.effective_from <> old.effective_from
         or new.rules <> old.rules or new.notes <> old.notes or old.effective_to is not null then
        raise exception 'aid type versions are immutable: create a new version' using errcode = '42501';
      end if;
      return new;
    end $$`);
  await knex.raw(`
    create trigger aid_type_versions_immutable before update or delete on aid_type_versions
    for each row execute function aid_type_versions_immutable()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('aid_type_versions');
  await knex.raw('drop function aid_type_versions_immutable()');
}
