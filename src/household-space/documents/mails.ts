import type { OutgoingMail } from '../../notifications/repository';

const SIGNATURE =
  '\n\n— Entraide, l’extranet des aides et de l’accompagnement\nCe message est envoyé automatiquement, merci de ne pas y répondre : utilisez les échanges de la demande.';

/**
 * To the landlord who filed the request and to its instructor: the household sent files from its
 * space. Like every mail about a request: its reference, its aid and a link, never the household's
 * name nor the files themselves.
 */
export function householdFilesArrivedMail(
  to: string,
  firstName: string,
  r: { reference: string; aidLabel: string; link: string },
  count: number,
): OutgoingMail {
  const files = count > 1 ? `${count} fichiers` : 'un fichier';
  return {
    kind: 'request.household_files',
    to,
    subject: `Demande ${r.reference} : le ménage a envoyé des documents`,
    text:
      `Bonjour ${firstName},\n\nLe ménage a envoyé ${files} depuis son espace pour la demande ${r.reference} (${r.aidLabel}).\n` +
      `${count > 1 ? 'Ils sont' : 'Il est'} dans l’onglet « Pièces », parmi les fichiers reçus à classer :\n${r.link}?onglet=pieces` +
      SIGNATURE,
  };
}
