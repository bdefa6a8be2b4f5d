import type { Knex } from 'knex';
import { insertAidTypes } from '../../seeds/demo';
import type { Actor } from '../../src/permissions';
import type { Services } from '../../src/services';
import type { World } from './world';
import { insertHousehold } from './household';
import { insertRequest } from './request';

export const IBAN = {
  alpha: 'FR7630006000011234567890189',
  beta: 'FR7630001007941234567890185',
  debtor: 'FR1420041010050500013M02606',
  alphaNew: 'FR7630004000031234567890143',
  supplier: 'FR7610107001011234567890129',
};

/** The acting user behind a test user, as services receive it. */
export async function actorOf(knex: Knex, userId: string): Promise<Actor> {
  const u = await knex('users as u').join('organisations as o', 'o.id', 'u.organisation_id').where('u.id', userId).first('u.*', 'o.kind as organisation_kind');
  return {
    userId: u.id,
    role: u.role,
    organisationId: u.organisation_id,
    organisationKind: u.organisation_kind,
    name: `${u.first_name} ${u.last_name}`,
    agencyId: u.agency_id,
    agencyRestricted: u.agency_restricted,
  };
}

/** A one-page "PDF" good enough for content sniffing. */
export const ribFile = (name = 'RIB.pdf') => ({ originalname: name, buffer: Buffer.from('%PDF-1.4\n% RIB de test\n') });

/**
 * What payments need: the demo aid types, the association's debtor account, and landlord A's
 * account given by its administrator and confirmed by the operator.
 */
export async function paymentSetup(services: Services, knex: Knex, world: World): Promise<{ aqId: string; householdId: string }> {
  await insertAidTypes(knex);
  const admin = await actorOf(knex, world.users.admin.id);
  await services.debtorAccounts.create(admin, {
    label: 'Compte courant',
    holderName: 'Association Test',
    iban: IBAN.debtor,
    bic: 'PSSTFRPPXXX',
    isDefault: true,
    active: true,
  });
  await services.payees.submitOwn(
    await actorOf(knex, world.users.adminA.id),
    { holderName: 'Bailleur Alpha', iban: IBAN.alpha, bic: 'AGRIFRPPXXX' },
    ribFile(),
  );
  const operator = await actorOf(knex, world.users.operator.id);
  const [pending] = await services.payees.pendingReviews(operator);
  await services.payees.review(operator, pending!.id, pending!.version, 'confirm', null);
  const aqId = (await knex('aid_types').where({ code: 'AQ' }).first('id')).id as string;
  const householdId = (await insertHousehold(knex, world.landlordA.id)).id;
  return { aqId, householdId };
}

/** A request of landlord A granted through the decision service: its payments are scheduled from `firstDueDate`. */
export async function grantedRequest(
  services: Services,
  knex: Knex,
  world: World,
  o: { aqId: string; householdId: string; amountCents: number; instalments: number; firstDueDate: string; orientationAsd?: string },
): Promise<string> {
  const id = await insertRequest(knex, {
    ...(o.orientationAsd ? { orientationAsd: o.orientationAsd } : {}),
    organisationId: world.landlordA.id,
    householdId: o.householdId,
    aidTypeId: o.aqId,
    createdBy: world.users.instructorA.id,
    status: 'in_review',
    requestedCents: o.amountCents,
    requestedMonths: o.instalments,
    assignedTo: world.users.operator.id,
  });
  const version = Number((await knex('aid_requests').where({ id }).first('version')).version);
  const outcome = await services.decisions.propose(await actorOf(knex, world.users.operator.id), id, {
    kind: 'grant',
    amountCents: o.amountCents,
    instalments: o.instalments,
    firstDueDate: o.firstDueDate,
    version,
    amount: undefined,
    reasonCode: undefined,
    adjournedUntil: undefined,
    comment: undefined,
  } as never);
  if (outcome !== 'applied')
    await services.decisions.validate(await actorOf(knex, world.users.admin.id), id, { outcome: 'approve', version: version + 1 } as never);
  return id;
}

/** The operator proposes a decision on a request (grant, refuse, adjourn): the fields not given are left out, the version read. */
export async function proposeDecision(services: Services, knex: Knex, world: World, requestId: string, input: Record<string, unknown>): Promise<void> {
  const version = Number((await knex('aid_requests').where({ id: requestId }).first('version')).version);
  await services.decisions.propose(await actorOf(knex, world.users.operator.id), requestId, {
    amountCents: undefined,
    instalments: undefined,
    firstDueDate: undefined,
    amount: undefined,
    reasonCode: undefined,
    adjournedUntil: undefined,
    comment: undefined,
    ...input,
    version,
  } as never);
}
