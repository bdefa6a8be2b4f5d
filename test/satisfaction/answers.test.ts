import request from 'supertest';
import { type MissionSetup, missionSetup } from '../factories/mission';
import { TEST_NOW } from '../support/app';
import { $, csrfToken, postForm } from '../support/http';
import { useWorld } from '../support/world';
import { ANSWERS, completedMission, mailedTokens } from './fixtures';

/**
 * Answering through the mailed link (no login: the answer is anonymous): the form works without
 * JavaScript, a rejected form keeps every value with French errors, the answer is stored once and
 * without the household, a second visit says « Merci, vous avez déjà répondu », no input gives a 500.
 */
const t = useWorld();
let setup: MissionSetup;
let tokens: string[];
const page = (token: string) => `/mon-espace/questionnaires/${token}`;

beforeAll(async () => {
  setup = await missionSetup(t.ctx.services, t.ctx.knex, t.world);
  t.ctx.clock.set(TEST_NOW);
  await completedMission(t.ctx, t.world, setup);
  await completedMission(t.ctx, t.world, setup, setup.types.budget);
  await completedMission(t.ctx, t.world, setup, setup.types.flat);
  t.ctx.clock.set(new Date('2026-11-24T09:00:00Z'));
  await t.ctx.services.satisfaction.sendInvitations(t.ctx.clock.now());
  // the links in the order of the missions' types: diagnostic, budget, files
  const mailed = await mailedTokens(t.ctx.knex);
  const types = await Promise.all(mailed.map(async (token) => (await invitationOf(token)).mission_type_id as string));
  const order = [setup.types.diag, setup.types.budget, setup.types.flat];
  tokens = mailed
    .map((token, i) => ({ token, rank: order.indexOf(types[i] as string) }))
    .sort((a, b) => a.rank - b.rank)
    .map((x) => x.token);
  expect(tokens).toHaveLength(3);
});
beforeEach(() => t.ctx.clock.set(new Date('2026-11-25T18:00:00Z')));

const invitationOf = async (token: string) => {
  const { createHash } = await import('node:crypto');
  return t.ctx
    .knex('satisfaction_invitations')
    .where({ token_hash: createHash('sha256').update(token).digest('hex') })
    .first();
};

describe('the questionnaire page of the mailed link', () => {
  it('asks each question as a fieldset of five large choices, and shows nothing of the household', async () => {
    const res = await request(t.ctx.app).get(page(tokens[0] as string));
    expect(res.status).toBe(200);
    const html = $(res.text);
    expect(html('h1').text()).toBe('Votre avis nous aide');
    expect(
      html('fieldset legend')
        .map((_i, e) => html(e).text())
        .get(),
    ).toEqual([
      '1. Avez-vous été bien accueilli ?',
      '2. Vous êtes-vous senti écouté ?',
      '3. Les explications étaient-elles claires ?',
      '4. Cette aide vous a-t-elle été utile ?',
    ]);
    expect(html('input[type=radio][name=accueil]')).toHaveLength(5);
    expect(html('label[for=accueil]').text()).toBe('1 — Pas du tout');
    expect(html('label.btn-lg[for=accueil-5]').text()).toBe('5 — Tout à fait');
    expect(html('textarea#commentaire')).toHaveLength(1);
    expect(res.text).toContain('Votre accompagnement « Diagnostic social »');
    expect(res.text).not.toContain('Durand');
    expect(res.text).not.toContain('Léa');
  });

  it('answers 404 for an unknown, a malformed or a cut token', async () => {
    for (const token of ['A'.repeat(43), 'pas-un-jeton', (tokens[0] as string).slice(0, 40), `${tokens[0]}x`]) {
      expect((await request(t.ctx.app).get(page(token))).status).toBe(404);
    }
    const agent = request.agent(t.ctx.app);
    const csrf = await csrfToken(agent, page(tokens[0] as string));
    const res = await agent
      .post(page('B'.repeat(43)))
      .type('form')
      .send({ _csrf: csrf, ...ANSWERS });
    expect(res.status).toBe(404);
  });

  it('refuses a post without its CSRF token', async () => {
    const res = await request(t.ctx.app)
      .post(page(tokens[0] as string))
      .type('form')
      .send(ANSWERS);
    expect(res.status).toBe(403);
    expect((await invitationOf(tokens[0] as string)).answered_at).toBeNull();
  });
});

describe('a rejected answer', () => {
  it('keeps every value and says in French what is missing, linked to the question', async () => {
    const agent = request.agent(t.ctx.app);
    const res = await postForm(agent, page(tokens[0] as string), { accueil: '4', clarte: '2', commentaire: 'Très bien reçue' });
    expect(res.status).toBe(400);
    const html = $(res.text);
    const summary = html('.error-summary a')
      .map((_i, e) => [[html(e).attr('href'), html(e).text()]])
      .get();
    expect(summary).toEqual([
      ['#ecoute', 'Choisissez une réponse à la question « Vous êtes-vous senti écouté ? »'],
      ['#utilite', 'Choisissez une réponse à la question « Cette aide vous a-t-elle été utile ? »'],
    ]);
    expect(html('#ecoute-error').text()).toContain('Choisissez une réponse');
    expect(html('#ecoute').closest('fieldset').attr('aria-describedby')).toBe('ecoute-error');
    expect(html('input[name=accueil]:checked').val()).toBe('4');
    expect(html('input[name=clarte]:checked').val()).toBe('2');
    expect(html('textarea#commentaire').text()).toBe('Très bien reçue');
    expect(await t.ctx.knex('satisfaction_answers')).toHaveLength(0);
  });

  it('refuses a comment over 2,000 characters, a NUL byte, a score out of the scale, odd keys — never a 500', async () => {
    const agent = request.agent(t.ctx.app);
    const long = 'é'.repeat(2001);
    let res = await postForm(agent, page(tokens[0] as string), { ...ANSWERS, commentaire: long });
    expect(res.status).toBe(400);
    expect($(res.text)('#commentaire-error').text()).toContain('Votre commentaire est trop long : 2\u202f000 caractères au plus (il en a 2\u202f001)');
    expect($(res.text)('textarea#commentaire').text()).toBe(long);

    res = await postForm(agent, page(tokens[0] as string), { ...ANSWERS, commentaire: 'avant\u0000après' });
    expect(res.status).toBe(400);
    expect($(res.text)('#commentaire-error').text()).toContain('caractère invisible');

    res = await postForm(agent, page(tokens[0] as string), { ...ANSWERS, accueil: '6', ecoute: '0', clarte: '3.5', utilite: '\u0000' });
    expect(res.status).toBe(400);
    expect($(res.text)('.error-summary a')).toHaveLength(4);

    const csrf = await csrfToken(agent, page(tokens[0] as string));
    res = await agent
      .post(page(tokens[0] as string))
      .type('form')
      .send(`_csrf=${encodeURIComponent(csrf)}&accueil=1&accueil=2&ecoute[]=3&__proto__=x&constructor=y&commentaire[a]=b`);
    expect(res.status).toBe(400);

    // a body over the parser's limit is refused before any handler
    res = await agent
      .post(page(tokens[0] as string))
      .type('form')
      .send({ _csrf: csrf, ...ANSWERS, commentaire: 'x'.repeat(300_000) });
    expect(res.status).toBeLessThan(500);
    expect(res.status).toBeGreaterThanOrEqual(400);

    expect(await t.ctx.knex('satisfaction_answers')).toHaveLength(0);
    expect((await invitationOf(tokens[0] as string)).answered_at).toBeNull();
  });
});

describe('an answer', () => {
  it('is stored once, without the household, and the second visit says « Merci, vous avez déjà répondu »', async () => {
    const token = tokens[0] as string;
    const agent = request.agent(t.ctx.app);
    const res = await postForm(agent, page(token), { ...ANSWERS, commentaire: '  Merci à Sophie, très à l’écoute.\r\nJe recommande.  ' });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`${page(token)}?merci=1`);
    expect($((await agent.get(res.headers.location as string)).text)('#survey-thanks').text()).toContain('Merci pour vos réponses');

    const answers = await t.ctx.knex('satisfaction_answers');
    expect(answers).toHaveLength(1);
    expect(answers[0]).toMatchObject({
      kind: 'mission',
      mission_type_id: setup.types.diag,
      adviser_id: t.world.users.social_adviser.id,
      period: '2026-11',
      scores: { accueil: 5, ecoute: 4, clarte: 4, utilite: 3 },
      comment: 'Merci à Sophie, très à l’écoute.\nJe recommande.',
    });
    const invitation = await invitationOf(token);
    expect(new Date(invitation.answered_at).toISOString()).toBe('2026-11-25T18:00:00.000Z');
    const audit = await t.ctx.knex('audit_events').where({ entity_id: invitation.id, action: 'satisfaction.answered' });
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit[0])).not.toContain('Sophie');

    // again, from the same browser or another: nothing stored, the page says so
    const again = await postForm(request.agent(t.ctx.app), page(token), { ...ANSWERS, accueil: '1' });
    expect(again.status).toBe(303);
    const shown = $((await request(t.ctx.app).get(page(token))).text);
    expect(shown('#survey-already').text()).toBe('Merci, vous avez déjà répondu à ce questionnaire.');
    expect(shown('form input[type=radio]')).toHaveLength(0);
    expect(await t.ctx.knex('satisfaction_answers')).toHaveLength(1);
  });

  it('answers only its own invitation: the other links stay open', async () => {
    const before = await invitationOf(tokens[2] as string);
    const res = await postForm(request.agent(t.ctx.app), page(tokens[1] as string), { ...ANSWERS });
    expect(res.status).toBe(302);
    expect((await invitationOf(tokens[1] as string)).answered_at).not.toBeNull();
    expect(await invitationOf(tokens[2] as string)).toEqual(before);
    const answers = await t.ctx.knex('satisfaction_answers').where({ mission_type_id: setup.types.budget });
    expect(answers).toHaveLength(1);
    expect(answers[0].comment).toBeNull();
  });

  it('is kept apart from whoever answered: the answers table has no person, household, organisation nor invitation column', async () => {
    const columns = (await t.ctx.knex('information_schema.columns').where({ table_name: 'satisfaction_answers' }).pluck('column_name')) as string[];
    expect(columns.sort()).toEqual(['adviser_id', 'comment', 'id', 'kind', 'mission_type_id', 'period', 'questionnaire_id', 'scores']);
  });

  it('is no longer possible once the link has expired (60 days)', async () => {
    const token = tokens[2] as string;
    t.ctx.clock.set(new Date('2027-01-23T09:00:00Z'));
    const shown = $((await request(t.ctx.app).get(page(token))).text);
    expect(shown('#survey-expired').text()).toContain('ouvert jusqu’au 23/01/2027');
    t.ctx.clock.set(new Date('2027-01-23T08:59:00Z'));
    const agent = request.agent(t.ctx.app);
    const csrf = await csrfToken(agent, page(token));
    t.ctx.clock.set(new Date('2027-01-23T09:00:00Z'));
    const res = await agent
      .post(page(token))
      .type('form')
      .send({ _csrf: csrf, ...ANSWERS });
    expect(res.status).toBe(303);
    expect((await invitationOf(token)).answered_at).toBeNull();
  });

  it('refuses two simultaneous answers but one (the service, directly)', async () => {
    const [, , third] = tokens as [string, string, string];
    t.ctx.clock.set(new Date('2026-12-01T10:00:00Z'));
    const input = { scores: { accueil: 3, ecoute: 3, clarte: 3, utilite: 3 }, comment: null };
    const outcomes = await Promise.all([t.ctx.services.satisfaction.answerByToken(third, input), t.ctx.services.satisfaction.answerByToken(third, input)]);
    expect(outcomes.sort()).toEqual(['already', 'stored']);
    expect(await t.ctx.knex('satisfaction_answers').where({ mission_type_id: setup.types.flat })).toHaveLength(1);
  });
});

describe('the month an answer counts in', () => {
  it('is the Paris month: an answer at 00:30 on 1 January (23:30 UTC on 31 December) counts in January', async () => {
    t.ctx.clock.set(new Date('2026-12-20T09:00:00Z'));
    const missionId = await completedMission(t.ctx, t.world, setup, setup.types.flat);
    t.ctx.clock.set(new Date('2026-12-21T09:00:00Z'));
    await t.ctx.services.satisfaction.sendInvitations(t.ctx.clock.now());
    const invitation = await t.ctx.knex('satisfaction_invitations').where({ subject_id: missionId }).first();
    const mine: string[] = [];
    for (const tk of await mailedTokens(t.ctx.knex)) if ((await invitationOf(tk)).id === invitation.id) mine.push(tk);
    expect(mine).toHaveLength(1);
    t.ctx.clock.set(new Date('2026-12-31T23:30:00Z'));
    expect(
      await t.ctx.services.satisfaction.answerByToken(mine[0] as string, { scores: { accueil: 2, ecoute: 2, clarte: 2, utilite: 2 }, comment: 'Nouvel an' }),
    ).toBe('stored');
    expect((await t.ctx.knex('satisfaction_answers').where({ comment: 'Nouvel an' }).first()).period).toBe('2027-01');
  });
});
