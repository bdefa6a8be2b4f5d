/** Typed domain errors thrown by services and mapped to a status and a French page by one handler. */
export class DomainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Missing, or belonging to another organisation: both answer 404, indistinguishably. */
export class NotFoundError extends DomainError {
  constructor(message = 'Page introuvable') {
    super(message);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message = 'Vous n’avez pas accès à cette page.') {
    super(message);
  }
}

/** The record changed since the form was opened (optimistic locking). */
export class ConflictError extends DomainError {
  constructor(message = "Cette fiche a été modifiée par quelqu'un d'autre entre-temps. Rechargez-la avant de l'enregistrer à nouveau.") {
    super(message);
  }
}

export class InvalidTransitionError extends DomainError {}

export type FieldErrors = Record<string, string>;

/** Errors attached to form fields, so the form re-renders with each message next to its field. */
export class ValidationError extends DomainError {
  constructor(public readonly fieldErrors: FieldErrors) {
    super(Object.values(fieldErrors)[0] ?? 'Données invalides');
  }
}
