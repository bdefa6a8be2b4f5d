import { openDatabase } from '../../../src/db/database';
import { createServices, type Services } from '../../../src/services';
import { ForbiddenError, NotFoundError, ValidationError } from '../../../src/shared/errors';
import { actorOf } from '../../factories/payment';
import { insertUser } from '../../factories/user';
import { buildWorld, type World } from '../../factories/world';
import { startTestApp, TEST_NOW, type TestContext } from '../../support/app';
import { onPostgres } from '../../support/database';
import { kindIds, openings } from './setup';

/**
 * Advisers publish their weekly openings and exceptions (an operator or an admin may do it for
 * them, nobody else); the kinds of appointment are data; two bookings of one slot at the same
 * moment: exactly one wins (on PostgreSQL, two connection pools racing for real).
 */
let ctx: TestContext;
let world: World;

beforeAll(async () => {
  ctx = await startTestApp();
  world = await buildWorld(ctx.knex);
});
afterAll(() => ctx.close());
beforeEach(() => ctx.clock.set(TEST_NOW));

describe('publishing availability', () => {
  it('lets an adviser add and remove their own openings and exceptions, each with an audit line', async () => {
    const adviser = await actorOf(ctx.knex, world.users.social_adviser.id);
    const id = await ctx.services.availability.addOpening(adviser, undefined, {
      weekday: 5,
      from: '13:30',
      to: '16:00',
      mode: 'video',
      place: 'https://visio.exemple.fr/x',
    });
    await expect(
      ctx.services.availability.addOpening(adviser, undefined, { weekday: 5, from: '15:00', to: '17:00', mode: 'phone', place: '01 02 03 04 05' }),
    ).rejects.toThrow(/chevauche celui de 13:30 à 16:00/);
    await expect(
      ctx.services.availability.addOpening(adviser, undefined, { weekday: 5, from: '17:00', to: '16:00', mode: 'phone', place: 'x' }),
    ).rejects.toThrow(ValidationError);
    const off = await ctx.services.availability.addException(adviser, undefined, {
      kind: 'closed',
      startsOn: '2026-12-24',
      endsOn: '2027-01-02',
      note: 'Congés',
    });
    await expect(
      ctx.services.availability.addException(adviser, undefined, { kind: 'open', startsOn: '2026-12-05', endsOn: '2026-12-05' }),
    ).rejects.toMatchObject({
      fieldErrors: { exceptionFrom: expect.any(String), exceptionMode: expect.any(String), exceptionPlace: expect.any(String) },
    });
    await expect(ctx.services.availability.addException(adviser, undefined, { kind: 'closed', startsOn: '2026-11-20', endsOn: '2026-11-21' })).rejects.toThrow(
      ValidationError,
    );
    const mine = await ctx.services.availability.of(adviser);
    expect(mine.openings.map((o) => o.id)).toEqual([id]);
    expect(mine.exceptions.map((e) => e.id)).toEqual([off]);
    await ctx.services.availability.removeOpening(adviser, undefined, id);
    await ctx.services.availability.removeException(adviser, undefined, off);
    await expect(ctx.services.availability.removeOpening(adviser, undefined, id)).rejects.toThrow(NotFoundError);
    const actions = (
      await ctx.knex('audit_events').where({ entity_type: 'availability', entity_id: adviser.userId }).orderBy('occurred_at').select('action')
    ).map((r: { action: string }) => r.action);
    expect(actions).toEqual(['availability.opening_added', 'availability.exception_added', 'availability.opening_removed', 'availability.exception_removed']);
  });

  it('lets an operator edit any adviser’s availability; an adviser sees another’s as not found; a landlord is refused', async () => {
    const other = await insertUser(ctx.knex, { organisationId: world.association.id, role: 'social_adviser', email: 'autre.conseiller@asso.test' });
    const operator = await actorOf(ctx.knex, world.users.operator.id);
    const adviser = await actorOf(ctx.knex, world.users.social_adviser.id);
    await ctx.services.availability.addOpening(operator, other.id, { weekday: 2, from: '09:00', to: '10:00', mode: 'phone', place: '01 02 03 04 05' });
    expect((await ctx.services.availability.of(operator, other.id)).openings).toHaveLength(1);
    await expect(ctx.services.availability.of(adviser, other.id)).rejects.toThrow(NotFoundError);
    await expect(ctx.services.availability.of(await actorOf(ctx.knex, world.users.instructorA.id))).rejects.toThrow(ForbiddenError);
    // the operator is no adviser: their own availability does not exist
    await expect(ctx.services.availability.of(operator)).rejects.toThrow(NotFoundError);
  });

  it('keeps the kinds of appointment as data an operator or admin edits', async () => {
    const admin = await actorOf(ctx.knex, world.users.admin.id);
    const kinds = await kindIds(ctx.knex);
    expect((await ctx.services.availability.kinds()).map((k) => `${k.label} ${k.durationMinutes}`)).toEqual([
      'Premier rendez-vous 60',
      'Point d’étape 30',
      'Aide aux démarches 45',
    ]);
    await ctx.services.availability.saveKind(admin, kinds.paperwork, { label: 'Aide aux démarches en ligne', durationMinutes: 50, active: true });
    await expect(ctx.services.availability.saveKind(admin, null, { label: 'point d’étape', durationMinutes: 30, active: true })).rejects.toThrow(/existe déjà/);
    await expect(
      ctx.services.availability.saveKind(await actorOf(ctx.knex, world.users.social_adviser.id), null, { label: 'X', durationMinutes: 30, active: true }),
    ).rejects.toThrow(ForbiddenError);
    await ctx.services.availability.saveKind(admin, kinds.paperwork, { label: 'Aide aux démarches', durationMinutes: 45, active: true });
  });
});

describe(`one slot, two bookings at once (${onPostgres() ? 'PostgreSQL, two connection pools at once' : 'PGlite, one after the other'})`, () => {
  let replica: { services: Services; close(): Promise<void> } | null = null;
  beforeAll(async () => {
    if (onPostgres()) {
      const url = (ctx.knex.client.config as { connection: string }).connection;
      const db = openDatabase({ kind: 'postgres', url, poolMax: 5 });
      replica = { services: createServices(db, ctx.services.config, ctx.clock, ctx.services.logger), close: () => db.close() };
    }
  });
  afterAll(async () => {
    replica?.services.mailer.close();
    await replica?.close();
  });

  it('gives the slot to exactly one; the other is told it was just taken', async () => {
    const { second } = await openings(ctx.services, ctx.knex, world);
    const kinds = await kindIds(ctx.knex);
    const choice = { kindId: kinds.first, slot: `${second.id}/${new Date('2026-12-01T08:00:00Z').toISOString()}` };
    // a 30-minute slot overlapping it, booked at the same moment, must lose too (the lock, not only the unique start)
    const overlapping = { kindId: kinds.followUp, slot: `${second.id}/${new Date('2026-12-01T08:30:00Z').toISOString()}` };
    const run = (services: Services, c: typeof choice, who: string) =>
      services.bookings.book({ contact: { name: who, email: `${who.toLowerCase()}@exemple.fr` } }, c).then(
        (id) => id,
        (e: Error) => e,
      );
    const others = replica?.services ?? ctx.services;
    const outcomes = onPostgres()
      ? await Promise.all([run(ctx.services, choice, 'Alice'), run(others, choice, 'Bruno'), run(others, overlapping, 'Chloe')])
      : [await run(ctx.services, choice, 'Alice'), await run(others, choice, 'Bruno'), await run(others, overlapping, 'Chloe')];
    expect(outcomes.filter((o) => typeof o === 'string')).toHaveLength(1);
    expect(outcomes.filter((o) => o instanceof Error && /vient d’être réservé/.test(o.message))).toHaveLength(2);
    const live = await ctx.knex('appointments').where({ adviser_id: second.id }).whereIn('status', ['scheduled', 'confirmed']);
    expect(live).toHaveLength(1);
  });
});
