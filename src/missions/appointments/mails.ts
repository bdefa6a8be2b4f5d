import type { MailAttachment, OutgoingMail } from '../../notifications/repository';
import { formatLongDateTime } from '../../shared/format';

export type ReminderKind = 'day_before' | 'half_hour';

/** What every appointment mail says about the appointment. */
export interface AppointmentDetails {
  to: string;
  contactName: string;
  startsAt: Date;
  durationMinutes: number;
  mode: string;
  place: string;
  adviserName: string;
  associationName: string;
  missionReference: string;
  organisationId: string;
}

/** "jeudi 3 décembre 2026 à 14:30" ("mardi 1er décembre 2026 à 14:30") */
export function appointmentWhen(d: Date): string {
  return formatLongDateTime(d, { year: true });
}

const signature = (a: AppointmentDetails) => `\n\n— ${a.associationName}\nCe message est envoyé automatiquement, merci de ne pas y répondre.`;
const what = (a: AppointmentDetails) =>
  `${a.mode} avec ${a.adviserName}, le ${appointmentWhen(a.startsAt)} (${a.durationMinutes} minutes).\nLieu ou coordonnées : ${a.place}`;

export function appointmentMail(a: AppointmentDetails, link: string, ics: MailAttachment): OutgoingMail {
  return {
    kind: 'appointment.scheduled',
    to: a.to,
    subject: `Votre rendez-vous du ${appointmentWhen(a.startsAt)}`,
    text:
      `Bonjour ${a.contactName},\n\nUn rendez-vous est fixé pour vous :\n${what(a)}\n\n` +
      `Pour confirmer votre venue ou annuler (au plus tard 24 heures avant), ouvrez ce lien :\n${link}\n\n` +
      'Le fichier joint ajoute le rendez-vous à votre agenda. Vous recevrez un rappel la veille et 30 minutes avant.' +
      signature(a),
    attachments: [ics],
  };
}

export function reminderMail(a: AppointmentDetails, kind: ReminderKind, link: string, changeable: boolean): OutgoingMail {
  return {
    kind: `appointment.reminder.${kind}`,
    to: a.to,
    subject: kind === 'day_before' ? `Rappel : rendez-vous demain, ${appointmentWhen(a.startsAt)}` : `Rappel : rendez-vous dans 30 minutes`,
    text:
      `Bonjour ${a.contactName},\n\nNous vous rappelons votre rendez-vous :\n${what(a)}\n\n` +
      (changeable ? `Pour confirmer ou annuler :\n${link}` : `En cas d’empêchement, prévenez ${a.adviserName}. Le détail du rendez-vous :\n${link}`) +
      signature(a),
  };
}

export function cancellationMail(a: AppointmentDetails, ics: MailAttachment): OutgoingMail {
  return {
    kind: 'appointment.cancelled',
    to: a.to,
    subject: `Rendez-vous annulé : ${appointmentWhen(a.startsAt)}`,
    text:
      `Bonjour ${a.contactName},\n\nLe rendez-vous suivant est annulé :\n${what(a)}\n\n${a.adviserName} reprendra contact avec vous pour en fixer un autre. ` +
      'Le fichier joint le retire de votre agenda.' +
      signature(a),
    attachments: [ics],
  };
}

/** To the adviser, when the household cancels through its link. */
export function householdCancelledMail(to: string, a: AppointmentDetails, link: string): OutgoingMail {
  return {
    kind: 'appointment.cancelled_by_household',
    to,
    subject: `Rendez-vous annulé par le ménage — ${a.missionReference}`,
    text:
      `Bonjour,\n\n${a.contactName} a annulé le rendez-vous du ${appointmentWhen(a.startsAt)} (mission ${a.missionReference}).\n` +
      `La mission : ${link}` +
      signature(a),
  };
}
