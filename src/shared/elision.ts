/**
 * French elision of "de" before a name: "d’Aminata", "d’Hélène", but "de Paul", "de Yasmine".
 * A vowel (accented or not) elides; a y elides before a consonant (Yves, Yvonne), not before a
 * vowel (Yasmine, Yann); an h elides only in first names whose h is mute, which no rule can tell
 * from the spelling, so they are listed.
 */
const MUTE_H = new Set([
  'hadrien',
  'hector',
  'helene',
  'heloise',
  'henri',
  'henriette',
  'herve',
  'hilaire',
  'hippolyte',
  'honore',
  'honorine',
  'hortense',
  'hubert',
  'hugo',
  'hugues',
  'huguette',
  'hyacinthe',
]);

const fold = (s: string) =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();

export function elides(name: string): boolean {
  const word = fold(name.trim().split(/[\s-]/)[0] ?? '');
  if (!word) return false;
  if (/^[aeiouœæ]/.test(word)) return true;
  if (word.startsWith('y')) return !/^y[aeiouy]/.test(word);
  if (word.startsWith('h')) return MUTE_H.has(word);
  return false;
}

/** "de" followed by the name, elided when French says so. */
export function elidedDe(name: string | null | undefined): string {
  const text = (name ?? '').trim();
  if (!text) return 'de';
  return elides(text) ? `d’${text}` : `de ${text}`;
}
