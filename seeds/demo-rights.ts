import type { Services } from '../src/services';
import type { FakeClock } from '../src/shared/clock';
import { addDays, parisDate } from '../src/shared/dates';
import { demoActors, demoMoment } from './demo-support';

/**
 * The register of rights requests as an administrator finds it: an access request answered with
 * the export, a rectification still open and near its deadline, recorded through the service.
 */
export async function seedDemoRights(services: Services, clock: FakeClock, now: Date): Promise<void> {
  const actor = demoActors(services.knex);
  const at = demoMoment(clock, now);
  const admin = await actor('admin@asso.demo');
  const personOf = async (tenancy: string) =>
    (
      await services
        .knex('households as h')
        .join('household_members as m', 'm.household_id', 'h.id')
        .where({ 'h.tenancy_reference': tenancy, 'm.relationship': 'holder' })
        .first('m.person_id')
    ).person_id as string;
  const households = await services.knex('households').orderBy('tenancy_reference').limit(2).select('tenancy_reference');
  const [first, second] = households.map((h) => h.tenancy_reference as string);
  if (!first || !second) return;
  const today = parisDate(now);

  at(20);
  const access = await services.rights.record(admin, {
    personId: await personOf(first),
    kind: 'access',
    receivedOn: addDays(today, -21),
    channel: 'mail',
    requester: 'La personne elle-même',
    details: 'Demande une copie de toutes les informations la concernant.',
  });
  await services.rights.exportData(admin, access);
  at(12);
  const current = await services.rights.get(admin, access);
  await services.rights.answer(admin, access, {
    answeredOn: addDays(today, -12),
    answer: 'Export des données remis par courrier recommandé, avec la liste des pièces disponibles sur demande.',
    version: current.version,
  });

  at(26);
  await services.rights.record(admin, {
    personId: await personOf(second),
    kind: 'rectification',
    receivedOn: addDays(today, -27),
    channel: 'landlord',
    requester: 'Le bailleur, pour la locataire',
    details: 'L’employeur indiqué n’est plus le bon depuis septembre.',
  });
  clock.set(now);
}
