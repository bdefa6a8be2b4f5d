/** The rights a person may exercise (GDPR art. 15 to 21), in the register's words. */
export const RIGHT_KINDS = {
  access: 'Accès (art. 15)',
  portability: 'Portabilité (art. 20)',
  rectification: 'Rectification (art. 16)',
  erasure: 'Effacement (art. 17)',
  restriction: 'Limitation (art. 18)',
  objection: 'Opposition (art. 21)',
} as const;
export type RightKind = keyof typeof RIGHT_KINDS;

export const RIGHT_CHANNELS = {
  mail: 'Courrier',
  email: 'Courriel',
  in_person: 'Sur place',
  phone: 'Téléphone',
  landlord: 'Transmise par le bailleur',
} as const;
/** How a request reached the register: the channels staff record, and the person's own space. */
export const RIGHT_CHANNEL_LABELS = { ...RIGHT_CHANNELS, household_space: 'Depuis l’espace du ménage' } as const;
export type RightChannel = keyof typeof RIGHT_CHANNEL_LABELS;
