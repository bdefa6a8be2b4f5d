/** The codes of the agreement (docs/echanges/orientations.md) in the words of the pages. */
export const ORIENTATION_STATUS_LABELS = { a_traiter: 'À traiter', transformee: 'Prise en charge', close: 'Close' } as const;

export const ORIENTATION_CLOSE_REASONS = {
  hors_parc_adherent: 'Logement hors du parc d’un bailleur adhérent',
  injoignable: 'Ménage injoignable',
  besoin_couvert: 'Besoin déjà couvert',
  refus_menage: 'Refus du ménage',
  autre: 'Autre motif',
} as const;

export const ORIENTATION_NEEDS = {
  impaye_loyer: 'Impayé de loyer',
  energie: 'Énergie',
  dette_locative: 'Dette locative',
  accompagnement_budget: 'Accompagnement budgétaire',
  accompagnement_acces_droits: 'Accès aux droits',
  autre: 'Autre besoin',
} as const;

export const ORIENTATION_CAUSES = {
  perte_emploi: 'Perte d’emploi',
  maladie_accident: 'Maladie ou accident',
  separation: 'Séparation',
  deces: 'Décès',
  baisse_ressources: 'Baisse de ressources',
  autre: 'Autre',
} as const;

export const CONSENT_MODES = { ecrit: 'Écrit', electronique: 'Électronique', oral_trace: 'Oral, tracé' } as const;
