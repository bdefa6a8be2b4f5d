import type { OutgoingMail } from '../notifications/repository';

const SIGNATURE =
  '\n\n— Entraide, l’extranet des aides et de l’accompagnement\nCe message est envoyé automatiquement, merci de ne pas y répondre : répondez dans Entraide.';

/** To the requester: the association answered their assistance request (the answer is read in Entraide, never in the mail). */
export function assistanceAnswerMail(to: string, firstName: string, request: { number: number; subject: string; link: string }): OutgoingMail {
  return {
    kind: 'assistance.answered',
    to,
    subject: `Entraide : réponse à votre demande d’assistance n° ${request.number}`,
    text:
      `Bonjour ${firstName},\n\nL’association a répondu à votre demande d’assistance n° ${request.number} (« ${request.subject} »).\n` +
      `Lisez sa réponse et répondez si besoin : ${request.link}` +
      SIGNATURE,
  };
}

/** To the association's administrators: a security incident was reported (the 72 hours of art. 33 may be running). */
export function securityIncidentMail(to: string, firstName: string, request: { number: number; organisationName: string; link: string }): OutgoingMail {
  return {
    kind: 'assistance.security_incident',
    to,
    subject: `Entraide : incident de sécurité signalé (demande n° ${request.number})`,
    text:
      `Bonjour ${firstName},\n\nUn incident de sécurité vient d’être signalé par ${request.organisationName} (demande d’assistance n° ${request.number}).\n` +
      'S’il s’agit d’une violation de données personnelles, inscrivez-la au registre : la CNIL doit être notifiée dans les 72 heures suivant sa prise de connaissance.\n' +
      `Voir la demande : ${request.link}` +
      SIGNATURE,
  };
}
