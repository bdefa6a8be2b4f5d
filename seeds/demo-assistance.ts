import type { Services } from '../src/services';
import type { FakeClock } from '../src/shared/clock';
import { parisDate, parisTime } from '../src/shared/dates';
import { demoActors, demoMoment } from './demo-support';

/**
 * The assistance desk and the breach register as an administrator finds them: a landlord's question
 * answered and resolved, a colleague's anomaly being handled (high priority, assigned, with an
 * internal note), and yesterday's security incident from Bailleur B written in the breach register,
 * its CNIL notification still to decide (the 72-hour countdown runs from its awareness time).
 * Everything goes through the services, on days before `now`.
 */
export async function seedDemoAssistance(services: Services, clock: FakeClock, now: Date): Promise<void> {
  const actor = demoActors(services.knex);
  const at = demoMoment(clock, now);
  const admin = await actor('admin@asso.demo');

  at(6);
  const question = await services.assistance.open(
    await actor('instructeur@bailleur-a.demo'),
    {
      category: 'question',
      subject: 'Joindre un avis d’imposition de deux pages',
      message: 'Le formulaire des pièces n’accepte qu’un fichier par type : comment joindre les deux pages de l’avis ?',
      from: '/demandes',
    },
    [],
  );
  at(5, 20);
  await services.assistance.reply(
    admin,
    question,
    {
      message: 'Vous pouvez déposer plusieurs fichiers à la fois avec « Ajouter des pièces » : choisissez les deux pages, puis le même type pour chacune.',
      statusAfter: 'resolved',
    },
    [],
  );

  at(2, 10);
  const anomaly = await services.assistance.open(
    await actor('operateur@asso.demo'),
    {
      category: 'anomaly',
      subject: 'Accents illisibles dans l’export des ménages',
      message: 'Ouvert dans le tableur, le fichier affiche « MÃ©nage » au lieu de « Ménage ».',
      from: '/menages',
    },
    [],
  );
  at(2, 40);
  const current = await services.assistance.get(admin, anomaly);
  await services.assistance.triage(admin, anomaly, { priority: 'high', status: 'in_progress', assigneeId: admin.userId, version: current.version });
  await services.assistance.addNote(admin, anomaly, 'Le fichier a bien son BOM UTF-8 : vérifier la version du tableur du poste.');

  at(1, 30);
  const incident = await services.assistance.open(
    await actor('admin@bailleur-b.demo'),
    {
      category: 'security_incident',
      subject: 'Avis de paiement envoyé au mauvais locataire',
      message: 'Un avis de paiement a été envoyé par erreur à l’adresse d’un autre locataire de la résidence.',
      from: '/demandes',
    },
    [],
  );
  at(1, 75);
  const reported = await services.assistance.get(admin, incident);
  await services.breaches.record(admin, {
    sourceRequestId: incident,
    nature: 'Envoi d’un avis de paiement par courriel à un mauvais destinataire (un autre locataire de la résidence).',
    peopleCategories: 'Locataire demandeur d’aide',
    peopleCount: 1,
    recordCategories: 'Identité, adresse, montant de l’aide accordée',
    recordCount: 1,
    consequences: 'Divulgation à un voisin de la situation financière du ménage.',
    measures: 'Demande de suppression adressée au destinataire ; rappel de la procédure de vérification des adresses.',
    awareDate: parisDate(reported.createdAt),
    awareTime: parisTime(reported.createdAt),
    cnilStatus: 'pending',
    cnilNotifiedDate: undefined,
    peopleStatus: 'pending',
    peopleInformedDate: undefined,
  });
  clock.set(now);
}
