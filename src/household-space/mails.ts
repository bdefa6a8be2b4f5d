import type { OutgoingMail } from '../notifications/repository';

const SIGNATURE = '\n\n— Entraide, pour l’association Soli’AL\nCe message est envoyé automatiquement, merci de ne pas y répondre.';

const WHY: Record<string, string> = {
  request: 'Une demande d’aide a été déposée pour votre foyer.',
  mission: 'Un accompagnement vous est proposé.',
  asked: 'Vous avez demandé un lien vers votre espace.',
  consent: 'Votre accord est demandé pour le traitement de votre demande d’aide.',
  documents: 'Des documents vous sont demandés pour votre demande d’aide.',
  booking: 'Vous pouvez prendre rendez-vous en ligne.',
  staff: 'Votre interlocuteur vous envoie un lien vers votre espace.',
};

/** The personal link (it alone opens nothing: a code mailed to the same address is asked). */
export function householdLinkMail(to: string, firstNames: string, reason: string, link: string, days: number): OutgoingMail {
  return {
    kind: 'household.link',
    to,
    subject: 'Votre espace Entraide : suivez votre dossier en ligne',
    text:
      `Bonjour ${firstNames},\n\n${WHY[reason] ?? WHY.staff}\n\n` +
      `Dans votre espace, vous pouvez suivre votre dossier, envoyer des documents, signer et prendre rendez-vous.\n` +
      `Ouvrez ce lien (valable ${days} jours) :\n${link}\n\n` +
      'Pour entrer, un code vous sera envoyé à cette même adresse. Ne transférez pas ce message.' +
      SIGNATURE,
  };
}

/** The one-time code that opens a session (masked in the outbox once delivered: see one-time-secrets.ts). */
export function householdCodeMail(to: string, firstNames: string, code: string, minutes: number): OutgoingMail {
  return {
    kind: 'household.access_code',
    to,
    subject: `Votre code Entraide : ${'•'.repeat(6)}`,
    text:
      `Bonjour ${firstNames},\n\nVoici votre code pour entrer dans votre espace :\n\n${code}\n\n` +
      `Il est valable ${minutes} minutes. Personne d’Entraide ne vous le demandera jamais.\n` +
      'Si vous n’avez rien demandé, ignorez ce message.' +
      SIGNATURE,
  };
}
