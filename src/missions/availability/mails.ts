import type { OutgoingMail, MailAttachment } from '../../notifications/repository';
import { appointmentWhen } from '../appointments/mails';

/** What the booking mails say about an appointment. */
export interface BookingDetails {
  contactName: string;
  contactEmail: string | null;
  contactPhone: string | null;
  reason: string;
  startsAt: Date;
  durationMinutes: number;
  /** the mode in words (« Au bureau », « Par téléphone »…) */
  mode: string;
  place: string;
  adviserName: string;
  associationName: string;
  bookedBy: 'household' | 'public';
}

const signature = (a: BookingDetails) => `\n\n— ${a.associationName}\nCe message est envoyé automatiquement, merci de ne pas y répondre.`;
const what = (a: BookingDetails) =>
  `${a.reason} — ${a.mode} avec ${a.adviserName}\nLe ${appointmentWhen(a.startsAt)} (${a.durationMinutes} minutes)\nLieu ou coordonnées : ${a.place}`;
const who = (a: BookingDetails) =>
  `${a.contactName}${a.contactEmail ? ` — ${a.contactEmail}` : ''}${a.contactPhone ? ` — ${a.contactPhone}` : ''} (${a.bookedBy === 'household' ? 'depuis son espace' : 'par le QR code'})`;

/** To the household: the slot is theirs, with the .ics and where to change or cancel it. */
export function bookedMail(to: string, a: BookingDetails, manageLink: string, ics: MailAttachment): OutgoingMail {
  return {
    kind: 'appointment.booked',
    to,
    subject: `Rendez-vous réservé : ${appointmentWhen(a.startsAt)}`,
    text:
      `Bonjour ${a.contactName},\n\nVotre rendez-vous est réservé.\n${what(a)}\n\n` +
      `Pour le déplacer ou l’annuler (au plus tard 24 heures avant) :\n${manageLink}\n\n` +
      'Le fichier joint ajoute le rendez-vous à votre agenda. Vous recevrez un rappel la veille et 30 minutes avant.' +
      signature(a),
    attachments: [ics],
  };
}

/** To the household: the appointment moved (the .ics replaces the former one in its calendar). */
export function movedMail(to: string, a: BookingDetails, manageLink: string, ics: MailAttachment): OutgoingMail {
  return {
    kind: 'appointment.moved',
    to,
    subject: `Rendez-vous déplacé : ${appointmentWhen(a.startsAt)}`,
    text:
      `Bonjour ${a.contactName},\n\nVotre rendez-vous est déplacé. Le nouveau rendez-vous :\n${what(a)}\n\n` +
      `Pour le modifier encore ou l’annuler (au plus tard 24 heures avant) :\n${manageLink}\n\n` +
      'Le fichier joint met votre agenda à jour.' +
      signature(a),
    attachments: [ics],
  };
}

/** To the household: its cancellation is recorded (the .ics takes the appointment out of its calendar). */
export function cancelledByHouseholdMail(to: string, a: BookingDetails, ics: MailAttachment): OutgoingMail {
  return {
    kind: 'appointment.cancelled_by_household.receipt',
    to,
    subject: `Rendez-vous annulé : ${appointmentWhen(a.startsAt)}`,
    text: `Bonjour ${a.contactName},\n\nVotre rendez-vous est annulé :\n${what(a)}\n\nLe fichier joint le retire de votre agenda.` + signature(a),
    attachments: [ics],
  };
}

/** To the adviser: a household booked, moved or cancelled one of their slots. */
export function adviserAlertMail(to: string, change: 'booked' | 'moved' | 'cancelled', a: BookingDetails, calendarLink: string, before?: Date): OutgoingMail {
  const title = { booked: 'Nouveau rendez-vous réservé', moved: 'Rendez-vous déplacé', cancelled: 'Rendez-vous annulé' }[change];
  return {
    kind: `appointment.adviser_alert.${change}`,
    to,
    subject: `${title} — ${appointmentWhen(a.startsAt)}`,
    text:
      `Bonjour,\n\n${title} par ${who(a)}.\n${what(a)}\n` +
      (before ? `Il était prévu le ${appointmentWhen(before)}.\n` : '') +
      `\nVotre agenda : ${calendarLink}` +
      signature(a),
  };
}
