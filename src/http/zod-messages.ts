import { z } from 'zod';

type Issue = Parameters<NonNullable<z.core.$ZodConfig['customError']>>[0];

/**
 * The French sentence for a rule a schema did not word itself (a schema's own message always wins):
 * a repeated key (an array where one value is expected), a missing field, a value off the list, a
 * text or number out of bounds. Without it zod answers in English ("Invalid input: expected
 * string, received array"), shown as is next to the field or in the 400 page of a filter.
 */
export function frenchMessage(issue: Issue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (Array.isArray(issue.input)) return 'Une seule valeur est attendue pour ce champ';
      if (issue.input === undefined || issue.input === '') return 'Ce champ est à remplir';
      return 'Cette valeur n’est pas acceptée pour ce champ';
    case 'invalid_value':
      return 'Choisissez une valeur dans la liste';
    case 'too_big':
      if (issue.origin === 'string') return `Ce champ ne doit pas dépasser ${issue.maximum} caractères`;
      if (issue.origin === 'array' || issue.origin === 'set') return `${issue.maximum} éléments au plus`;
      return `La valeur ne doit pas dépasser ${issue.maximum}`;
    case 'too_small':
      if (issue.origin === 'string')
        return Number(issue.minimum) <= 1 ? 'Ce champ est à remplir' : `Ce champ doit compter au moins ${issue.minimum} caractères`;
      if (issue.origin === 'array' || issue.origin === 'set') return `${issue.minimum} élément(s) au moins`;
      return `La valeur doit être au moins ${issue.minimum}`;
    case 'invalid_format':
      return issue.format === 'email' ? 'Saisissez une adresse e-mail valide, par exemple prenom.nom@exemple.fr' : 'Cette valeur n’a pas le format attendu';
    case 'not_multiple_of':
      return 'Cette valeur n’est pas acceptée pour ce champ';
    case 'unrecognized_keys':
      return 'Le formulaire contient des champs inattendus';
    default:
      return 'Cette valeur n’est pas acceptée pour ce champ';
  }
}

/** Makes French the fallback of every schema of the process (called once, where forms are declared). */
export function useFrenchMessages(): void {
  z.config({ customError: frenchMessage });
}
