import type { Knex } from 'knex';

/** The demo's household member who has an e-mail and a full dossier (granted rent aid, energy aid under review, a mission). */
export const DEMO_HOUSEHOLD_EMAIL = 'eloise.lefevre@exemple.fr';

/**
 * The newest personal link the demo mailed to that person (a request filed or a mission proposed
 * sent it, as in production): printed at start so that the household space can be tried. The code
 * it asks for is in the mail outbox (Courriels, as the association's administrator), since the
 * demo never sends mail.
 */
export async function demoHouseholdLink(knex: Knex): Promise<string | null> {
  const mail = await knex('mail_outbox')
    .where({ to_address: DEMO_HOUSEHOLD_EMAIL, kind: 'household.link' })
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .first<{ text_body: string } | undefined>('text_body');
  return /(https?:\/\/\S+\/mon-espace\/lien\/[\w-]+)/.exec(mail?.text_body ?? '')?.[1] ?? null;
}
