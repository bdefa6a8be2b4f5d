export const RELATIONSHIPS = ['holder', 'co_holder', 'spouse', 'child', 'other'] as const;
export type Relationship = (typeof RELATIONSHIPS)[number];

export const RELATIONSHIP_LABELS: Record<Relationship, string> = {
  holder: 'Titulaire du bail',
  co_holder: 'Co-titulaire',
  spouse: 'Conjoint',
  child: 'Enfant',
  other: 'Autre',
};

export const EMPLOYMENT_STATUSES = ['private_employee', 'public_employee', 'self_employed', 'job_seeker', 'retired', 'student', 'inactive'] as const;
export type EmploymentStatus = (typeof EMPLOYMENT_STATUSES)[number];

export const EMPLOYMENT_LABELS: Record<EmploymentStatus, string> = {
  private_employee: 'Salarié du secteur privé',
  public_employee: 'Salarié du secteur public',
  self_employed: 'Indépendant',
  job_seeker: 'Demandeur d’emploi',
  retired: 'Retraité',
  student: 'Étudiant',
  inactive: 'Sans activité',
};

/** Statuses that come with an employer (name required, SIRET checked when given). */
export const EMPLOYED: readonly EmploymentStatus[] = ['private_employee', 'public_employee'];

export const RESOURCE_KINDS = ['salary', 'unemployment', 'caf', 'pension', 'rsa', 'other'] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

export const RESOURCE_LABELS: Record<ResourceKind, string> = {
  salary: 'Salaire',
  unemployment: 'Allocations chômage',
  caf: 'Prestations CAF (hors aide au logement)',
  pension: 'Pension, retraite',
  rsa: 'RSA',
  other: 'Autres ressources',
};

export const CIVILITY_LABELS = { mme: 'Madame', m: 'Monsieur' } as const;
