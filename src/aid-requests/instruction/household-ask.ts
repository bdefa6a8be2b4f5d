import { z } from 'zod';
import { DOCUMENT_KIND_CODES, DOCUMENT_KINDS, type DocumentKind } from '../../aid-types/rules';
import { checkbox, optionalText } from '../../shared/form-fields';

/**
 * « Demander aussi au ménage » (issue 17): the information request addressed to the household too,
 * for these papers; the household space (src/household-space/documents) keeps the ask and receives the files.
 */
export interface HouseholdAskInput {
  kinds: DocumentKind[];
  other: string | null;
}

/** The papers a household may be asked for (the signed consent is the landlord's, never asked of the household). */
export const HOUSEHOLD_DOCUMENT_KINDS = DOCUMENT_KIND_CODES.filter((k) => k !== 'consent');

export const householdDocumentOptions = HOUSEHOLD_DOCUMENT_KINDS.map((value) => ({ value, text: DOCUMENT_KINDS[value] }));

const list = (v: unknown): unknown => (v === undefined || v === '' ? [] : Array.isArray(v) ? v : [v]);

/** The fields the information-request form adds to ask the household too (« Demander aussi au ménage »). */
export const householdAskFields = {
  household: checkbox(),
  householdKinds: z.preprocess(
    list,
    z
      .array(z.enum(HOUSEHOLD_DOCUMENT_KINDS as [DocumentKind, ...DocumentKind[]], { error: 'Choisissez les pièces dans la liste' }), {
        error: 'Choisissez les pièces dans la liste',
      })
      .max(HOUSEHOLD_DOCUMENT_KINDS.length, { error: 'Choisissez les pièces dans la liste' }),
  ),
  householdOther: optionalText(500),
};

/** Asking the household needs at least one paper, from the list or in words. */
export function refineHouseholdAsk(v: { household: boolean; householdKinds: DocumentKind[]; householdOther?: string }, ctx: z.RefinementCtx): void {
  if (v.household && v.householdKinds.length === 0 && !v.householdOther)
    ctx.addIssue({ code: 'custom', path: ['householdKinds'], message: 'Cochez au moins une pièce à demander au ménage, ou précisez-la dans « Autre pièce »' });
}
