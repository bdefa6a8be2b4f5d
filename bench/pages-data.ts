/**
 * What bench:pages measures beyond seeds/scale.ts' volume: requests that look like real ones.
 * Added once to the volume database (found again by their timeline's author on later runs):
 *
 * - a request **taken** by operateur@echelle.test (in review, assigned to them) with a long
 *   timeline: 60 events (status changes, shared messages with attachments, internal notes,
 *   information asked and answered), 8 documents;
 * - a **granted** request in payment with the same kind of timeline, its decision proposed and
 *   validated by two operators, 6 instalments (3 settled, 1 sent, 2 scheduled), 8 documents;
 * - the holder of the granted request's household, a person with an e-mail (the household space).
 *
 * The operator's own queue holds the ~300 in-review requests seeds/scale.ts assigns them.
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { normalizeName } from '../src/households/duplicates/normalize';
import type { FieldCipher } from '../src/shared/field-cipher';

export const BENCH_AUTHOR = 'Banc d’essai (bench:pages)';
export const BENCH_HOLDER_EMAIL = 'menage.banc@echelle.test';

export interface PagesData {
  takenRequestId: string;
  grantedRequestId: string;
  householdId: string;
  holderPersonId: string;
}

const EVENTS = 60;
const DOCUMENTS = 8;

export async function preparePagesData(knex: Knex, cipher: FieldCipher): Promise<PagesData> {
  const found = await knex('request_events')
    .where({ actor_label: BENCH_AUTHOR })
    .join('aid_requests', 'aid_requests.id', 'request_events.request_id')
    .distinct<{ id: string; status: string; household_id: string }[]>('aid_requests.id', 'aid_requests.status', 'aid_requests.household_id');
  const taken0 = found.find((r) => r.status === 'in_review');
  const granted0 = found.find((r) => r.status === 'in_payment');
  const holder0 = await knex('persons').where({ email: BENCH_HOLDER_EMAIL }).first<{ id: string } | undefined>('id');
  if (taken0 && granted0 && holder0)
    return { takenRequestId: taken0.id, grantedRequestId: granted0.id, householdId: granted0.household_id, holderPersonId: holder0.id };

  const operator = await knex('users').where({ email: 'operateur@echelle.test' }).first<{ id: string }>('id');
  const validator = await knex('users').where({ email: 'operateur2@echelle.test' }).first<{ id: string }>('id');
  const landlordUser = await knex('users')
    .where({ email: 'instructeur1@echelle.test' })
    .first<{ id: string; organisation_id: string }>('id', 'organisation_id');
  if (!operator || !validator || !landlordUser) throw new Error('the volume data set (seeds/scale.ts) is missing: run bench:requests or seed:scale first');
  const ofLandlord = (status: string) =>
    knex('aid_requests')
      .where({ organisation_id: landlordUser.organisation_id, status })
      .orderBy('submitted_at', 'desc')
      .first<{ id: string; household_id: string; submitted_at: Date }>('id', 'household_id', 'submitted_at');
  const taken = await ofLandlord('in_review');
  const granted = await ofLandlord('in_payment');
  if (!taken || !granted) throw new Error('no in-review or in-payment request for instructeur1@echelle.test in the volume data set');

  await knex.transaction(async (trx) => {
    await trx('aid_requests').where({ id: taken.id }).update({ assigned_to: operator.id });
    for (const [request, lastStatus] of [
      [taken, 'in_review'],
      [granted, 'in_payment'],
    ] as const) {
      await timeline(trx, cipher, request, lastStatus, { operator: operator.id, landlord: landlordUser.id });
      await documents(trx, request.id, landlordUser.id);
    }
    await grantWithPayments(trx, cipher, granted, operator.id, validator.id, landlordUser.organisation_id);
    await holder(trx, granted.household_id);
  });
  return preparePagesData(knex, cipher);
}

async function timeline(
  trx: Knex.Transaction,
  cipher: FieldCipher,
  request: { id: string; submitted_at: Date },
  lastStatus: string,
  who: { operator: string; landlord: string },
): Promise<void> {
  const at = (k: number) => new Date(new Date(request.submitted_at).getTime() + k * 3_600_000);
  const kinds = ['message', 'note', 'information_request', 'information_answer', 'message', 'reminder'] as const;
  for (let k = 0; k < EVENTS; k++) {
    const kind = k === 0 ? 'status_change' : k === EVENTS - 1 ? 'status_change' : kinds[k % kinds.length];
    const internal = kind === 'note';
    const fromLandlord = kind === 'information_answer' || (kind === 'message' && k % 2 === 0);
    const text = `Échange n° ${k} : la locataire a transmis l’avis d’échéance et le relevé de la CAF ; le reste à vivre est calculé sur trois mois.`;
    const [event] = await trx('request_events')
      .insert({
        request_id: request.id,
        occurred_at: at(k),
        actor_user_id: fromLandlord ? who.landlord : who.operator,
        actor_label: BENCH_AUTHOR,
        kind,
        from_status: kind === 'status_change' ? (k === 0 ? 'draft' : 'submitted') : null,
        to_status: kind === 'status_change' ? (k === 0 ? 'submitted' : lastStatus) : null,
        message: kind === 'status_change' ? null : internal ? cipher.encrypt(text, 'request_events.message') : text,
        visibility: internal ? 'internal' : 'shared',
      })
      .returning<{ id: string }[]>('id');
    if (kind === 'message' && k % 4 === 0) {
      const blob = await insertBlob(trx, `pièce jointe ${k}`);
      await trx('request_attachments').insert({
        request_id: request.id,
        event_id: event?.id,
        blob_id: blob,
        filename: `justificatif-${k}.pdf`,
        created_at: at(k),
      });
    }
  }
}

async function documents(trx: Knex.Transaction, requestId: string, landlordUserId: string): Promise<void> {
  for (let k = 0; k < DOCUMENTS; k++) {
    const blob = await insertBlob(trx, `document ${k}`);
    await trx('request_uploads').insert({ request_id: requestId, blob_id: blob, filename: `piece-${k + 1}.pdf`, uploaded_by: landlordUserId });
  }
}

async function insertBlob(trx: Knex.Transaction, text: string): Promise<string> {
  const data = Buffer.from(`%PDF-1.4\n% ${text}\n%%EOF\n`);
  const [row] = await trx('blobs')
    .insert({ content_type: 'application/pdf', size: data.length, sha256: createHash('sha256').update(data).digest('hex'), data })
    .returning<{ id: string }[]>('id');
  return (row as { id: string }).id;
}

async function grantWithPayments(
  trx: Knex.Transaction,
  cipher: FieldCipher,
  request: { id: string; submitted_at: Date },
  operator: string,
  validator: string,
  organisationId: string,
): Promise<void> {
  const proposedAt = new Date(new Date(request.submitted_at).getTime() + 5 * 86_400_000);
  const instalments = 6;
  const [decision] = await trx('decisions')
    .insert({
      request_id: request.id,
      kind: 'grant',
      status: 'applied',
      amount_cents: 120_000,
      instalments,
      first_due_date: proposedAt.toISOString().slice(0, 10),
      needs_validation: true,
      proposed_by: operator,
      proposed_by_label: 'Opératrice Échelle 1',
      proposed_at: proposedAt,
      validated_by: validator,
      validated_by_label: 'Opératrice Échelle 2',
      validated_at: new Date(proposedAt.getTime() + 86_400_000),
    })
    .returning<{ id: string }[]>('id');
  const iban = cipher.encrypt('FR7630006000011234567890189', 'payments.payee_iban');
  for (let k = 1; k <= instalments; k++) {
    const due = new Date(proposedAt.getTime() + (k - 1) * 30 * 86_400_000);
    const status = k <= 3 ? 'settled' : k === 4 ? 'sent' : 'scheduled';
    await trx('payments').insert({
      request_id: request.id,
      decision_id: decision?.id,
      organisation_id: organisationId,
      instalment: k,
      instalments,
      amount_cents: 20_000,
      due_date: due.toISOString().slice(0, 10),
      payee_kind: 'landlord',
      payee_name: 'Bailleur échelle 1',
      payee_iban: iban,
      status,
      settled_at: status === 'settled' ? due : null,
    });
  }
}

async function holder(trx: Knex.Transaction, householdId: string): Promise<void> {
  const [person] = await trx('persons')
    .insert({
      civility: 'mme',
      last_name: 'Banc',
      first_names: 'Élise',
      birth_date: '1984-03-02',
      email: BENCH_HOLDER_EMAIL,
      employment_status: 'private_employee',
      search_last_name: normalizeName('Banc'),
      search_first_name: normalizeName('Élise'),
    })
    .returning<{ id: string }[]>('id');
  await trx('household_members').insert({ household_id: householdId, person_id: person?.id, relationship: 'holder', from_date: '2020-01-01' });
}
