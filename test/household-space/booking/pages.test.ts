import request from 'supertest';
import { acceptedMission, missionSetup } from '../../factories/mission';
import { buildWorld, type World } from '../../factories/world';
import { startTestApp, TEST_NOW, type TestContext } from '../../support/app';
import { householdAgent } from '../../support/household';
import { $, type Agent, postForm, postFormKeepingToken } from '../../support/http';
import { PUBLIC_BOOKINGS_PER_HOUR } from '../../../src/household-space/booking/routes';
import { kindIds, openings } from '../../missions/availability/setup';

/**
 * The booking pages, as a household on its phone uses them: choose a reason, a day, a time; see,
 * move, cancel; the public QR-code page; a slot taken meanwhile; odd input never a 500.
 */
let ctx: TestContext;
let world: World;
let agent: Agent;
let otherAgent: Agent;
let kinds: { first: string; followUp: string; paperwork: string };
let holderA: string;

beforeAll(async () => {
  ctx = await startTestApp();
  world = await buildWorld(ctx.knex);
  const setup = await missionSetup(ctx.services, ctx.knex, world);
  await acceptedMission(ctx.services, ctx.knex, world, setup);
  await openings(ctx.services, ctx.knex, world);
  kinds = await kindIds(ctx.knex);
  holderA = (await ctx.knex('household_members').where({ household_id: setup.householdA }).first('person_id')).person_id;
  const holderB = (await ctx.knex('household_members').where({ household_id: setup.householdB }).first('person_id')).person_id;
  await ctx.knex('persons').where({ id: holderB }).update({ email: 'marc.petit@exemple.fr' });
  agent = await householdAgent(ctx, holderA);
  otherAgent = await householdAgent(ctx, holderB);
});
afterAll(() => ctx.close());

const choose = `/mon-espace/rendez-vous/prendre`;
const slotOf = (html: string, time: string) =>
  $(html)('input[name="slot"]')
    .toArray()
    .map((e) => $(html)(e).attr('value') as string)
    .find((v) => v.endsWith(time)) as string;

describe('booking from the space', () => {
  let bookedId: string;
  beforeAll(() => ctx.clock.set(TEST_NOW));

  it('shows the reasons, then the free hours of the chosen day as large buttons', async () => {
    const first = await agent.get(choose);
    expect(first.status).toBe(200);
    expect($(first.text)('select#motif option').length).toBe(4); // « Choisir… » and the three kinds
    const day = await agent.get(`${choose}?motif=${kinds.first}&jour=2026-11-30`);
    expect(day.status).toBe(200);
    const page = $(day.text);
    expect(page('label.btn-lg').length).toBe(3);
    expect(page('h2').text()).toContain('lundi 30 novembre');
    expect(slotOf(day.text, '2026-11-30T08:00:00.000Z')).toBeDefined();
  });

  it('books and lands on the appointment, with the mail sent', async () => {
    const day = await agent.get(`${choose}?motif=${kinds.first}&jour=2026-11-30`);
    const res = await postForm(
      agent,
      choose,
      { kindId: kinds.first, jour: '2026-11-30', conseiller: '', slot: slotOf(day.text, '2026-11-30T08:00:00.000Z') },
      choose,
    );
    expect(res.status).toBe(302);
    bookedId = res.headers.location!.split('/').pop()!;
    const show = await agent.get(res.headers.location!);
    expect(show.status).toBe(200);
    expect(show.text).toContain('C’est réservé');
    expect(show.text).toContain('lundi 30 novembre');
    expect(await ctx.knex('mail_outbox').where({ kind: 'appointment.booked', to_address: 'lea.durand@exemple.fr' })).toHaveLength(1);
    const list = await agent.get('/mon-espace/rendez-vous');
    expect($(list.text)(`a[href="/mon-espace/rendez-vous/${bookedId}"]`).length).toBe(1);
  });

  it('says plainly when the slot was taken meanwhile, and shows the choice again with everything kept', async () => {
    const res = await postForm(
      otherAgent,
      choose,
      { kindId: kinds.first, jour: '2026-11-30', conseiller: '', slot: `${world.users.social_adviser.id}/2026-11-30T08:00:00.000Z` },
      choose,
    );
    expect(res.status).toBe(400);
    const page = $(res.text);
    expect(page('.error-summary').text()).toContain('vient d’être réservé par quelqu’un d’autre');
    expect(page('select#motif option[selected]').attr('value')).toBe(kinds.first);
    expect(page('input[name="jour"]').first().attr('value')).toBe('2026-11-30');
    expect(page('input[name="slot"]').length).toBeGreaterThan(0);
  });

  it('refuses without a slot, and never answers 500 to odd input', async () => {
    const empty = await postForm(agent, choose, { kindId: kinds.first, jour: '2026-11-30' }, choose);
    expect(empty.status).toBe(400);
    expect($(empty.text)('.error-summary').text()).toContain('Choisissez un créneau');
    for (const body of [
      { kindId: 'x'.repeat(5000), slot: 'y'.repeat(5000) },
      { kindId: kinds.first, slot: `${world.users.social_adviser.id}/2026-13-45T99:00:00.000Z` },
      { kindId: kinds.first, slot: 'abc\u0000def' },
      { 'kindId[]': kinds.first, 'slot[a]': 'b' } as Record<string, string>,
    ]) {
      const res = await postForm(agent, choose, body, choose);
      expect([400]).toContain(res.status);
    }
    expect((await agent.get(`${choose}?motif=${'z'.repeat(3000)}&jour=3000-99-99&conseiller=%00`)).status).toBe(200);
  });

  it('answers 404 for another household’s appointment, on every page of it', async () => {
    expect((await otherAgent.get(`/mon-espace/rendez-vous/${bookedId}`)).status).toBe(404);
    expect((await otherAgent.get(`/mon-espace/rendez-vous/${bookedId}/deplacer`)).status).toBe(404);
    expect((await postForm(otherAgent, `/mon-espace/rendez-vous/${bookedId}/annuler`, {}, '/mon-espace/rendez-vous')).status).toBe(404);
    expect((await agent.get('/mon-espace/rendez-vous/pas-un-identifiant')).status).toBe(404);
  });

  it('moves it, then refuses to cancel inside 24 hours with a plain message', async () => {
    const page = await agent.get(`/mon-espace/rendez-vous/${bookedId}/deplacer?motif=${kinds.first}&jour=2026-12-02`);
    expect(page.status).toBe(200);
    const moved = await postForm(
      agent,
      `/mon-espace/rendez-vous/${bookedId}/deplacer`,
      { kindId: kinds.first, jour: '2026-12-02', slot: slotOf(page.text, '2026-12-02T13:00:00.000Z') },
      `/mon-espace/rendez-vous/${bookedId}`,
    );
    expect(moved.status).toBe(302);
    ctx.clock.set(new Date('2026-12-01T14:00:00Z'));
    agent = await householdAgent(ctx, holderA); // a new day: a new session
    const show = await agent.get(`/mon-espace/rendez-vous/${bookedId}`);
    expect(show.text).toContain('ne peut plus être changé en ligne');
    expect($(show.text)(`form[action="/mon-espace/rendez-vous/${bookedId}/annuler"]`).length).toBe(0);
    const refused = await postForm(agent, `/mon-espace/rendez-vous/${bookedId}/annuler`, {}, '/mon-espace/rendez-vous');
    expect(refused.status).toBe(302);
    const back = await agent.get(refused.headers.location!);
    expect(back.text).toContain('moins de 24 heures');
    expect((await ctx.knex('appointments').where({ id: bookedId }).first()).status).toBe('scheduled');
  });

  it('cancels before the deadline', async () => {
    // still 1 December, 15:00 in Paris: a new appointment the next Monday, then cancelled
    const day = await agent.get(`${choose}?motif=${kinds.first}&jour=2026-12-07`);
    const booked = await postForm(agent, choose, { kindId: kinds.first, jour: '2026-12-07', slot: slotOf(day.text, '2026-12-07T08:00:00.000Z') }, choose);
    expect(booked.status).toBe(302);
    const id = booked.headers.location!.split('/').pop()!;
    const res = await postForm(agent, `/mon-espace/rendez-vous/${id}/annuler`, {}, `/mon-espace/rendez-vous/${id}`);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/mon-espace/rendez-vous');
    expect((await ctx.knex('appointments').where({ id }).first()).status).toBe('cancelled');
  });

  it('keeps the pages for a household session only', async () => {
    const anonymous = request.agent(ctx.app);
    const res = await anonymous.get('/mon-espace/rendez-vous');
    expect(res.status).toBe(302);
  });
});

describe('the public page of the QR code', () => {
  beforeAll(() => ctx.clock.set(new Date('2026-12-01T14:00:00Z')));
  it('takes a day that has the shape of a date but is none (« 2026-13-45 », « 2026-02-30 ») as no day: the first free one, never a 500', async () => {
    const anonymous = request.agent(ctx.app);
    for (const jour of ['2026-13-45', '2026-02-30', '9999-99-99']) {
      const page = await anonymous.get(`/mon-espace/prendre-rendez-vous?motif=${kinds.paperwork}&jour=${jour}`);
      expect({ jour, status: page.status }).toEqual({ jour, status: 200 });
    }
  });

  it('books with a name and an e-mail, without any session', async () => {
    const anonymous = request.agent(ctx.app);
    const page = await anonymous.get(`/mon-espace/prendre-rendez-vous?motif=${kinds.paperwork}&jour=2026-12-08`);
    expect(page.status).toBe(200);
    const slot = slotOf(page.text, '2026-12-08T08:00:00.000Z');
    expect(slot).toBeDefined();
    const missing = await postForm(
      anonymous,
      '/mon-espace/prendre-rendez-vous',
      { kindId: kinds.paperwork, jour: '2026-12-08', slot, contactName: 'Nadia Benali', contactEmail: 'pas-une-adresse' },
      '/mon-espace/prendre-rendez-vous',
    );
    expect(missing.status).toBe(400);
    expect($(missing.text)('#contactEmail-error').text()).toContain('adresse e-mail valide');
    expect($(missing.text)('#contactName').attr('value')).toBe('Nadia Benali');
    const res = await postForm(
      anonymous,
      '/mon-espace/prendre-rendez-vous',
      {
        kindId: kinds.paperwork,
        jour: '2026-12-08',
        slot,
        contactName: 'Nadia Benali',
        contactEmail: 'nadia.benali@exemple.fr',
        contactPhone: '06 11 22 33 44',
      },
      '/mon-espace/prendre-rendez-vous',
    );
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/mon-espace/prendre-rendez-vous/merci');
    expect(await ctx.knex('appointments').where({ booked_by: 'public', contact_email: 'nadia.benali@exemple.fr', contact_phone: '0611223344' })).toHaveLength(
      1,
    );
  });

  it('throttles the public page: past 20 bookings an hour from one address, a plain 429 page', async () => {
    const anonymous = request.agent(ctx.app);
    let last = 0;
    let text = '';
    for (let i = 0; i < PUBLIC_BOOKINGS_PER_HOUR + 1; i++) {
      const res = await postFormKeepingToken(anonymous, '/mon-espace/prendre-rendez-vous', { kindId: kinds.paperwork }, '/mon-espace/prendre-rendez-vous');
      last = res.status;
      text = res.text;
    }
    expect(last).toBe(429);
    expect($(text)('h1').text()).toBe('Trop de demandes');
  });
});
