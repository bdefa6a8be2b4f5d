import { z } from 'zod';
import { checkbox, optionalPhone, optionalText, requiredDate, requiredEmail, requiredText } from '../../shared/form-fields';
import { APPOINTMENT_MODES } from '../state-machine';

const keys = <T extends Record<string, string>>(o: T) => Object.keys(o) as [keyof T & string, ...Array<keyof T & string>];
const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const time = (missing: string) =>
  z
    .string({ error: missing })
    .trim()
    .regex(/^([01]?\d|2[0-3])[:h]([0-5]\d)$/, { error: 'Saisissez une heure, par exemple 09:00 ou 14h30' })
    .transform((v) => v.replace('h', ':').padStart(5, '0'));
const optionalTime = () => z.preprocess(blank, time('').optional());
const adviserField = () => z.preprocess(blank, z.uuid({ error: 'Conseiller·ère inconnu·e' }).optional());

/** Days of the week, Monday first (ISO numbers). */
export const WEEKDAYS: Record<string, string> = { '1': 'Lundi', '2': 'Mardi', '3': 'Mercredi', '4': 'Jeudi', '5': 'Vendredi', '6': 'Samedi', '7': 'Dimanche' };
export const EXCEPTION_KINDS = { closed: 'Absence (jour ou heures fermés)', open: 'Ouverture en plus' } as const;

export const openingSchema = z.object({
  conseiller: adviserField(),
  weekday: z.enum(keys(WEEKDAYS), { error: 'Choisissez le jour' }).transform(Number),
  from: time('Saisissez l’heure de début'),
  to: time('Saisissez l’heure de fin'),
  mode: z.enum(keys(APPOINTMENT_MODES), { error: 'Choisissez comment se passe le rendez-vous' }),
  place: requiredText('Indiquez le lieu, le numéro appelé ou le lien de la visio', 300),
});

export const exceptionSchema = z.object({
  conseiller: adviserField(),
  kind: z.enum(keys(EXCEPTION_KINDS), { error: 'Choisissez absence ou ouverture' }),
  startsOn: requiredDate('Saisissez le premier jour'),
  endsOn: z.preprocess(blank, requiredDate('Saisissez le dernier jour').optional()),
  exceptionFrom: optionalTime(),
  exceptionTo: optionalTime(),
  exceptionMode: z.preprocess(blank, z.enum(keys(APPOINTMENT_MODES), { error: 'Choisissez comment se passe le rendez-vous' }).optional()),
  exceptionPlace: optionalText(300),
  note: optionalText(200),
});

/** A removal names whose availability it is about (the page's hidden field): an empty post is refused before anything is looked up. */
export const adviserOnlySchema = z.object({ conseiller: z.uuid({ error: 'Conseiller·ère inconnu·e' }) });

export const kindSchema = z.object({
  label: requiredText('Indiquez le motif', 80),
  durationMinutes: z.preprocess(
    blank,
    z.coerce
      .number({ error: 'Saisissez la durée en minutes' })
      .int({ error: 'Saisissez un nombre entier de minutes' })
      .min(10, { error: 'Au moins 10 minutes' })
      .max(480, { error: 'Au plus 8 heures (480 minutes)' }),
  ),
  active: checkbox(),
});

/** The choice page posts the kind and one slot (`adviserId/ISO start`); the day and adviser filter come back as they were. */
const slotFields = {
  kindId: z.uuid({ error: 'Choisissez le motif du rendez-vous' }),
  slot: z
    .string({ error: 'Choisissez un créneau' })
    .max(100, { error: 'Choisissez un créneau' })
    .regex(/^[0-9a-f-]{36}\/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/i, { error: 'Choisissez un créneau' }),
  jour: optionalText(10),
  conseiller: optionalText(36),
};
export const bookingSchema = z.object(slotFields);

export const publicBookingSchema = z.object({
  ...slotFields,
  contactName: requiredText('Indiquez votre prénom et votre nom', 140),
  contactEmail: requiredEmail('Indiquez votre adresse e-mail : la confirmation y sera envoyée'),
  contactPhone: optionalPhone(),
});
