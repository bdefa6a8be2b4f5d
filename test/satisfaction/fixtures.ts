import type { Knex } from 'knex';
import type { Services } from '../../src/services';
import { actorOf } from '../factories/payment';
import { acceptedMission, type MissionSetup, missionVersion } from '../factories/mission';
import type { World } from '../factories/world';
import type { FakeClock } from '../../src/shared/clock';

interface Ctx {
  services: Services;
  knex: Knex;
  clock: FakeClock;
}

/** A mission of household A (holder Léa Durand, with an e-mail) run by the world's adviser, started and completed now. */
export async function completedMission(ctx: Ctx, world: World, setup: MissionSetup, typeId = setup.types.diag): Promise<string> {
  const adviser = await actorOf(ctx.knex, world.users.social_adviser.id);
  const id = await acceptedMission(ctx.services, ctx.knex, world, setup, typeId);
  await ctx.services.missions.start(adviser, id, await missionVersion(ctx.knex, id));
  await ctx.services.missions.complete(adviser, id, await missionVersion(ctx.knex, id), { results: { 1: 'reached', 2: 'partly' }, outcome: 'Budget établi' });
  return id;
}

/**
 * An appointment of the mission on `date` at `time` (Paris), then held (or missed): the clock is
 * moved past its start for the adviser to say so, and put back.
 */
export async function pastAppointment(
  ctx: Ctx,
  world: World,
  missionId: string,
  o: { date: string; time: string; outcome: 'done' | 'no_show'; email?: string },
): Promise<string> {
  const adviser = await actorOf(ctx.knex, world.users.social_adviser.id);
  const before = ctx.clock.now();
  const id = await ctx.services.appointments.schedule(adviser, missionId, {
    date: o.date,
    time: o.time,
    durationMinutes: 60,
    mode: 'in_person',
    place: 'Permanence, 21 quai d’Austerlitz',
    contactName: 'Léa Durand',
    contactEmail: o.email ?? 'lea.durand@exemple.fr',
    acceptOverlap: true,
  });
  const row = await ctx.knex('appointments').where({ id }).first<{ starts_at: Date; version: number }>('starts_at', 'version');
  ctx.clock.set(new Date(row.starts_at.getTime() + 90 * 60_000));
  await ctx.services.appointments.setOutcome(adviser, missionId, id, row.version, o.outcome);
  ctx.clock.set(before);
  return id;
}

/** The questionnaire links mailed to `email`, oldest first: their tokens. */
export async function mailedTokens(knex: Knex, email = 'lea.durand@exemple.fr'): Promise<string[]> {
  const mails = (await knex('mail_outbox').where({ to_address: email, kind: 'satisfaction.invitation' }).orderBy('created_at').orderBy('id')) as Array<{
    text_body: string;
  }>;
  return mails.map((m) => /\/mon-espace\/questionnaires\/([A-Za-z0-9_-]{43})/.exec(m.text_body)?.[1] as string);
}

/** Good answers to the questionnaire of version 1. */
export const ANSWERS = { accueil: '5', ecoute: '4', clarte: '4', utilite: '3' } as const;
