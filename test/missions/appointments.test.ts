import { appointmentReminders } from '../../src/jobs/definitions/appointment-reminders';
import { ValidationError } from '../../src/shared/errors';
import { actorOf } from '../factories/payment';
import { acceptedMission, type MissionSetup, missionSetup } from '../factories/mission';
import { buildWorld, type World } from '../factories/world';
import { startTestApp, TEST_NOW, type TestContext } from '../support/app';
import { $, loginAs, postForm } from '../support/http';
import { decodeBody, type ReceivedMail, startSmtpServer } from '../support/smtp';
import type { Actor } from '../../src/permissions';

/**
 * Appointments: the household's mail with its .ics and signed link, confirm/cancel through the
 * link until 24 hours before, overlaps warned, reminders the day before and 30 minutes before —
 * each sent once whatever runs, never for a cancelled appointment nor after the start.
 */
let ctx: TestContext;
let world: World;
let smtp: { port: number; mails: ReceivedMail[]; stop(): Promise<void> };
let setup: MissionSetup;
let missionId: string;
let adviser: Actor;

beforeAll(async () => {
  smtp = await startSmtpServer();
  ctx = await startTestApp({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port) });
  world = await buildWorld(ctx.knex);
  setup = await missionSetup(ctx.services, ctx.knex, world);
  missionId = await acceptedMission(ctx.services, ctx.knex, world, setup);
  adviser = await actorOf(ctx.knex, world.users.social_adviser.id);
});
afterAll(async () => {
  await ctx.close();
  await smtp.stop();
});
beforeEach(() => ctx.clock.set(TEST_NOW)); // Monday 23 November 2026, 10:00 in Paris

const schedule = (date: string, time: string, o: { email?: string | null; minutes?: number; acceptOverlap?: boolean } = {}) =>
  ctx.services.appointments.schedule(adviser, missionId, {
    date,
    time,
    durationMinutes: o.minutes ?? 60,
    mode: 'in_person',
    place: 'Permanence, 21 quai d’Austerlitz',
    contactName: 'Léa Durand',
    contactEmail: o.email === null ? undefined : (o.email ?? 'lea.durand@exemple.fr'),
    acceptOverlap: o.acceptOverlap,
  });
const mailsTo = (kind: string) => ctx.knex('mail_outbox').where({ kind }).orderBy('created_at');
const linkOf = (raw: string) => /http:\/\/entraide\.test(\/rdv\/[\w.-]+)/.exec(decodeBody(raw))?.[1] as string;
const waitMails = async (n: number) => {
  for (let i = 0; i < 50 && smtp.mails.length < n; i++) await new Promise((r) => setTimeout(r, 20));
};

describe('scheduling', () => {
  it('mails the household the date, a signed link and an .ics to add to a calendar', async () => {
    const before = smtp.mails.length;
    const id = await schedule('2026-12-03', '14:30');
    const row = await ctx.knex('appointments').where({ id }).first();
    expect(row.starts_at.toISOString()).toBe('2026-12-03T13:30:00.000Z');
    await waitMails(before + 1);
    const mail = smtp.mails[before] as ReceivedMail;
    expect(mail.to).toEqual(['lea.durand@exemple.fr']);
    const body = decodeBody(mail.raw);
    expect(body).toContain('jeudi 3 décembre 2026 à 14:30');
    expect(linkOf(mail.raw)).toBe(`/rdv/${id}.${linkOf(mail.raw).split('.')[1]}`);
    expect(mail.raw).toMatch(/Content-Type: text\/calendar; charset=utf-8;\s+name=rendez-vous\.ics/);
    const ics = Buffer.from(/name=rendez-vous\.ics[\s\S]*?\r?\n\r?\n([A-Za-z0-9+/=\r\n]+)/.exec(mail.raw)?.[1]?.replace(/\s/g, '') ?? '', 'base64').toString(
      'utf8',
    );
    expect(ics).toContain('BEGIN:VEVENT');
    expect(ics).toContain('DTSTART:20261203T133000Z');
    expect(ics).toContain('DTEND:20261203T143000Z');
    expect(ics).toContain(`UID:${id}@entraide`);
    expect(await ctx.knex('audit_events').where({ entity_id: missionId, action: 'appointment.scheduled' })).toHaveLength(1);
  });

  it('refuses an appointment in the past or more than six months ahead', async () => {
    await expect(schedule('2026-11-23', '09:00')).rejects.toThrow(ValidationError);
    await expect(schedule('2027-05-24', '10:00')).rejects.toThrow(/six mois/);
    await expect(schedule('2026-02-30', '10:00')).rejects.toThrow(ValidationError);
    expect(await schedule('2027-05-23', '10:00', { email: null })).toEqual(expect.any(String));
  });

  it('warns when the adviser already has an appointment then, and keeps the time once confirmed', async () => {
    await schedule('2026-12-07', '10:00', { email: null });
    await expect(schedule('2026-12-07', '10:30', { email: null })).rejects.toThrow(/chevauche le rendez-vous de lundi 7 décembre/);
    await schedule('2026-12-07', '11:00', { email: null }); // right after: no overlap
    await schedule('2026-12-07', '10:30', { email: null, minutes: 20, acceptOverlap: true });
    const agent = await loginAs(ctx.app, world.users.social_adviser.email);
    const week = await agent.get('/accompagnement/calendrier?semaine=2026-12-07');
    expect($(week.text)('.calendar-overlap').length).toBe(2);
    // through the form: the warning sits next to the checkbox, every value kept
    const res = await postForm(
      agent,
      `/accompagnement/${missionId}/rendez-vous`,
      {
        appointmentDate: '07/12/2026',
        appointmentTime: '10:15',
        appointmentDuration: '30',
        appointmentMode: 'phone',
        appointmentPlace: 'Appel au 06 12 34 56 78',
        contactName: 'Léa Durand',
        contactEmail: '',
      },
      `/accompagnement/${missionId}`,
    );
    expect(res.status).toBe(400);
    const page = $(res.text);
    expect(page('#acceptOverlap-error').text()).toMatch(/chevauche les rendez-vous/);
    expect(page('#appointmentPlace').val()).toBe('Appel au 06 12 34 56 78');
    expect(page('#appointmentTime').val()).toBe('10:15');
  });
});

describe('the household’s link', () => {
  it('confirms, then cancels until 24 hours before; the adviser is told; a cancelled appointment’s link changes nothing more', async () => {
    const before = smtp.mails.length;
    await schedule('2026-12-10', '09:00');
    await waitMails(before + 1);
    const link = linkOf((smtp.mails[before] as ReceivedMail).raw);
    const household = (await import('supertest')).default.agent(ctx.app);
    const page = await household.get(link);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Je confirme ma venue');
    expect(page.text).not.toContain('lea.durand@exemple.fr');
    expect((await postForm(household, `${link}/confirmer`, {}, link)).status).toBe(302);
    expect($((await household.get(link)).text)('#appointment-status').text()).toBe('Confirmé par le ménage');
    expect((await postForm(household, `${link}/annuler`, {}, link)).status).toBe(302);
    expect($((await household.get(link)).text)('#appointment-status').text()).toBe('Annulé');
    await waitMails(before + 2);
    const toAdviser = smtp.mails.slice(before).find((m) => m.to.includes(world.users.social_adviser.email));
    expect(decodeBody(toAdviser?.raw ?? '')).toContain('a annulé le rendez-vous du jeudi 10 décembre 2026 à 09:00');
    // replaying the confirmation after the cancellation is refused
    const replay = await postForm(household, `${link}/confirmer`, {}, link);
    expect(replay.status).toBe(400);
    expect(replay.text).toContain('Ce rendez-vous a été annulé');
    const row = await ctx
      .knex('appointments')
      .where({ id: link.split('/')[2]?.split('.')[0] })
      .first();
    expect(row).toMatchObject({ status: 'cancelled', cancelled_by_label: 'Le ménage (lien du courriel)' });
    expect(
      await ctx
        .knex('audit_events')
        .where({ entity_id: missionId })
        .whereIn('action', ['appointment.confirmed_by_household', 'appointment.cancelled_by_household']),
    ).toHaveLength(2);
  });

  it('is refused when tampered with, too late to change within 24 hours, and gone after the appointment’s day', async () => {
    const before = smtp.mails.length;
    const id = await schedule('2026-11-24', '15:00');
    await waitMails(before + 1);
    const link = linkOf((smtp.mails[before] as ReceivedMail).raw);
    const household = (await import('supertest')).default.agent(ctx.app);
    expect((await household.get(`${link.slice(0, -2)}xy`)).status).toBe(404);
    expect((await household.get(`/rdv/${id}`)).status).toBe(404);
    // Monday 10:00 → Tuesday 15:00 is 29 hours away: still open; at 16:00 on Monday, 23 hours: closed
    ctx.clock.set(new Date('2026-11-23T15:00:00Z'));
    const late = await postForm(household, `${link}/annuler`, {}, link);
    expect(late.status).toBe(400);
    expect(late.text).toContain('Il est trop tard pour le modifier par ce lien');
    expect((await ctx.knex('appointments').where({ id }).first()).status).toBe('scheduled');
    ctx.clock.set(new Date('2026-11-24T22:59:00Z'));
    expect((await household.get(link)).status).toBe(200);
    ctx.clock.set(new Date('2026-11-24T23:00:00Z')); // midnight in Paris: the link has expired
    expect((await household.get(link)).status).toBe(404);
  });
});

describe('a mission that closes', () => {
  it('calls off its upcoming appointments and tells the household; no reminder follows', async () => {
    const other = await acceptedMission(ctx.services, ctx.knex, world, setup);
    const upcoming = await ctx.services.appointments.schedule(adviser, other, {
      date: '2026-12-14',
      time: '09:00',
      durationMinutes: 45,
      mode: 'phone',
      place: 'Appel',
      contactName: 'Léa Durand',
      contactEmail: 'lea.durand@exemple.fr',
    });
    const before = (await mailsTo('appointment.cancelled')).length;
    const version = Number((await ctx.knex('missions').where({ id: other }).first('version')).version);
    await ctx.services.missions.interrupt(adviser, other, version, { reason: 'moved_out' });
    expect(await ctx.knex('appointments').where({ id: upcoming }).first()).toMatchObject({ status: 'cancelled', cancelled_by_label: 'Clôture de la mission' });
    expect((await mailsTo('appointment.cancelled')).length - before).toBe(1);
    ctx.clock.set(new Date('2026-12-13T09:00:00Z'));
    await ctx.services.appointments.sendReminders(ctx.clock.now());
    expect(await ctx.knex('appointment_reminders').where({ appointment_id: upcoming })).toHaveLength(0);
  });
});

describe('reminders', () => {
  const remindersOf = (id: string) => ctx.knex('appointment_reminders').where({ appointment_id: id }).orderBy('kind');

  it('sends the day-before and the 30-minute reminders once each, and nothing once it started', async () => {
    const id = await schedule('2026-11-26', '14:00'); // Thursday 13:00 UTC
    ctx.clock.set(new Date('2026-11-25T12:59:00Z'));
    expect(await ctx.services.appointments.sendReminders(ctx.clock.now())).toEqual({ dayBefore: 0, halfHour: 0 });
    ctx.clock.set(new Date('2026-11-25T13:00:00Z'));
    expect(await ctx.services.appointments.sendReminders(ctx.clock.now())).toMatchObject({ dayBefore: 1 });
    ctx.clock.set(new Date('2026-11-25T13:05:00Z'));
    expect(await ctx.services.appointments.sendReminders(ctx.clock.now())).toEqual({ dayBefore: 0, halfHour: 0 });
    ctx.clock.set(new Date('2026-11-26T12:35:00Z'));
    expect(await ctx.services.appointments.sendReminders(ctx.clock.now())).toEqual({ dayBefore: 0, halfHour: 1 });
    expect(await ctx.services.appointments.sendReminders(ctx.clock.now())).toEqual({ dayBefore: 0, halfHour: 0 });
    const rows = await remindersOf(id);
    expect(rows.map((r: { kind: string }) => r.kind)).toEqual(['day_before', 'half_hour']);
    await waitMails(1);
    const statuses = await ctx
      .knex('mail_outbox')
      .whereIn(
        'id',
        rows.map((r: { mail_id: string }) => r.mail_id),
      )
      .pluck('status');
    expect(statuses).toEqual(['sent', 'sent']);
    const mails = await ctx
      .knex('mail_outbox')
      .whereIn(
        'id',
        rows.map((r: { mail_id: string }) => r.mail_id),
      )
      .orderBy('created_at');
    expect(mails[0].subject).toBe('Rappel : rendez-vous demain, jeudi 26 novembre 2026 à 14:00');
    expect(mails[1].subject).toBe('Rappel : rendez-vous dans 30 minutes');
    // the mission page shows each reminder and its delivery
    const page = await (await loginAs(ctx.app, world.users.operator.email)).get(`/accompagnement/${missionId}`);
    expect(page.text).toMatch(/La veille : 25\/11\/2026 à 14:00 \(envoyé\)/);
  });

  it('sends none for a cancelled appointment, none after the start, and no day-before reminder for one set within the day', async () => {
    const cancelled = await schedule('2026-11-27', '10:00');
    const row = await ctx.knex('appointments').where({ id: cancelled }).first();
    await ctx.services.appointments.setOutcome(adviser, missionId, cancelled, row.version, 'cancelled');
    ctx.clock.set(new Date('2026-11-26T09:30:00Z'));
    const soon = await schedule('2026-11-26', '20:00'); // set 9½ hours before
    ctx.clock.set(new Date('2026-11-26T09:40:00Z'));
    await ctx.services.appointments.sendReminders(ctx.clock.now());
    expect(await remindersOf(cancelled)).toHaveLength(0);
    expect(await remindersOf(soon)).toHaveLength(0);
    ctx.clock.set(new Date('2026-11-26T18:31:00Z'));
    await ctx.services.appointments.sendReminders(ctx.clock.now());
    expect((await remindersOf(soon)).map((r: { kind: string }) => r.kind)).toEqual(['half_hour']);
    // the job missed the half-hour window of another appointment (down until after its start): nothing is sent late
    ctx.clock.set(new Date('2026-11-26T10:00:00Z'));
    const missed = await schedule('2026-11-27', '12:00');
    ctx.clock.set(new Date('2026-11-27T11:01:00Z'));
    await ctx.services.appointments.sendReminders(ctx.clock.now());
    expect(await remindersOf(missed)).toHaveLength(0);
    expect(
      await ctx.knex('mail_outbox').where({ kind: 'appointment.reminder.day_before' }).where('created_at', '>', new Date('2026-11-27T00:00:00Z')),
    ).toHaveLength(0);
  });

  // on PostgreSQL (TEST_DATABASE_URL) the three runs hold three connections and race for real
  it('sends each reminder once when job runs go at the same moment', async () => {
    ctx.clock.set(new Date('2026-11-27T12:00:00Z'));
    const ids = [await schedule('2026-12-01', '09:00'), await schedule('2026-12-01', '11:00'), await schedule('2026-12-01', '14:00')];
    ctx.clock.set(new Date('2026-11-30T13:00:00Z'));
    const now = ctx.clock.now();
    const before = (await mailsTo('appointment.reminder.day_before')).length;
    const runs = await Promise.all([
      ctx.services.appointments.sendReminders(now),
      ctx.services.appointments.sendReminders(now),
      ctx.services.appointments.sendReminders(now),
    ]);
    expect(runs.reduce((a, r) => a + r.dayBefore, 0)).toBe(3);
    expect((await mailsTo('appointment.reminder.day_before')).length - before).toBe(3);
    for (const id of ids) expect(await remindersOf(id)).toHaveLength(1);
    // and through the job runner: one run per 5-minute slot, a second start of the same slot is skipped
    const first = await ctx.services.jobs.run(
      appointmentReminders,
      ctx.services,
      { userId: null, label: 'Planificateur' },
      appointmentReminders.periodKey(now),
    );
    const second = await ctx.services.jobs.run(
      appointmentReminders,
      ctx.services,
      { userId: null, label: 'Planificateur' },
      appointmentReminders.periodKey(now),
    );
    expect(first.status).toBe('succeeded');
    expect(second.status).toBe('skipped');
    expect(appointmentReminders.periodKey(new Date('2026-11-30T13:04:59Z'))).toBe(appointmentReminders.periodKey(new Date('2026-11-30T13:00:00Z')));
    expect(appointmentReminders.periodKey(new Date('2026-11-30T13:05:00Z'))).not.toBe(appointmentReminders.periodKey(new Date('2026-11-30T13:00:00Z')));
  });
});
