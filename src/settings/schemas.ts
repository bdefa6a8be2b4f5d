import { z } from 'zod';
import { optionalEmail, optionalPhone, requiredText, versionField } from '../shared/form-fields';

/** The association's settings, as stored (one JSON value per key) with their defaults. */
export interface Settings {
  letterhead: {
    name: string;
    addressLines: string[];
    phone: string | null;
    email: string | null;
    city: string;
    signatoryName: string;
    signatoryTitle: string;
  };
  instruction: {
    /** A reminder mail goes to the landlord when information asked is still awaited after this many days. */
    informationReminderDays: number;
    /** Requests waiting longer than this show on the dashboard. */
    waitingAlertDays: number;
  };
}

export const DEFAULT_SETTINGS: Settings = {
  letterhead: {
    name: 'Association Entraide Logement',
    addressLines: ['21 quai d’Austerlitz', '75013 Paris'],
    phone: '01 23 45 67 89',
    email: 'contact@entraide.local',
    city: 'Paris',
    signatoryName: 'Claire Martin',
    signatoryTitle: 'Directrice',
  },
  instruction: { informationReminderDays: 7, waitingAlertDays: 15 },
};

const days = (label: string) =>
  z.coerce
    .number({ error: `${label} : saisissez un nombre de jours` })
    .int({ error: `${label} : saisissez un nombre entier` })
    .min(1, { error: `${label} : au moins 1 jour` })
    .max(365, { error: `${label} : au plus 365 jours` });

export const settingsSchema = z.object({
  name: requiredText('Saisissez le nom de l’association', 140),
  address: requiredText('Saisissez l’adresse (une ligne par ligne du courrier)', 400),
  phone: optionalPhone(),
  email: optionalEmail(),
  city: requiredText('Saisissez la ville où les courriers sont signés', 100),
  signatoryName: requiredText('Saisissez le nom du signataire', 140),
  signatoryTitle: requiredText('Saisissez la fonction du signataire', 140),
  informationReminderDays: days('Délai de relance'),
  waitingAlertDays: days('Délai d’alerte'),
  version: versionField(),
});
export type SettingsInput = z.infer<typeof settingsSchema>;
