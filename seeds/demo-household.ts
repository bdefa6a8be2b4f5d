import type { Knex } from 'knex';
import type { Services } from '../src/services';
import type { FakeClock } from '../src/shared/clock';
import { demoActors } from './demo-support';

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

/**
 * The adviser's published availability (issue 17) — Monday mornings in person, Wednesday
 * afternoons by phone, Thursday mornings by video — and one booking made from the QR code by a
 * person without a mission (Nadia Benali, « Aide aux démarches »), on the first free slot after the
 * 24-hour notice: whatever the day, the demo's agenda has it.
 */
export async function seedDemoAvailability(services: Services, clock: FakeClock, now: Date): Promise<void> {
  clock.set(now);
  const adviser = await demoActors(services.knex)('conseiller@asso.demo');
  const openings = [
    { weekday: 1, from: '09:00', to: '12:00', mode: 'in_person', place: 'Permanence, 21 quai d’Austerlitz, Lyon 2e' },
    { weekday: 3, from: '14:00', to: '17:00', mode: 'phone', place: 'La conseillère vous appelle au numéro donné' },
    { weekday: 4, from: '09:00', to: '11:00', mode: 'video', place: 'Le lien de la visio arrive la veille par courriel' },
  ] as const;
  for (const o of openings) await services.availability.addOpening(adviser, undefined, o);
  const { kinds } = await services.bookings.choices(null, {});
  const kind = kinds.find((k) => k.label === 'Aide aux démarches');
  if (!kind) throw new Error('demo: the appointment kind « Aide aux démarches » is missing (migration 074)');
  const { slots } = await services.bookings.choices(null, { kindId: kind.id });
  const [first] = slots;
  if (!first) throw new Error('demo: no free slot in the adviser’s published availability');
  await services.bookings.book(
    { contact: { name: 'Nadia Benali', email: 'nadia.benali@exemple.fr', phone: '06 11 22 33 44' } },
    { kindId: kind.id, slot: first.value },
  );
}
