import { elidedDe } from '../../src/shared/elision';

describe('the preposition "de" before a first name', () => {
  it('elides before a vowel, accented or not: d’Aminata, d’Éloïse, d’Yves', () => {
    expect(elidedDe('Aminata')).toBe('d’Aminata');
    expect(elidedDe('Éloïse Marie')).toBe('d’Éloïse Marie');
    expect(elidedDe('océane')).toBe('d’océane');
    expect(elidedDe('Yves')).toBe('d’Yves');
  });

  it('elides before a mute h (Hélène, Hugo) but not before an aspirated one', () => {
    expect(elidedDe('Hélène')).toBe('d’Hélène');
    expect(elidedDe('Hugo')).toBe('d’Hugo');
    expect(elidedDe('Hamid')).toBe('de Hamid');
  });

  it('keeps "de" before a consonant or a y sounding like one', () => {
    expect(elidedDe('Paul')).toBe('de Paul');
    expect(elidedDe('Yasmine')).toBe('de Yasmine');
    expect(elidedDe('')).toBe('de');
  });
});
