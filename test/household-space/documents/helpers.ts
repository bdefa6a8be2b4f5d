import type { TestContext } from '../../support/app';
import type { World } from '../../factories/world';
import { insertHousehold, insertPerson } from '../../factories/household';
import { insertRequest } from '../../factories/request';
import { $, type Agent, csrfToken, loginAs } from '../../support/http';

/** The test world of a file: the app and its organisations (useWorld). */
export interface T {
  readonly ctx: TestContext;
  readonly world: World;
}

/** A photo by its first bytes (JPEG). */
export const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('JFIF photo de la page 1'), Buffer.from([0xff, 0xd9])]);

let people = 0;
/** A household of landlord A whose holder has an e-mail (one per test: links and codes are limited per person). */
export async function freshHousehold(t: T): Promise<{ householdId: string; personId: string; email: string }> {
  people += 1;
  const email = `menage${people}-${process.pid}@example.test`;
  const personId = await insertPerson(t.ctx.knex, { lastName: 'Garnier', firstNames: 'Lucie', email });
  const householdId = (await insertHousehold(t.ctx.knex, t.world.landlordA.id, { members: [{ personId, relationship: 'holder' }] })).id;
  return { householdId, personId, email };
}

/** A request of a household of landlord A under review, filed by instructorA, assigned to the operator. */
export async function reviewedRequest(t: T, householdId: string, aidTypeId: string): Promise<string> {
  return insertRequest(t.ctx.knex, {
    organisationId: t.world.landlordA.id,
    householdId,
    aidTypeId,
    createdBy: t.world.users.instructorA.id,
    status: 'in_review',
    assignedTo: t.world.users.operator.id,
  });
}

async function version(agent: Agent, id: string): Promise<string> {
  const v = $((await agent.get(`/demandes/${id}`)).text)(`form[action="/demandes/${id}/demander-informations"] input[name="version"]`).attr('value');
  if (!v) throw new Error('no information form on the request page');
  return v;
}

/** The operator's information request, as the browser posts it (repeated fields for the ticked papers). */
export async function askInformation(agent: Agent, id: string, fields: Array<[string, string]>) {
  const token = await csrfToken(agent, `/demandes/${id}`);
  const body = new URLSearchParams([['_csrf', token], ['version', await version(agent, id)], ...fields]);
  return agent.post(`/demandes/${id}/demander-informations`).type('form').send(body.toString());
}

/** The operator asks the landlord and the household (three papers); returns the ask's id. */
export async function askHousehold(t: T, requestId: string): Promise<string> {
  const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
  const res = await askInformation(operator, requestId, [
    ['information', 'Il manque l’avis d’imposition et les bulletins de salaire.'],
    ['household', 'on'],
    ['householdKinds', 'tax_notice'],
    ['householdKinds', 'payslips'],
    ['householdOther', 'Le courrier de la CAF d’octobre'],
  ]);
  if (res.status !== 302) throw new Error(`asking the household failed with status ${res.status}`);
  const ask = await t.ctx.knex('household_document_requests').where({ request_id: requestId }).orderBy('asked_at', 'desc').first('id');
  return (ask as { id: string }).id;
}

/** A sending from the household's page: the CSRF field first, then the files. */
export async function send(agent: Agent, askId: string, files: Array<[Buffer, string]>) {
  const token = await csrfToken(agent, '/mon-espace/documents');
  let req = agent.post(`/mon-espace/documents/${askId}/envoyer`).field('_csrf', token);
  for (const [data, name] of files) req = req.attach('files', data, name);
  return req;
}

/** The messages shown at the top of « Mes documents » (the flash of the last sending). */
export async function flash(agent: Agent): Promise<string> {
  const page = $((await agent.get('/mon-espace/documents')).text);
  return page('.alert')
    .map((_i, e) => page(e).text().trim())
    .get()
    .join(' | ');
}

export const uploadsOf = (t: T, requestId: string) => t.ctx.knex('request_uploads').where({ request_id: requestId }).orderBy('uploaded_at').orderBy('filename');
