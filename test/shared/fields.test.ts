import { isValidSiren, isValidSiret } from '../../src/shared/luhn';
import { centsToInput, parseEurosToCents } from '../../src/shared/money';
import { parseFrenchDate, requiredSiren } from '../../src/shared/form-fields';
import { formatDate, formatDateTime, formatEuros } from '../../src/http/views';

describe('SIREN and SIRET (Luhn)', () => {
  it('accepts valid numbers and refuses a wrong key or length', () => {
    expect(isValidSiren('732829320')).toBe(true);
    expect(isValidSiren('732829321')).toBe(false);
    expect(isValidSiren('73282932')).toBe(false);
    expect(isValidSiren('73282932A')).toBe(false);
    expect(isValidSiret('73282932000074')).toBe(true);
    expect(isValidSiret('73282932000075')).toBe(false);
  });

  it('applies La Poste’s own rule to its establishments', () => {
    expect(isValidSiret('35600000000048')).toBe(true);
    expect(isValidSiret('35600000049837')).toBe(true); // digits sum to a multiple of 5
  });

  it('accepts a SIREN typed with spaces', () => {
    expect(requiredSiren().parse('732 829 320')).toBe('732829320');
  });
});

describe('amounts in euros', () => {
  it('turns what people type into integer cents without floats', () => {
    expect(parseEurosToCents('1 234,56')).toBe(123456);
    expect(parseEurosToCents('1234.5')).toBe(123450);
    expect(parseEurosToCents('0,10')).toBe(10);
    expect(parseEurosToCents('19,99 €')).toBe(1999);
    expect(parseEurosToCents('0.07')).toBe(7);
    expect(parseEurosToCents('12,345')).toBeNull();
    expect(parseEurosToCents('-5')).toBeNull();
    expect(parseEurosToCents('abc')).toBeNull();
    expect(centsToInput(123456)).toBe('1234,56');
  });

  it('formats cents the French way', () => {
    expect(formatEuros(123456).replace(/\s/g, ' ')).toBe('1 234,56 €');
    expect(formatEuros('7')).toBe('0,07\u00a0€');
  });
});

describe('dates', () => {
  it('reads JJ/MM/AAAA and AAAA-MM-JJ, refusing impossible dates', () => {
    expect(parseFrenchDate('31/12/2026')).toBe('2026-12-31');
    expect(parseFrenchDate('2026-02-28')).toBe('2026-02-28');
    expect(parseFrenchDate('29/02/2027')).toBeNull();
    expect(parseFrenchDate('2026-13-01')).toBeNull();
    expect(parseFrenchDate('demain')).toBeNull();
  });

  it('shows dates and times in French, Paris time', () => {
    expect(formatDate('2026-01-30')).toBe('30/01/2026');
    expect(formatDateTime(new Date('2026-01-30T14:15:00Z'))).toBe('30/01/2026 à 15:15');
    expect(formatDateTime(new Date('2026-07-30T13:15:00Z'))).toBe('30/07/2026 à 15:15');
  });
});
