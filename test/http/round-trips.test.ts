import { insertAidTypes } from '../../seeds/demo';
import { insertHousehold, insertPerson } from '../factories/household';
import { insertRequest } from '../factories/request';
import { householdAgent } from '../support/household';
import { type Agent, loginAs } from '../support/http';
import { useWorld } from '../support/world';

/**
 * The database round trips of one view of each measured page (issue 20, `npm run bench:pages`), as
 * production serves it: reference lists kept their few seconds (REFERENCE_CACHE_SECONDS), the page
 * already seen once. Every statement counts: the session's read, the user's, the page's queries, the
 * read trace. A new query on one of these pages must be weighed, then its budget raised here.
 */
const t = useWorld({ REFERENCE_CACHE_SECONDS: '30' });

let operator: Agent;
let instructor: Agent;
let household: Agent;
let taken: string;

beforeAll(async () => {
  const { knex } = t.ctx;
  await insertAidTypes(knex);
  const aq = (await knex('aid_types').where({ code: 'AQ' }).first('id')).id as string;
  const holder = await insertPerson(knex, { email: 'menage@exemple.test' });
  const { id: householdId } = await insertHousehold(knex, t.world.landlordA.id, { members: [{ personId: holder, relationship: 'holder' }] });
  const make = (status: string, assignedTo?: string) =>
    insertRequest(knex, {
      organisationId: t.world.landlordA.id,
      householdId,
      aidTypeId: aq,
      createdBy: t.world.users.instructorA.id,
      status: status as never,
      ...(assignedTo ? { assignedTo } : {}),
    });
  for (const s of ['submitted', 'submitted', 'closed', 'refused', 'paid']) await make(s);
  taken = await make('in_review', t.world.users.operator.id);
  for (let k = 0; k < 12; k++)
    await knex('request_events').insert({
      request_id: taken,
      actor_user_id: k % 2 ? t.world.users.operator.id : t.world.users.instructorA.id,
      actor_label: 'Test',
      kind: 'message',
      message: `Message ${k}`,
      visibility: 'shared',
    });
  operator = await loginAs(t.ctx.app, t.world.users.operator.email);
  instructor = await loginAs(t.ctx.app, t.world.users.instructorA.email);
  household = await householdAgent(t.ctx, holder);
});

/** The SQL statements one GET runs, after a first view of the same page. */
async function roundTrips(agent: Agent, path: string): Promise<string[]> {
  const first = await agent.get(path);
  expect(first.status).toBe(200);
  const statements: string[] = [];
  const listen = (q: { sql: string }) => statements.push(q.sql);
  t.ctx.knex.on('query', listen);
  try {
    const res = await agent.get(path);
    expect(res.status).toBe(200);
  } finally {
    t.ctx.knex.removeListener('query', listen);
  }
  return statements;
}

const PAGES: Array<[string, () => Agent, () => string, number]> = [
  ['operator queue « À prendre »', () => operator, () => '/instruction', 4],
  ['operator queue « Mes dossiers »', () => operator, () => '/instruction?onglet=mes_dossiers', 4],
  ['operator queue « Décidés »', () => operator, () => '/instruction?onglet=decides', 4],
  ['landlord list, page 1', () => instructor, () => '/demandes', 2],
  ['landlord list, filters + search', () => instructor, () => '/demandes?status=closed&q=martin&tri=depot', 3],
  ['association list, page 1', () => operator, () => '/demandes', 2],
  ['request page of a taken request (synthèse)', () => operator, () => `/demandes/${taken}`, 11],
  ['request page, exchanges tab', () => operator, () => `/demandes/${taken}?onglet=echanges`, 9],
  ['request page seen by its landlord', () => instructor, () => `/demandes/${taken}`, 10],
  ['statistics', () => operator, () => '/statistiques', 4],
  ['exchanges with Action Logement', () => operator, () => '/echanges', 8],
  ['funds', () => operator, () => '/fonds', 2],
  ['household space', () => household, () => '/mon-espace', 5],
];

describe('database round trips per page (bench:pages’ pages)', () => {
  it.each(PAGES)('%s: at most its budget', async (_label, agent, path, budget) => {
    const statements = await roundTrips(agent(), path());
    if (statements.length > budget) throw new Error(`${statements.length} round trips (budget ${budget}):\n${statements.join('\n')}`);
    expect(statements.length).toBeLessThanOrEqual(budget);
  });

  it('reads the session and its user in one statement, and still writes the request page’s read trace', async () => {
    const statements = await roundTrips(operator, `/demandes/${taken}`);
    expect(statements.filter((s) => /from "sessions"/.test(s))).toHaveLength(1);
    expect(statements.filter((s) => /from "users" as "u"/.test(s) && /"u"\."id" = \$1/.test(s))).toHaveLength(0);
    expect(statements.filter((s) => /insert into "access_events"/.test(s))).toHaveLength(1);
  });
});
