import { insertAidTypes } from '../../seeds/demo';
import { REQUEST_STATUSES, type RequestStatus, TRANSITIONS } from '../../src/aid-requests/state-machine';
import { insertHousehold } from '../factories/household';
import { insertRequest } from '../factories/request';
import { $, loginAs, postFormKeepingToken, type Agent } from '../support/http';
import { useWorld } from '../support/world';

/**
 * Every action of the request page tried from every status, by the role that could take it:
 * where the state machine (DESIGN §5) does not allow it, the request does not move and the person
 * reads why, in French; nothing ever answers 500.
 */
const t = useWorld();
let householdId: string;
let aidTypeId: string;
/** One session per side for the whole file (a login verifies an argon2 hash): the cases only post forms. */
let landlord: Agent;
let operator: Agent;

beforeAll(async () => {
  await insertAidTypes(t.ctx.knex);
  aidTypeId = (await t.ctx.knex('aid_types').where({ code: 'AQ' }).first()).id;
  householdId = (await insertHousehold(t.ctx.knex, t.world.landlordA.id)).id;
  landlord = await loginAs(t.ctx.app, t.world.users.instructorA.email);
  operator = await loginAs(t.ctx.app, t.world.users.operator.email);
});

interface Action {
  path: string;
  by: 'landlord' | 'operator';
  /** the statuses where the action is allowed */
  from: readonly RequestStatus[];
  fields: Record<string, string>;
}

const from = (action: string) => TRANSITIONS.find((x) => x.action === action)?.from ?? [];
const ACTIONS: Action[] = [
  { path: 'deposer', by: 'landlord', from: [], fields: {} }, // a draft of the factory misses its documents: refused with the reasons, tested elsewhere
  { path: 'retirer', by: 'landlord', from: from('withdraw'), fields: { confirmation: 'oui' } }, // the form of its confirmation page
  { path: 'repondre', by: 'landlord', from: from('answer_information'), fields: { message: 'Voici les pièces.' } },
  { path: 'attribuer', by: 'operator', from: ['submitted', 'in_review', 'awaiting_information', 'adjourned'], fields: {} },
  { path: 'demander-informations', by: 'operator', from: from('ask_information'), fields: { information: 'Le RIB manque.' } },
  { path: 'proposer', by: 'operator', from: from('refuse'), fields: { kind: 'refuse', reasonCode: 'incomplete' } },
  { path: 'reprendre', by: 'operator', from: from('reopen'), fields: {} },
  { path: 'cloturer', by: 'operator', from: from('close'), fields: {} },
];

async function attempt(agent: Agent, id: string, a: Action) {
  const row = await t.ctx.knex('aid_requests').where({ id }).first();
  const res = await postFormKeepingToken(
    agent,
    `/demandes/${id}/${a.path}`,
    { ...a.fields, version: String(row.version) },
    a.by === 'landlord' ? '/demandes' : '/instruction',
  );
  const after = await t.ctx.knex('aid_requests').where({ id }).first();
  let message = '';
  if (res.status === 400) message = $(res.text)('.alert-danger').text();
  let location = res.status === 302 ? (res.headers.location as string) : null;
  for (let hops = 0; location && hops < 3; hops++) {
    const next = await agent.get(location);
    message = $(next.text)('.alert-danger').text();
    location = next.status === 302 ? (next.headers.location as string) : null;
  }
  return { status: res.status, moved: after.status !== row.status || after.version !== row.version, message };
}

describe('forbidden transitions', () => {
  const cases = ACTIONS.flatMap((a) => REQUEST_STATUSES.map((s) => [a.path, s, a] as const));
  it.each(cases)('%s from %s: allowed only where the state machine says, otherwise refused in French', async (_path, status, a) => {
    const id = await insertRequest(t.ctx.knex, {
      organisationId: t.world.landlordA.id,
      householdId,
      aidTypeId,
      createdBy: t.world.users.instructorA.id,
      status,
      requestedCents: 90000,
      requestedMonths: 3,
    });
    const agent = a.by === 'landlord' ? landlord : operator;
    const result = await attempt(agent, id, a);
    expect(result.status).not.toBe(500);
    if (a.from.includes(status)) {
      expect({ status, moved: result.moved }).toEqual({ status, moved: true });
    } else {
      expect({ status, moved: result.moved }).toEqual({ status, moved: false });
      // a draft is invisible to the association (404); elsewhere the refusal says why
      if (!(a.by === 'operator' && status === 'draft')) expect(result.message.length).toBeGreaterThan(10);
    }
    // and the other side may never take it
    const other = a.by === 'landlord' ? operator : landlord;
    const crossed = await attempt(other, id, a);
    expect(crossed.moved).toBe(false);
    expect([302, 400, 403, 404]).toContain(crossed.status);
  });
});
