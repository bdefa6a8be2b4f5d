/** The words of the « Échanges » page for the codes of the exchanges with Action Logement (docs/echanges). */

/** Where a file stands, both ways (out: prepare → depose → accuse | rejete_en_partie | rejete, or en_echec; in: recu | rejete). */
export const FILE_STATUS_LABELS = {
  prepare: 'préparé',
  depose: 'déposé',
  accuse: 'accusé',
  rejete_en_partie: 'rejeté en partie',
  rejete: 'rejeté',
  en_echec: 'en échec',
  recu: 'reçu',
} as const;

/** A file « préparé » that a transport failure sent back (its problem says why): it leaves at the next delivery. */
export const FILE_TO_REDELIVER_LABEL = 'à redéposer';

/** Where an outbound record stands (funder_records.status). */
export const RECORD_STATUS_LABELS = {
  a_envoyer: 'à envoyer',
  envoye: 'envoyé',
  accepte: 'accepté',
  rejete: 'rejeté',
  doublon: 'doublon',
} as const;

/** The codes of an acknowledgement line (convention §3). */
export const ACK_CODE_LABELS = {
  SCHEMA: 'Format non respecté',
  INCONNU: 'Référence inconnue',
  ETAT: 'État incompatible',
  DOUBLON: 'Déjà reçu',
  MANIFESTE: 'Manifeste non conforme',
  AUTRE: 'Autre motif',
} as const;

export const FLOW_LABELS = {
  ORIENTATIONS: 'Orientations ASD (reçues)',
  SUIVI: 'Suivi des dossiers',
  FACTURATION: 'Facturation',
  ECRITURES: 'Écritures comptables',
  REPORTING: 'Reporting de gestion',
} as const;

export const DIRECTION_LABELS = { in: 'reçu', out: 'envoyé' } as const;

/** The acknowledgement Entraide writes for a file it received. */
export const ACK_SENDING_LABELS = { a_envoyer: 'à envoyer', envoye: 'envoyé' } as const;

/** The control totals of a manifest (a key ending in `_centimes` is money). */
export const TOTAL_LABELS = {
  montant_centimes: 'Montant',
  debit_centimes: 'Débit',
  credit_centimes: 'Crédit',
  lignes: 'Lignes',
  demandes_recues: 'Demandes reçues',
  demandes_decidees: 'Demandes décidées',
  accords: 'Accords',
  refus: 'Refus',
  ajournements: 'Ajournements',
  montant_accorde_centimes: 'Montant accordé',
  montant_verse_centimes: 'Montant versé',
  missions_ouvertes: 'Accompagnements ouverts',
  missions_terminees: 'Accompagnements terminés',
  enregistrements_secrets: 'Cases secrètes (non publiées)',
} as const;
