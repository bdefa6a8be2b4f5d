import type { OutgoingMail } from '../../notifications/repository';
import { formatDate, formatEuros } from '../../shared/format';

/**
 * Mails about a request carry its reference, the aid and a link, never the household's name or
 * situation (the link leads to the extranet, behind a login).
 */
const SIGNATURE =
  '\n\n— Entraide, l’extranet des aides et de l’accompagnement\nCe message est envoyé automatiquement, merci de ne pas y répondre : utilisez les échanges de la demande.';

interface About {
  reference: string;
  aidLabel: string;
  link: string;
}

/** What a mail says of a request: its reference, its aid and the link to it. */
export function aboutRequest(r: { id: string; reference: string | null; aidTypeLabel: string }, baseUrl: string): About {
  return { reference: r.reference ?? '', aidLabel: r.aidTypeLabel, link: `${baseUrl}/demandes/${r.id}` };
}

export function informationRequestedMail(to: string, firstName: string, r: About, days: number): OutgoingMail {
  return {
    kind: 'request.information_requested',
    to,
    subject: `Demande ${r.reference} : informations attendues`,
    text:
      `Bonjour ${firstName},\n\nL’association a besoin d’informations complémentaires pour instruire la demande ${r.reference} (${r.aidLabel}).\n` +
      `Consultez ce qui est demandé et répondez depuis la demande :\n${r.link}\n\nSans réponse, un rappel vous sera envoyé dans ${days} jours.` +
      SIGNATURE,
  };
}

export function informationReminderMail(to: string, firstName: string, r: About, since: Date): OutgoingMail {
  return {
    kind: 'request.information_reminder',
    to,
    subject: `Rappel — demande ${r.reference} : informations toujours attendues`,
    text:
      `Bonjour ${firstName},\n\nLes informations demandées le ${formatDate(since)} pour la demande ${r.reference} (${r.aidLabel}) ne nous sont pas encore parvenues.\n` +
      `L’instruction reste suspendue jusqu’à votre réponse :\n${r.link}` +
      SIGNATURE,
  };
}

export function informationAnsweredMail(to: string, firstName: string, r: About, landlord: string): OutgoingMail {
  return {
    kind: 'request.information_answered',
    to,
    subject: `Demande ${r.reference} : le bailleur a répondu`,
    text:
      `Bonjour ${firstName},\n\n${landlord} a répondu à votre demande d’informations sur la demande ${r.reference} (${r.aidLabel}). Elle revient dans « Mes dossiers » :\n${r.link}` +
      SIGNATURE,
  };
}

export function newMessageMail(to: string, firstName: string, r: About, from: string): OutgoingMail {
  return {
    kind: 'request.message',
    to,
    subject: `Demande ${r.reference} : nouveau message`,
    text: `Bonjour ${firstName},\n\n${from} a écrit un message sur la demande ${r.reference} (${r.aidLabel}) :\n${r.link}` + SIGNATURE,
  };
}

export function decisionMail(
  to: string,
  firstName: string,
  r: About,
  d: { kind: 'grant' | 'refuse' | 'adjourn'; grantedCents: number | null; adjournedUntil: string | null },
): OutgoingMail {
  const what =
    d.kind === 'grant'
      ? `L’association a accordé l’aide (${formatEuros(d.grantedCents)}).`
      : d.kind === 'refuse'
        ? 'L’association n’a pas pu accorder l’aide.'
        : `L’examen de la demande est ajourné jusqu’au ${formatDate(d.adjournedUntil)}.`;
  return {
    kind: `request.decision.${d.kind}`,
    to,
    subject: `Demande ${r.reference} : décision de l’association`,
    text:
      `Bonjour ${firstName},\n\nLa demande ${r.reference} (${r.aidLabel}) a reçu sa décision. ${what}\nLe courrier de décision est à télécharger sur la demande :\n${r.link}` +
      SIGNATURE,
  };
}
