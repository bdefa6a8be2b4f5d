/** The review states of a bank account given by a landlord or for a supplier, as people read them. */
export const BANK_ACCOUNT_STATUS_LABELS: Readonly<Record<string, string>> = {
  pending: 'À vérifier par l’association',
  confirmed: 'Vérifié — utilisé pour les virements',
  rejected: 'Refusé',
  replaced: 'Remplacé',
};
