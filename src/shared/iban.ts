import { electronicFormatIBAN, friendlyFormatIBAN, isSEPACountry, isValidBIC, isValidIBAN } from 'ibantools';

/** "fr76 3000 6000 0112 3456 7890 189" → "FR7630006000011234567890189" (no check). */
export function compactIban(input: string): string {
  return electronicFormatIBAN(input.replace(/[\s\u00a0-]/g, '')) ?? input.replace(/\s/g, '').toUpperCase();
}

/**
 * Why an IBAN is refused, in French, or null when it is a valid IBAN (mod-97 key and the country's
 * length) of a SEPA country: transfers leave in SEPA credit transfers only.
 */
export function ibanProblem(input: string): string | null {
  const iban = compactIban(input);
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/.test(iban)) return 'Saisissez un IBAN complet, par exemple FR76 3000 6000 0112 3456 7890 189';
  if (!isValidIBAN(iban)) return 'Cet IBAN n’est pas valide : vérifiez les chiffres (la clé de contrôle ne correspond pas)';
  if (!isSEPACountry(iban.slice(0, 2))) return 'Cet IBAN n’est pas dans la zone SEPA : le virement ne pourra pas être émis';
  return null;
}

export function bicProblem(input: string): string | null {
  const bic = input.replace(/\s/g, '').toUpperCase();
  return isValidBIC(bic) ? null : 'Saisissez un BIC de 8 ou 11 caractères, par exemple BNPAFRPPXXX';
}

/** "FR7630006000011234567890189" → "FR76 3000 6000 0112 3456 7890 189". */
export function formatIban(iban: string): string {
  return friendlyFormatIBAN(iban) ?? iban;
}

/** Shown to people who do not need the full number: "FR76 •••• •••• •••• •••• ••89 189". */
export function maskIban(iban: string): string {
  const compact = compactIban(iban);
  const keep = compact.length - 5;
  const masked = compact.slice(0, 4) + compact.slice(4, keep).replace(/./g, '•') + compact.slice(keep);
  return masked.replace(/(.{4})/g, '$1 ').trim();
}
