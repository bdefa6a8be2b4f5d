import { type MissionSetup, missionSetup } from '../factories/mission';
import { TEST_NOW } from '../support/app';
import { $, loginAs } from '../support/http';
import { useWorld } from '../support/world';
import { completedMission, mailedTokens } from './fixtures';

/**
 * The association's results, live: by mission type and by adviser, averages and distribution; the
 * comments for the association's staff (an adviser sees their own work only), the figures alone for
 * the auditor, nothing for a landlord — and never a household's name.
 */
const t = useWorld();
let setup: MissionSetup;
const RESULTS = '/statistiques/satisfaction';

beforeAll(async () => {
  setup = await missionSetup(t.ctx.services, t.ctx.knex, t.world);
  t.ctx.clock.set(TEST_NOW);
  await completedMission(t.ctx, t.world, setup);
  await completedMission(t.ctx, t.world, setup);
  await completedMission(t.ctx, t.world, setup, setup.types.budget);
  t.ctx.clock.set(new Date('2026-11-24T09:00:00Z'));
  await t.ctx.services.satisfaction.sendInvitations(t.ctx.clock.now());
  const tokens = await mailedTokens(t.ctx.knex);
  const scores = [
    { accueil: 5, ecoute: 5, clarte: 4, utilite: 4 },
    { accueil: 4, ecoute: 3, clarte: 2, utilite: 5 },
    { accueil: 1, ecoute: 2, clarte: 3, utilite: 2 },
  ];
  for (const [i, token] of tokens.entries())
    await t.ctx.services.satisfaction.answerByToken(token, {
      scores: scores[i] as Record<string, number>,
      comment: i === 0 ? 'Accueil chaleureux, merci.' : null,
    });
  // an answer on another adviser's work (the operator stands in for one)
  await t.ctx.knex('satisfaction_answers').insert({
    questionnaire_id: (await t.ctx.knex('satisfaction_questionnaires').first('id')).id,
    kind: 'appointment',
    mission_type_id: setup.types.diag,
    adviser_id: t.world.users.operator.id,
    period: '2026-10',
    scores: JSON.stringify({ accueil: 2, ecoute: 2, clarte: 2, utilite: 2 }),
    comment: 'Rendez-vous trop court.',
  });
});
beforeEach(() => t.ctx.clock.set(new Date('2026-11-25T09:00:00Z')));

const read = async (email: string, path = RESULTS) => (await loginAs(t.ctx.app, email)).get(path);
const cells = (html: ReturnType<typeof $>, table: string): string[][] =>
  html(`#${table} tbody tr`)
    .toArray()
    .map((tr) =>
      html(tr)
        .children()
        .toArray()
        .map((c) => html(c).text().trim()),
    );

describe('the results page', () => {
  it('shows the administrator the figures by mission type and adviser, the distribution, and the comments without a household', async () => {
    const res = await read(t.world.users.admin.email);
    expect(res.status).toBe(200);
    const html = $(res.text);
    expect(html('#satisfaction-summary').text()).toMatch(/Réponses\s*4/);
    expect(html('#satisfaction-summary').text()).toContain('100 % (3 sur 3 questionnaires envoyés)');
    // accueil: 5, 4, 1, 2 → 3,0 ; one answer at each of 1, 2, 4, 5
    expect(cells(html, 'satisfaction-questions')[0]).toEqual([
      'Avez-vous été bien accueilli ?',
      '3,0',
      '1 (25 %)',
      '1 (25 %)',
      '0 (0 %)',
      '1 (25 %)',
      '1 (25 %)',
    ]);
    const byType = cells(html, 'satisfaction-by-type');
    expect(byType.map((r) => r.slice(0, 2))).toEqual([
      ['Diagnostic social', '3'],
      ['Accompagnement budgétaire', '1'],
    ]);
    const byAdviser = cells(html, 'satisfaction-by-adviser').map((r) => r[1]);
    expect(byAdviser).toEqual(['3', '1']);
    expect(html('#satisfaction-comments li').length).toBe(2);
    expect(html('#satisfaction-comments').text()).toContain('Accueil chaleureux, merci.');
    expect(html('#satisfaction-comments').text()).toContain('Rendez-vous trop court.');
    for (const identity of ['Léa', 'lea.durand', 'BAIL-', 'rue Victor Hugo', t.world.landlordA.name]) expect(res.text).not.toContain(identity);
  });

  it('shows an adviser their own answers and comments only', async () => {
    const html = $((await read(t.world.users.social_adviser.email)).text);
    expect(html('#satisfaction-summary').text()).toMatch(/Réponses\s*3/);
    expect(html('h2').text()).toContain('Vos résultats');
    expect(html('#satisfaction-comments').text()).toContain('Accueil chaleureux, merci.');
    expect(html('#satisfaction-comments').text()).not.toContain('Rendez-vous trop court.');
  });

  it('shows the auditor the figures without any comment', async () => {
    const res = await read(t.world.users.auditor.email);
    expect(res.status).toBe(200);
    const html = $(res.text);
    expect(html('#satisfaction-summary').text()).toMatch(/Réponses\s*4/);
    expect(html('#satisfaction-comments')).toHaveLength(0);
    expect(html('#satisfaction-no-comments').text()).toContain('chiffres seulement');
    expect(res.text).not.toContain('Accueil chaleureux');
  });

  it('is refused to landlords and to the accountant', async () => {
    for (const user of [t.world.users.adminA, t.world.users.instructorA, t.world.users.adminB, t.world.users.accountant]) {
      const res = await read(user.email);
      expect({ user: user.email, status: res.status }).toEqual({ user: user.email, status: 403 });
      expect(res.text).not.toContain('Accueil chaleureux');
    }
  });

  it('filters by month and ignores what is not a month (never a 500)', async () => {
    const html = $((await read(t.world.users.operator.email, `${RESULTS}?du=2026-11&au=2026-11`)).text);
    expect(html('#satisfaction-summary').text()).toMatch(/Réponses\s*3/);
    for (const q of ['du=2026-13', 'du[]=x&au=%00', 'au=2026-11-01', 'du=' + 'x'.repeat(5000)]) {
      const res = await read(t.world.users.operator.email, `${RESULTS}?${q}`);
      expect(res.status).toBeLessThan(500);
    }
  });
});

describe('the statistics page', () => {
  it('sums satisfaction up for the association and links to the results', async () => {
    const html = $((await read(t.world.users.admin.email, '/statistiques')).text);
    expect(html('#satisfaction').text()).toContain('4 réponses aux questionnaires de satisfaction, moyenne 3,0 sur 5, taux de réponse 100 %');
    expect(html('#satisfaction a').attr('href')).toBe(RESULTS);
  });

  it('says nothing of it to a landlord administrator', async () => {
    const res = await read(t.world.users.adminA.email, '/statistiques');
    expect(res.status).toBe(200);
    expect($(res.text)('#satisfaction')).toHaveLength(0);
  });
});
