/**
 * Names as compared for duplicate detection: no accents, no case, no hyphens, apostrophes or
 * spaces ("Éloïse Lefèvre-Dupont" and "eloise lefevre dupont" are the same person).
 */
export function normalizeName(value: string): string {
  return value
    .replace(/[œŒ]/g, 'oe')
    .replace(/[æÆ]/g, 'ae')
    .replace(/ß/g, 'ss')
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

/** The first given name only ("Marie Claire" → "marie"; "Jean-Pierre" stays one name). */
export function normalizeFirstName(firstNames: string): string {
  return normalizeName(firstNames.trim().split(/\s+/)[0] ?? '');
}
