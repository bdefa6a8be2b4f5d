import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildWorld, type World } from '../../factories/world';
import { startTestApp, TEST_NOW, type TestContext } from '../../support/app';
import { $, download, loginAs, postForm } from '../../support/http';
import { kindIds, openings } from './setup';

/** The availability pages of the extranet, the kinds of appointment, the poster, and the calendar showing who booked. */
let ctx: TestContext;
let world: World;

beforeAll(async () => {
  ctx = await startTestApp();
  world = await buildWorld(ctx.knex);
});
afterAll(() => ctx.close());
beforeEach(() => ctx.clock.set(TEST_NOW));

const page = '/accompagnement/disponibilites';

describe('an adviser’s own availability', () => {
  it('adds a weekly opening through the form, and re-renders a wrong one with every value kept', async () => {
    const agent = await loginAs(ctx.app, world.users.social_adviser.email);
    expect((await agent.get(page)).status).toBe(200);
    const wrong = await postForm(
      agent,
      `${page}/creneaux`,
      { formulaire: 'opening', weekday: '2', from: '14:00', to: '13h00', mode: 'phone', place: '01 23 45 67 89' },
      page,
    );
    expect(wrong.status).toBe(400);
    const w = $(wrong.text);
    expect(w('.error-summary').text()).toContain('L’heure de fin doit être après l’heure de début');
    expect(w('#place').attr('value')).toBe('01 23 45 67 89');
    expect(w('#weekday option[selected]').attr('value')).toBe('2');
    const ok = await postForm(
      agent,
      `${page}/creneaux`,
      { formulaire: 'opening', weekday: '2', from: '9h00', to: '12:00', mode: 'phone', place: '01 23 45 67 89' },
      page,
    );
    expect(ok.status).toBe(302);
    const after = await agent.get(page);
    expect($(after.text)('.list-group').first().text()).toContain('Mardi');
    expect($(after.text)('.list-group').first().text()).toContain('de 09:00 à 12:00');
  });

  it('adds an absence over several days, and refuses an extra opening without its hours, place or mode', async () => {
    const agent = await loginAs(ctx.app, world.users.social_adviser.email);
    const bad = await postForm(
      agent,
      `${page}/exceptions`,
      { formulaire: 'exception', kind: 'open', startsOn: '05/12/2026', exceptionMode: '', note: 'Samedi' },
      page,
    );
    expect(bad.status).toBe(400);
    expect($(bad.text)('#exceptionFrom-error').text()).toContain('heures');
    expect($(bad.text)('#note').attr('value')).toBe('Samedi');
    const ok = await postForm(
      agent,
      `${page}/exceptions`,
      { formulaire: 'exception', kind: 'closed', startsOn: '24/12/2026', endsOn: '02/01/2027', note: 'Congés' },
      page,
    );
    expect(ok.status).toBe(302);
    const id = (await ctx.knex('availability_exceptions').where({ adviser_id: world.users.social_adviser.id }).first('id')).id;
    const removed = await postForm(agent, `${page}/exceptions/${id}/supprimer`, { conseiller: world.users.social_adviser.id }, page);
    expect(removed.status).toBe(302);
    expect(await ctx.knex('availability_exceptions').where({ id })).toHaveLength(0);
  });

  it('answers 404 when an adviser aims at another adviser’s opening, and never 500 to odd input', async () => {
    const { second } = await openings(ctx.services, ctx.knex, world);
    const theirs = (await ctx.knex('availability_slots').where({ adviser_id: second.id }).first('id')).id;
    const agent = await loginAs(ctx.app, world.users.social_adviser.email);
    expect((await postForm(agent, `${page}/creneaux/${theirs}/supprimer`, { conseiller: world.users.social_adviser.id }, page)).status).toBe(404);
    expect((await postForm(agent, `${page}/creneaux/${theirs}/supprimer`, {}, page)).status).toBe(400);
    expect((await postForm(agent, `${page}/creneaux/${theirs}/supprimer`, { conseiller: second.id }, page)).status).toBe(404);
    expect((await postForm(agent, `${page}/creneaux/pas-un-id/supprimer`, { conseiller: world.users.social_adviser.id }, page)).status).toBe(404);
    expect((await agent.get(`${page}?conseiller=${second.id}`)).text).not.toContain('https://visio.exemple.fr/rdv');
    for (const body of [{ weekday: '9', from: 'x'.repeat(9000) }, { 'weekday[]': '1' } as Record<string, string>, { place: 'a\u0000b' }]) {
      expect([400]).toContain((await postForm(agent, `${page}/creneaux`, body, page)).status);
    }
  });

  it('lets an operator choose the adviser and edit their openings', async () => {
    const second = (await ctx.knex('users').where({ email: 'seconde.conseillere@asso.test' }).first('id')).id;
    const agent = await loginAs(ctx.app, world.users.operator.email);
    const res = await agent.get(`${page}?conseiller=${second}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('https://visio.exemple.fr/rdv');
    const added = await postForm(
      agent,
      `${page}/creneaux`,
      { conseiller: second, weekday: '4', from: '14:00', to: '16:00', mode: 'in_person', place: 'Mairie annexe' },
      page,
    );
    expect(added.status).toBe(302);
    expect(added.headers.location).toBe(`${page}?conseiller=${second}`);
    expect(await ctx.knex('availability_slots').where({ adviser_id: second, weekday: 4 })).toHaveLength(1);
  });
});

describe('kinds of appointment and the poster', () => {
  it('lets an admin rename a kind and change its length', async () => {
    const agent = await loginAs(ctx.app, world.users.admin.email);
    const kinds = await kindIds(ctx.knex);
    expect((await agent.get(`${page}/motifs`)).status).toBe(200);
    const bad = await postForm(agent, `${page}/motifs/${kinds.followUp}`, { label: 'Point d’étape', durationMinutes: '5' }, `${page}/motifs`);
    expect(bad.status).toBe(400);
    expect($(bad.text)('#durationMinutes-error').text()).toContain('Au moins 10 minutes');
    const ok = await postForm(agent, `${page}/motifs/${kinds.followUp}`, { label: 'Point d’étape', durationMinutes: '40', active: 'on' }, `${page}/motifs`);
    expect(ok.status).toBe(302);
    expect((await ctx.knex('appointment_kinds').where({ id: kinds.followUp }).first()).duration_minutes).toBe(40);
    expect((await postForm(agent, `${page}/motifs/${kinds.followUp.replace(/.$/, '0')}`, { label: 'X', durationMinutes: '30' }, `${page}/motifs`)).status).toBe(
      404,
    );
  });

  it('prints a poster whose QR code and text lead to the public booking page', async () => {
    const agent = await loginAs(ctx.app, world.users.operator.email);
    const pdf = await download(agent, `${page}/affiche.pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'affiche-'));
    try {
      fs.writeFileSync(path.join(dir, 'a.pdf'), pdf.body);
      const text = execFileSync('pdftotext', ['-layout', path.join(dir, 'a.pdf'), '-'], { encoding: 'utf8' });
      expect(text).toContain('Prenez rendez-vous');
      expect(text).toContain('http://entraide.test/mon-espace/prendre-rendez-vous');
      expect(text).toContain('Premier rendez-vous');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    // an adviser does not print it
    const adviser = await loginAs(ctx.app, world.users.social_adviser.email);
    expect((await adviser.get(`${page}/affiche.pdf`)).status).toBe(403);
  });
});

describe('the calendar', () => {
  it('shows who booked: the household or the QR code', async () => {
    const kinds = await kindIds(ctx.knex);
    const second = (await ctx.knex('users').where({ email: 'seconde.conseillere@asso.test' }).first('id')).id;
    await ctx.services.bookings.book(
      { contact: { name: 'Nadia Benali', email: 'nadia@exemple.fr' } },
      { kindId: kinds.first, slot: `${second}/2026-12-01T08:00:00.000Z` },
    );
    const agent = await loginAs(ctx.app, world.users.operator.email);
    const res = await agent.get(`/accompagnement/calendrier?semaine=2026-11-30&conseiller=${second}`);
    expect(res.status).toBe(200);
    const card = $(res.text)('.calendar-appointment').first().text();
    expect(card).toContain('Nadia Benali');
    expect(card).toContain('Réservé par QR code');
    expect(card).toContain('Premier rendez-vous');
  });
});
