import { z } from 'zod';
import { parseFrenchDate } from '../../shared/form-fields';
import type { DuplicateProbe } from '../persons-repository';

/** What is typed so far, as the live check and a re-rendered form read it (never an error). */
const typed = z.object({
  lastName: z.string().trim().max(100).catch(''),
  firstNames: z.string().trim().max(120).catch(''),
  birthDate: z.string().trim().max(20).catch(''),
  email: z.string().trim().max(254).catch(''),
  phone: z.string().trim().max(20).catch(''),
});

/** The duplicate probe for what is typed, or null until the name, first names and birth date are there. */
export function probeFrom(values: unknown): DuplicateProbe | null {
  const q = typed.parse(values && typeof values === 'object' ? values : {});
  const birthDate = parseFrenchDate(q.birthDate);
  if (!q.lastName || !q.firstNames || !birthDate) return null;
  return { lastName: q.lastName, firstNames: q.firstNames, birthDate, email: q.email || null, phone: q.phone.replace(/[\s.\-()]/g, '') || null };
}

/** A ticked checkbox as forms and query strings post it. */
export const ticked = (v: unknown): boolean => v === 'on' || v === 'true' || v === '1' || v === true;
