import type { HistoryLabels } from '../audit/presenter';
import { formatDate, formatEuros } from '../shared/format';
import { CIVILITY_LABELS, EMPLOYMENT_LABELS, RELATIONSHIP_LABELS } from './labels';

const MONEY = new Set([
  'rentCents',
  'chargesCents',
  'housingAllowanceCents',
  'resourceSalary',
  'resourceUnemployment',
  'resourceCaf',
  'resourcePension',
  'resourceRsa',
  'resourceOther',
]);
const DATES = new Set(['entryDate', 'birthDate', 'fromDate', 'toDate']);

/** French labels of the household page's "Suivi des modifications" (household and people mixed). */
export function householdHistoryLabels(personNames: Map<string, string>): HistoryLabels {
  return {
    actions: {
      'household.created': 'Création du ménage',
      'household.updated': 'Modification du logement',
      'household.split': 'Séparation',
      'household.created_by_split': 'Création par séparation',
      'household.absorbed': 'Fusion (ménage absorbé)',
      'household.merged': 'Fusionné dans un autre ménage',
      'member.arrived': 'Arrivée d’une personne',
      'member.left': 'Départ d’une personne',
      'person.created': 'Nouvelle personne',
      'person.updated': 'Modification d’une personne',
      'person.absorbed': 'Fusion de doublon',
      'person.merged': 'Fusionnée dans une autre fiche',
    },
    fields: {
      addressLine1: 'Adresse',
      addressLine2: 'Complément',
      postcode: 'Code postal',
      city: 'Ville',
      housingEstate: 'Résidence',
      tenancyReference: 'Référence du bail',
      entryDate: 'Date d’entrée',
      rentCents: 'Loyer',
      chargesCents: 'Charges',
      housingAllowanceCents: 'Aide au logement',
      civility: 'Civilité',
      lastName: 'Nom',
      firstNames: 'Prénoms',
      birthDate: 'Date de naissance',
      email: 'E-mail',
      phone: 'Téléphone',
      employmentStatus: 'Situation professionnelle',
      employerName: 'Employeur',
      employerSiret: 'SIRET employeur',
      resourceSalary: 'Salaire',
      resourceUnemployment: 'Allocations chômage',
      resourceCaf: 'Prestations CAF',
      resourcePension: 'Pension',
      resourceRsa: 'RSA',
      resourceOther: 'Autres ressources',
      member: 'Personne',
      members: 'Personnes',
      relationship: 'Lien',
      fromDate: 'Depuis le',
      toDate: 'Jusqu’au',
      movedTo: 'Vers le bail',
      splitFrom: 'Issu du bail',
      merged: 'Absorbé',
      mergedInto: 'Fusionné dans',
    },
    value: (field, value) => {
      if (value === null || value === undefined || value === '') return '—';
      if (MONEY.has(field)) return formatEuros(value);
      if (DATES.has(field)) return formatDate(value);
      if (field === 'relationship') return RELATIONSHIP_LABELS[value as keyof typeof RELATIONSHIP_LABELS] ?? String(value);
      if (field === 'employmentStatus') return EMPLOYMENT_LABELS[value as keyof typeof EMPLOYMENT_LABELS] ?? String(value);
      if (field === 'civility') return CIVILITY_LABELS[value as keyof typeof CIVILITY_LABELS] ?? String(value);
      return String(value);
    },
    subject: (e) => (e.entityType === 'person' ? (personNames.get(e.entityId) ?? null) : null),
  };
}
