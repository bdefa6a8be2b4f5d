import { bicProblem, compactIban, formatIban, ibanProblem, maskIban } from '../../src/shared/iban';

describe('IBAN and BIC', () => {
  it('accepts a valid French IBAN typed with spaces and lower case', () => {
    expect(ibanProblem('fr76 3000 6000 0112 3456 7890 189')).toBeNull();
    expect(compactIban('fr76 3000 6000 0112 3456 7890 189')).toBe('FR7630006000011234567890189');
  });

  it('refuses a wrong check key (mod 97), a truncated IBAN and a non-SEPA country, in French', () => {
    expect(ibanProblem('FR76 3000 6000 0112 3456 7890 188')).toContain('clé de contrôle');
    expect(ibanProblem('FR76 3000')).toContain('IBAN complet');
    expect(ibanProblem('BR15 0000 0000 0000 1093 2840 814P 2')).toContain('zone SEPA');
  });

  it('checks the BIC shape', () => {
    expect(bicProblem('BNPAFRPPXXX')).toBeNull();
    expect(bicProblem('agrifrpp')).toBeNull();
    expect(bicProblem('BNP')).toContain('8 ou 11 caractères');
  });

  it('formats and masks for display', () => {
    expect(formatIban('FR7630006000011234567890189')).toBe('FR76 3000 6000 0112 3456 7890 189');
    expect(maskIban('FR7630006000011234567890189')).toBe('FR76 •••• •••• •••• •••• ••90 189');
  });
});
