import type { Knex } from 'knex';

/**
 * Payments gain their payee (whose confirmed account is used when the batch is made), a stable
 * EndToEndId (the request reference and instalment, with -R1, -R2… for a re-issue after a
 * rejection), the link from a re-issue to the rejected payment (one re-issue each), and the
 * reasons of a rejection or a cancellation. Existing payments are attached to their payee.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('payments', (t) => {
    t.uuid('payee_id').nullable().references('payees.id');
    t.text('end_to_end_id').nullable().unique();
    t.integer('reissue_no').notNullable().defaultTo(0);
    t.uuid('reissue_of').nullable().unique().references('payments.id');
    t.text('rejection_code').nullable();
    t.text('rejection_comment').nullable();
    t.timestamp('rejected_at', { useTz: true }).nullable();
    t.text('cancel_reason').nullable();
    t.timestamp('cancelled_at', { useTz: true }).nullable();
    t.timestamp('settled_at', { useTz: true }).nullable();
  });
  await knex.raw('alter table payments drop constraint payments_decision_id_instalment_unique');
  await knex.raw('alter table payments add constraint payments_instalment_reissue_unique unique (decision_id, instalment, reissue_no)');
  await knex.raw('alter table payments add constraint payments_reissue_link check ((reissue_no = 0) = (reissue_of is null))');
  await knex.raw("alter table payments add constraint payments_rejection check (status <> 'rejected' or rejection_code is not null)");
  await knex.raw('create index payments_payee_status_idx on payments (payee_id, status)');
  // payees of the payments already scheduled: the landlord itself, or a supplier per IBAN
  await knex.raw(`
    insert into payees (kind, organisation_id, name)
    select 'landlord', o.id, o.name from organisations o
    where o.kind = 'landlord' and exists (select 1 from payments p where p.organisation_id = o.id and p.payee_kind = 'landlord')`);
  await knex.raw(`update payments p set payee_id = y.id from payees y where p.payee_kind = 'landlord' and y.organisation_id = p.organisation_id`);
  const suppliers = await knex('payments').whereNot('payee_kind', 'landlord').groupBy('payee_iban').select('payee_iban', knex.raw('min(payee_name) as name'));
  for (const s of suppliers as Array<{ payee_iban: string; name: string }>) {
    const [payee] = await knex('payees').insert({ kind: 'supplier', name: s.name }).returning('id');
    await knex('payments').whereNot('payee_kind', 'landlord').where('payee_iban', s.payee_iban).update({ payee_id: (payee as { id: string }).id });
  }
  await knex.raw(`
    update payments p set end_to_end_id = 'E' || r.reference || '-' || lpad(p.instalment::text, 2, '0')
    from aid_requests r where r.id = p.request_id and r.reference is not null`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists payments_payee_status_idx');
  await knex.raw('alter table payments drop constraint payments_rejection');
  await knex.raw('alter table payments drop constraint payments_reissue_link');
  await knex.raw('alter table payments drop constraint payments_instalment_reissue_unique');
  await knex.schema.alterTable('payments', (t) => {
    t.dropColumn('payee_id');
    t.dropColumn('end_to_end_id');
    t.dropColumn('reissue_no');
    t.dropColumn('reissue_of');
    t.dropColumn('rejection_code');
    t.dropColumn('rejection_comment');
    t.dropColumn('rejected_at');
    t.dropColumn('cancel_reason');
    t.dropColumn('cancelled_at');
    t.dropColumn('settled_at');
  });
  await knex.raw('alter table payments add constraint payments_decision_id_instalment_unique unique (decision_id, instalment)');
  await knex.raw("delete from payees");
}
