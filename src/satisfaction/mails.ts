import type { OutgoingMail } from '../notifications/repository';
import { formatDate, formatLongDateTime } from '../shared/format';

export interface InvitationMail {
  to: string;
  name: string;
  kind: 'mission' | 'appointment';
  missionType: string;
  /** when the mission ended or the appointment took place */
  at: Date;
  questions: number;
  link: string;
  expiresAt: Date;
  associationName: string;
}

/** The invitation to answer: plain words, what it is, how long, that it is anonymous, the link. */
export function invitationMail(m: InvitationMail): OutgoingMail {
  const what =
    m.kind === 'mission'
      ? `Votre accompagnement « ${m.missionType} » avec ${m.associationName} est terminé.`
      : `Vous avez eu un rendez-vous avec ${m.associationName} le ${formatLongDateTime(m.at, { year: true })}.`;
  return {
    kind: 'satisfaction.invitation',
    to: m.to,
    subject: m.kind === 'mission' ? 'Votre avis sur votre accompagnement' : `Votre avis sur votre rendez-vous du ${formatDate(m.at)}`,
    text:
      `Bonjour ${m.name},\n\n${what}\n\n` +
      `Pouvez-vous nous donner votre avis ? Il y a ${m.questions} questions. Cela prend 2 minutes.\n` +
      'Vos réponses sont anonymes. Votre bailleur ne les voit pas.\n\n' +
      `Pour répondre, ouvrez ce lien :\n${m.link}\n\n` +
      `Vous pouvez répondre une seule fois, jusqu’au ${formatDate(m.expiresAt)}.` +
      `\n\n— ${m.associationName}\nCe message est envoyé automatiquement, merci de ne pas y répondre.`,
  };
}
