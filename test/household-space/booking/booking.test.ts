import { type HouseholdActor, SlotTakenError } from '../../../src/missions/availability/booking';
import { InvalidTransitionError, NotFoundError } from '../../../src/shared/errors';
import { acceptedMission, missionSetup } from '../../factories/mission';
import { actorOf } from '../../factories/payment';
import { buildWorld, type World } from '../../factories/world';
import { startTestApp, TEST_NOW, type TestContext } from '../../support/app';
import { householdOf, kindIds, openings } from '../../missions/availability/setup';

/**
 * A household books one of its adviser's free slots itself (mail with .ics, alert to the adviser),
 * sees its appointments, moves or cancels them until 24 hours before; a slot taken meanwhile is
 * refused in plain words; someone with no space books from the QR code with a name and an e-mail.
 */
let ctx: TestContext;
let world: World;
let kinds: { first: string; followUp: string; paperwork: string };
let withMission: HouseholdActor;
let withoutMission: HouseholdActor;
let missionId: string;
let secondAdviser: string;

beforeAll(async () => {
  ctx = await startTestApp();
  world = await buildWorld(ctx.knex);
  const setup = await missionSetup(ctx.services, ctx.knex, world);
  missionId = await acceptedMission(ctx.services, ctx.knex, world, setup);
  secondAdviser = (await openings(ctx.services, ctx.knex, world)).second.id;
  kinds = await kindIds(ctx.knex);
  withMission = await householdOf(ctx.knex, setup.householdA);
  withoutMission = await householdOf(ctx.knex, setup.householdB);
  await ctx.knex('persons').where({ id: withoutMission.personId }).update({ email: 'marc.petit@exemple.fr' });
});
afterAll(() => ctx.close());
beforeEach(() => ctx.clock.set(TEST_NOW)); // Monday 23 November 2026, 10:00 in Paris

const adviser = () => world.users.social_adviser.id;
const slot = (adviserId: string, iso: string) => `${adviserId}/${new Date(iso).toISOString()}`;
const mailsOf = (kind: string) => ctx.knex('mail_outbox').where({ kind }).orderBy('created_at');

describe('choosing a slot', () => {
  it('offers a household with a mission only its adviser’s slots, of the chosen day', async () => {
    const c = await ctx.services.bookings.choices(withMission, { kindId: kinds.first, date: '2026-11-30' });
    expect(c.advisers.map((a) => a.id)).toEqual([adviser()]);
    expect(c.slots.map((s) => s.time)).toEqual(['09:00', '10:00', '11:00']);
    expect(c.slots[0]).toMatchObject({ mode: 'in_person', place: 'Permanence, 21 quai d’Austerlitz', adviserId: adviser() });
    expect(c.nextDates[0]).toBe('2026-12-02');
  });

  it('offers a household with no mission every adviser who publishes openings', async () => {
    const c = await ctx.services.bookings.choices(withoutMission, { kindId: kinds.followUp, date: '2026-12-01' });
    expect(c.advisers.map((a) => a.id).sort()).toEqual([adviser(), secondAdviser].sort());
    expect(c.slots.map((s) => `${s.time} ${s.mode}`)).toEqual(['09:00 video', '09:30 video', '10:00 video', '10:30 video', '11:00 video', '11:30 video']);
  });

  it('without a day, shows the first day with a free slot (24 hours’ notice)', async () => {
    const c = await ctx.services.bookings.choices(withMission, { kindId: kinds.first });
    expect(c.date).toBe('2026-11-25'); // Wednesday: Monday 23 is today, Tuesday is not the adviser’s day
  });
});

describe('booking', () => {
  it('books a free slot: the household gets the .ics, the adviser an alert, the audit a line', async () => {
    const id = await ctx.services.bookings.book({ household: withMission }, { kindId: kinds.first, slot: slot(adviser(), '2026-11-30T08:00:00Z') });
    const row = await ctx.knex('appointments').where({ id }).first();
    expect(row).toMatchObject({
      mission_id: missionId,
      household_id: withMission.householdId,
      booked_by: 'household',
      status: 'scheduled',
      duration_minutes: 60,
      reason: 'Premier rendez-vous',
      contact_email: 'lea.durand@exemple.fr',
      mode: 'in_person',
    });
    const [mail] = await mailsOf('appointment.booked');
    expect(mail.to_address).toBe('lea.durand@exemple.fr');
    expect(mail.text_body).toContain('lundi 30 novembre 2026 à 09:00');
    expect(mail.text_body).toContain(`http://entraide.test/mon-espace/rendez-vous/${id}`);
    const attachments = await ctx.knex('mail_attachments').where({ mail_id: mail.id });
    expect(attachments.map((a: { filename: string }) => a.filename)).toEqual(['rendez-vous.ics']);
    const [alert] = await mailsOf('appointment.adviser_alert.booked');
    expect(alert.to_address).toBe(world.users.social_adviser.email);
    expect(alert.text_body).toContain('depuis son espace');
    expect(await ctx.knex('audit_events').where({ entity_id: id, action: 'appointment.booked' })).toHaveLength(1);
    // the slot is no longer offered, and a 30-minute one starts right after
    const c = await ctx.services.bookings.choices(withMission, { kindId: kinds.followUp, date: '2026-11-30' });
    expect(c.slots.map((s) => s.time)).toEqual(['10:00', '10:30', '11:00', '11:30']);
  });

  it('refuses a slot taken meanwhile, in plain words', async () => {
    const choice = { kindId: kinds.first, slot: slot(adviser(), '2026-11-30T09:00:00Z') };
    await ctx.services.bookings.book({ household: withMission }, choice);
    await expect(ctx.services.bookings.book({ household: withoutMission }, choice)).rejects.toThrow(SlotTakenError);
    await expect(ctx.services.bookings.book({ household: withoutMission }, choice)).rejects.toThrow(/vient d’être réservé par quelqu’un d’autre/);
    // nor a time no opening offers, nor one inside the 24 hours’ notice
    await expect(
      ctx.services.bookings.book({ household: withMission }, { kindId: kinds.first, slot: slot(adviser(), '2026-11-30T08:30:00Z') }),
    ).rejects.toThrow(SlotTakenError);
    await expect(
      ctx.services.bookings.book({ household: withoutMission }, { kindId: kinds.first, slot: slot(secondAdviser, '2026-11-24T08:00:00Z') }),
    ).rejects.toThrow(SlotTakenError);
  });

  it('does not let a household with a mission book an adviser who is not its own', async () => {
    await expect(
      ctx.services.bookings.choices(withMission, { kindId: kinds.followUp, date: '2026-12-01', adviserId: secondAdviser }).then((c) => c.slots),
    ).resolves.toEqual([]);
    await expect(
      ctx.services.bookings.book({ household: withMission }, { kindId: kinds.followUp, slot: slot(secondAdviser, '2026-12-01T08:00:00Z') }),
    ).rejects.toThrow(/parmi ceux proposés/);
  });

  it('lets the adviser still book for the household as before, never at a start already given', async () => {
    const adviserActor0 = await actorOf(ctx.knex, adviser());
    const input = { date: '2026-11-30', time: '09:00', durationMinutes: 30, mode: 'in_person' as const, place: 'Permanence', contactName: 'Léa Durand' };
    await expect(ctx.services.appointments.schedule(adviserActor0, missionId, input)).rejects.toThrow(/commence déjà à cette heure/);
    const id = await ctx.services.appointments.schedule(adviserActor0, missionId, { ...input, date: '2026-12-04', time: '16:00' });
    expect((await ctx.knex('appointments').where({ id }).first()).booked_by).toBe('adviser');
    // the household's choice no longer offers a time the adviser took by hand (Friday is no opening day: an extra one)
    await ctx.services.availability.addException(adviserActor0, undefined, {
      kind: 'open',
      startsOn: '2026-12-04',
      endsOn: '2026-12-04',
      from: '15:00',
      to: '17:00',
      mode: 'in_person',
      place: 'Permanence',
    });
    const c = await ctx.services.bookings.choices(withMission, { kindId: kinds.followUp, date: '2026-12-04' });
    expect(c.slots.map((s) => s.time)).toEqual(['15:00', '15:30', '16:30']);
  });

  it('keeps a slot to one live appointment in the database itself', async () => {
    const base = await ctx.knex('appointments').where({ booked_by: 'household' }).first();
    const copy = { ...base, id: undefined, status: 'confirmed', version: 1 };
    delete copy.id;
    await expect(ctx.knex('appointments').insert(copy)).rejects.toMatchObject({ code: '23505' });
    // a cancelled one does not hold the slot
    await ctx.knex('appointments').insert({ ...copy, status: 'cancelled' });
  });
});

describe('the household’s appointments', () => {
  let id: string;
  beforeAll(async () => {
    ctx.clock.set(TEST_NOW);
    id = await ctx.services.bookings.book({ household: withMission }, { kindId: kinds.followUp, slot: slot(adviser(), '2026-12-02T13:00:00Z') });
  });

  it('lists its own, says until when they can be changed, and never another household’s', async () => {
    const list = await ctx.services.bookings.list(withMission);
    expect(list.find((a) => a.id === id)).toMatchObject({ changeable: true, deadline: new Date('2026-12-01T13:00:00Z'), adviserName: expect.any(String) });
    expect((await ctx.services.bookings.list(withoutMission)).some((a) => a.id === id)).toBe(false);
    await expect(ctx.services.bookings.get(withoutMission, id)).rejects.toThrow(NotFoundError);
    await expect(ctx.services.bookings.cancel(withoutMission, id)).rejects.toThrow(NotFoundError);
    await expect(ctx.services.bookings.get(withMission, 'pas-un-uuid')).rejects.toThrow(NotFoundError);
  });

  it('moves it to another free slot; the .ics keeps its UID; both sides are told', async () => {
    await ctx.services.bookings.move(withMission, id, { kindId: kinds.followUp, slot: slot(adviser(), '2026-12-02T14:00:00Z') });
    const row = await ctx.knex('appointments').where({ id }).first();
    expect(row.starts_at.toISOString()).toBe('2026-12-02T14:00:00.000Z');
    expect(row.version).toBe(2);
    const [moved] = await mailsOf('appointment.moved');
    expect(moved.text_body).toContain('mercredi 2 décembre 2026 à 15:00');
    expect((await mailsOf('appointment.adviser_alert.moved'))[0].text_body).toContain('Il était prévu le mercredi 2 décembre 2026 à 14:00');
    // moving onto a time that overlaps only itself is fine (14:30 is inside its own former slot)
    await ctx.services.bookings.move(withMission, id, { kindId: kinds.followUp, slot: slot(adviser(), '2026-12-02T14:30:00Z') });
  });

  it('refuses to change or cancel inside the last 24 hours, in plain French', async () => {
    ctx.clock.set(new Date('2026-12-01T14:31:00Z')); // 23 h 59 before
    await expect(ctx.services.bookings.cancel(withMission, id)).rejects.toThrow(InvalidTransitionError);
    await expect(ctx.services.bookings.cancel(withMission, id)).rejects.toThrow(/moins de 24 heures/);
    await expect(ctx.services.bookings.move(withMission, id, { kindId: kinds.followUp, slot: slot(adviser(), '2026-12-02T15:30:00Z') })).rejects.toThrow(
      /moins de 24 heures/,
    );
    expect((await ctx.services.bookings.get(withMission, id)).changeable).toBe(false);
  });

  it('cancels before the deadline; the adviser is told and the slot is free again', async () => {
    ctx.clock.set(new Date('2026-12-01T14:29:00Z'));
    await ctx.services.bookings.cancel(withMission, id);
    expect((await ctx.knex('appointments').where({ id }).first()).status).toBe('cancelled');
    expect(await mailsOf('appointment.adviser_alert.cancelled')).toHaveLength(1);
    expect(await ctx.knex('audit_events').where({ entity_id: id, action: 'appointment.cancelled_by_household' })).toHaveLength(1);
    await expect(ctx.services.bookings.cancel(withMission, id)).rejects.toThrow(/plus à venir/);
    ctx.clock.set(TEST_NOW);
    const c = await ctx.services.bookings.choices(withMission, { kindId: kinds.followUp, date: '2026-12-02' });
    expect(c.slots.map((s) => s.time)).toContain('15:30');
  });
});

describe('booking from the QR code (no space)', () => {
  it('books with a name and an e-mail, with no mission; the reminders cover it', async () => {
    const id = await ctx.services.bookings.book(
      { contact: { name: 'Nadia Benali', email: 'nadia.benali@exemple.fr', phone: '0611223344' } },
      { kindId: kinds.paperwork, slot: slot(secondAdviser, '2026-12-08T08:00:00Z') },
    );
    const row = await ctx.knex('appointments').where({ id }).first();
    expect(row).toMatchObject({
      mission_id: null,
      household_id: null,
      booked_by: 'public',
      contact_phone: '0611223344',
      organisation_id: world.association.id,
    });
    const [mail] = await ctx.knex('mail_outbox').where({ kind: 'appointment.booked', to_address: 'nadia.benali@exemple.fr' });
    const link = /http:\/\/entraide\.test\/rdv\/([\w.-]+)/.exec(mail.text_body)?.[1] as string;
    expect(await ctx.services.appointments.byToken(link)).toMatchObject({ status: 'scheduled', changeable: true });
    // the day before, the reminder job sends it once
    ctx.clock.set(new Date('2026-12-07T08:00:00Z'));
    expect((await ctx.services.appointments.sendReminders(ctx.clock.now())).dayBefore).toBeGreaterThanOrEqual(1);
    await ctx.services.appointments.sendReminders(ctx.clock.now());
    expect(await ctx.knex('appointment_reminders').where({ appointment_id: id })).toHaveLength(1);
    expect(await ctx.knex('audit_events').where({ entity_type: 'appointment', entity_id: id, action: 'appointment.reminded' })).toHaveLength(1);
    // the adviser's week shows it, booked from the QR code
    const week = await ctx.services.appointments.week(await adviserActor(secondAdviser), secondAdviser, '2026-12-07');
    expect(week.find((a) => a.id === id)).toMatchObject({ bookedBy: 'public', missionId: null, reason: 'Aide aux démarches' });
  });
});

const adviserActor = (id: string) => actorOf(ctx.knex, id);
