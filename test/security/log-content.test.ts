import request from 'supertest';
import { insertAidTypes } from '../../seeds/demo';
import { useWorld } from '../support/world';
import { $, type Agent, csrfToken, loginAs, postForm } from '../support/http';
import { fileRequest, MANDATORY, PDF } from '../support/filing';
import { insertHousehold } from '../factories/household';
import { acceptedMission, missionSetup } from '../factories/mission';
import { TEST_PASSWORD } from '../factories/user';

/**
 * ASVS 4.0.3 V7.1.2 (and RGPD minimisation): the logs never hold an IBAN, a password, a note or a
 * free text about a household (health included), whatever happens to the request (saved, refused
 * by validation, refused by CSRF). Real journeys run over HTTP with the app's log capture.
 */
const t = useWorld();

const SECRETS = {
  landlordIban: 'FR76 3000 4000 0312 3456 7890 143',
  payeeIban: 'FR76 1010 7001 0112 3456 7890 129',
  wrongIban: 'FR76 3000 6000 0112 3456 7890 188',
  wrongPassword: 'Mauvais-Mot-De-Passe-42',
  cause: 'Hospitalisation en psychiatrie depuis septembre, traitement lourd',
  note: 'Note interne : le locataire a confié une addiction à l’alcool',
  summary: 'Entretien : diabète mal équilibré, arrêt maladie prolongé',
  privateNotes: 'Notes privées : violences conjugales évoquées, orientation CIDFF',
  longNote: `Texte trop long ${'confidentiel '.repeat(450)}`,
};

const variants = (iban: string) => [iban, iban.replace(/\s/g, ''), iban.replace(/\s/g, '').toLowerCase(), iban.replace(/\s/g, '').slice(4, 20)];
const forbidden = () => [
  ...variants(SECRETS.landlordIban),
  ...variants(SECRETS.payeeIban),
  ...variants(SECRETS.wrongIban),
  TEST_PASSWORD,
  SECRETS.wrongPassword,
  SECRETS.cause,
  SECRETS.note,
  SECRETS.summary,
  SECRETS.privateNotes,
  'psychiatrie',
  'diabète',
  'diab\\u00e8te',
  'violences conjugales',
  'addiction',
  'confidentiel',
];

let landlordAdmin: Agent;

describe('what the logs never hold (ASVS 7.1.2)', () => {
  beforeAll(async () => {
    await insertAidTypes(t.ctx.knex);
    t.ctx.logs.length = 0;
  });

  it('a login, a failed login and a CSRF-refused login', async () => {
    landlordAdmin = await loginAs(t.ctx.app, t.world.users.adminA.email);
    await postForm(request.agent(t.ctx.app), '/connexion', { email: t.world.users.adminB.email, password: SECRETS.wrongPassword });
    await request(t.ctx.app).post('/connexion').type('form').send({ email: t.world.users.adminB.email, password: SECRETS.wrongPassword });
    expect(t.ctx.logs.length).toBeGreaterThan(0);
  });

  it('a landlord giving its bank account (wrong key first, then right, with its password to confirm)', async () => {
    const send = async (iban: string, confirmPassword: string) => {
      const token = await csrfToken(landlordAdmin, '/comptes-bancaires');
      return landlordAdmin
        .post('/comptes-bancaires')
        .field('_csrf', token)
        .field('holderName', 'Bailleur Alpha')
        .field('iban', iban)
        .field('bic', 'AGRIFRPPXXX')
        .field('confirmPassword', confirmPassword)
        .attach('rib', PDF, 'RIB.pdf');
    };
    expect((await send(SECRETS.wrongIban, TEST_PASSWORD)).status).toBe(400);
    expect((await send(SECRETS.landlordIban, SECRETS.wrongPassword)).status).toBe(400);
    const saved = await send(SECRETS.landlordIban, TEST_PASSWORD);
    expect(saved.status).toBe(302);
  });

  it('a request filed with a health-related situation and a payee’s IBAN, then an internal note', async () => {
    const instructor = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    const householdId = (await insertHousehold(t.ctx.knex, t.world.landlordA.id)).id;
    const aidTypeId = (await t.ctx.knex('aid_types').where({ code: 'AQ' }).first('id')).id as string;
    const id = await fileRequest(instructor, {
      householdId,
      aidTypeId,
      amount: '600',
      months: '2',
      payeeKind: 'landlord',
      payeeName: 'Bailleur Alpha',
      iban: SECRETS.landlordIban.replace(/\s/g, ''),
      situation: { causeComment: SECRETS.cause },
      documents: MANDATORY.AQ,
      submit: false,
    });
    const v = $((await instructor.get(`/demandes/${id}/recapitulatif`)).text)('input[name="version"]')
      .first()
      .attr('value') as string;
    const sub = await postForm(instructor, `/demandes/${id}/deposer`, { version: v }, `/demandes/${id}/recapitulatif`);
    expect(sub.headers.location).toBe(`/demandes/${id}`);
    expect(JSON.stringify(await t.ctx.knex('aid_requests').where({ id }).first())).toContain(SECRETS.cause);
    // another payee's IBAN, then one refused by its key (the request is submitted: refused either way)
    const version =
      $((await instructor.get(`/demandes/${id}`)).text)('input[name="version"]')
        .first()
        .attr('value') ?? '1';
    for (const payeeIban of [SECRETS.payeeIban, SECRETS.wrongIban]) {
      await postForm(instructor, `/demandes/${id}/versement`, { payeeKind: 'other', payeeName: 'Énergie Plus', payeeIban, version }, `/demandes/${id}`);
    }
    const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
    expect((await postForm(operator, `/demandes/${id}/notes`, { note: SECRETS.note }, `/demandes/${id}`)).status).toBe(302);
    expect((await postForm(operator, `/demandes/${id}/notes`, { note: SECRETS.longNote }, `/demandes/${id}`)).status).toBeGreaterThanOrEqual(300);
    expect(await t.ctx.knex('aid_requests').where({ id }).first('id')).toBeDefined();
  });

  it('a mission session with its summary and private notes (and the same refused, then without a token)', async () => {
    const setup = await missionSetup(t.ctx.services, t.ctx.knex, t.world);
    const id = await acceptedMission(t.ctx.services, t.ctx.knex, t.world, setup);
    const adviser = await loginAs(t.ctx.app, t.world.users.social_adviser.email);
    const session = {
      heldOn: '21/11/2026',
      durationMinutes: '90',
      kind: 'home_visit',
      participants: 'Léa Durand',
      summary: SECRETS.summary,
      privateNotes: SECRETS.privateNotes,
      nextSteps: '',
    };
    expect((await postForm(adviser, `/accompagnement/${id}/entretiens`, { ...session, durationMinutes: '' }, `/accompagnement/${id}`)).status).toBe(400);
    expect((await postForm(adviser, `/accompagnement/${id}/entretiens`, session, `/accompagnement/${id}`)).status).toBe(302);
    expect(await t.ctx.knex('mission_sessions').where({ mission_id: id })).toHaveLength(1);
    expect((await adviser.post(`/accompagnement/${id}/entretiens`).type('form').send(session)).status).toBe(403);
  });

  it('none of it appears in any log line', () => {
    const lines = t.ctx.logs;
    expect(lines.length).toBeGreaterThan(5);
    const found = forbidden().flatMap((secret) => lines.filter((l) => l.toLowerCase().includes(secret.toLowerCase())).map((l) => ({ secret, line: l })));
    expect(found).toEqual([]);
  });
});
