import type { OutgoingMail } from '../notifications/repository';
import { formatDateTime } from '../shared/format';
import { CODE_MINUTES } from './code';

const footer = (associationName: string) => `\n\n— ${associationName}\nCe message est envoyé automatiquement, merci de ne pas y répondre.`;

/** The one-time code, alone on its line (the outbox masks such a line once delivered, like the other codes). */
export function signatureCodeMail(to: string, name: string, code: string, associationName: string): OutgoingMail {
  return {
    kind: 'consent.signature_code',
    to,
    subject: 'Votre code pour signer votre accord',
    text:
      `Bonjour ${name},\n\nVoici votre code pour signer votre accord sur l’utilisation de vos données :\n\n${code}\n\n` +
      `Tapez-le sur la page de signature. Il est valable ${CODE_MINUTES} minutes.\n` +
      'Si vous n’avez rien demandé, ne faites rien : sans ce code, rien n’est signé.' +
      footer(associationName),
  };
}

/** When no personal link can be issued (household space not wired): where to go. */
export function signatureAskedMail(to: string, name: string, landlordName: string, link: string, associationName: string): OutgoingMail {
  return {
    kind: 'consent.signature_asked',
    to,
    subject: 'Votre accord est demandé pour votre demande d’aide',
    text:
      `Bonjour ${name},\n\n${landlordName} prépare une demande d’aide pour vous. Votre accord sur l’utilisation de vos données est nécessaire.\n` +
      `Ouvrez votre espace pour lire le texte et signer en ligne :\n${link}` +
      footer(associationName),
  };
}

/** To the request's instructor (or the association), when the household withdraws its consent. */
export function consentWithdrawnMail(to: string, signerName: string, requestLabel: string, at: Date, link: string, associationName: string): OutgoingMail {
  return {
    kind: 'consent.withdrawn',
    to,
    subject: `Consentement retiré — demande ${requestLabel}`,
    text:
      `Bonjour,\n\n${signerName} a retiré son accord sur l’utilisation de ses données le ${formatDateTime(at)} (demande ${requestLabel}).\n` +
      'La demande ne peut plus être étudiée sans un nouvel accord. La demande :\n' +
      link +
      footer(associationName),
  };
}
