import { z } from 'zod';
import { optionalDate, optionalText, requiredText, versionField } from '../../shared/form-fields';
import { parseEurosToCents } from '../../shared/money';
import { householdAskFields, refineHouseholdAsk } from './household-ask';

export const REFUSAL_REASONS = {
  not_eligible: 'Le ménage ne remplit pas les conditions d’attribution de l’aide',
  effort_rate: 'Le taux d’effort ou le reste à vivre ne justifie pas l’aide',
  ceiling_reached: 'Le plafond d’aides sur la période est atteint',
  incomplete: 'Le dossier reste incomplet malgré la demande d’informations',
  other_solution: 'Un autre dispositif est mieux adapté (FSL, CAF, commission de surendettement…)',
  not_sustainable: 'L’aide ne permettrait pas un maintien durable dans le logement',
  other: 'Autre motif (précisé dans le commentaire)',
} as const;
export type RefusalReason = keyof typeof REFUSAL_REASONS;

const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

export const DECISION_KINDS = { grant: 'Accorder', refuse: 'Refuser', adjourn: 'Ajourner' } as const;

/**
 * A proposed decision. Every field is posted by the one form; which ones are required depends
 * on the kind, and each missing one gets its own message next to it.
 */
export const proposalSchema = (today: string) =>
  z
    .object({
      kind: z.enum(['grant', 'refuse', 'adjourn'], { error: 'Choisissez la décision proposée' }),
      amount: z.preprocess(blank, z.string().max(30).optional()),
      instalments: z.preprocess(
        blank,
        z.coerce
          .number({ error: 'Saisissez un nombre entier d’échéances' })
          .int({ error: 'Saisissez un nombre entier d’échéances' })
          .min(1, { error: 'Au moins une échéance' })
          .max(120, { error: 'Au plus 120 échéances' })
          .optional(),
      ),
      firstDueDate: optionalDate(),
      reasonCode: z.preprocess(
        blank,
        z.enum(Object.keys(REFUSAL_REASONS) as [RefusalReason, ...RefusalReason[]], { error: 'Choisissez un motif de la liste' }).optional(),
      ),
      adjournedUntil: optionalDate(),
      comment: optionalText(2000),
      // the fund the grant commits on, when several can pay it (else chosen by itself)
      fundId: z.preprocess(blank, z.uuid({ error: 'Choisissez un fonds de la liste' }).optional()),
      // an administrator grants above what remains in the fund: the reason (audited; a second person validates)
      budgetOverride: optionalText(500),
      version: versionField(),
    })
    .superRefine((v, ctx) => {
      const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
      if (v.kind === 'grant') {
        if (v.amount === undefined) issue('amount', 'Saisissez le montant accordé');
        else if (!parseEurosToCents(v.amount)) issue('amount', 'Saisissez un montant positif en euros, par exemple 1 234,56');
        if (v.instalments === undefined) issue('instalments', 'Saisissez le nombre d’échéances');
        if (v.firstDueDate === undefined) issue('firstDueDate', 'Saisissez la date de la première échéance');
        else if (v.firstDueDate < today) issue('firstDueDate', 'La première échéance ne peut pas être dans le passé');
      }
      if (v.kind === 'refuse') {
        if (!v.reasonCode) issue('reasonCode', 'Choisissez le motif du refus');
        else if (v.reasonCode === 'other' && !v.comment) issue('comment', 'Précisez le motif du refus dans le commentaire');
      }
      if (v.kind === 'adjourn') {
        if (!v.adjournedUntil) issue('adjournedUntil', 'Saisissez la date jusqu’à laquelle la demande est ajournée');
        else if (v.adjournedUntil <= today) issue('adjournedUntil', 'La date d’ajournement doit être dans le futur');
        if (!v.comment) issue('comment', 'Précisez ce qui est attendu pendant l’ajournement');
      }
    })
    .transform((v) => ({ ...v, amountCents: v.kind === 'grant' && v.amount ? (parseEurosToCents(v.amount) as number) : null }));
export type ProposalInput = z.output<ReturnType<typeof proposalSchema>>;

export const validationSchema = z
  .object({
    outcome: z.enum(['approve', 'return'], { error: 'Choisissez de valider ou de renvoyer la proposition' }),
    validationComment: optionalText(2000),
    version: versionField(),
  })
  .superRefine((v, ctx) => {
    if (v.outcome === 'return' && !v.validationComment)
      ctx.addIssue({ code: 'custom', path: ['validationComment'], message: 'Expliquez pourquoi la proposition est renvoyée' });
  });
export type ValidationInput = z.infer<typeof validationSchema>;

export const messageSchema = z.object({ message: requiredText('Écrivez votre message', 5000) });
export const askInformationSchema = z
  .object({
    information: requiredText('Précisez les informations ou pièces attendues', 5000),
    version: versionField(),
    // issue 17: « Demander aussi au ménage », and which papers
    ...householdAskFields,
  })
  .superRefine(refineHouseholdAsk);
export const answerSchema = z.object({ message: requiredText('Écrivez votre réponse', 5000), version: versionField() });
export const noteSchema = z.object({ note: requiredText('Écrivez la note', 5000) });

const uuidList = z.preprocess((v): unknown => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.uuid()).max(500));

/** Assign one request (with its version) or several from the queue; empty assignee = me. */
export const assignSchema = z.object({
  assignee: z.preprocess(blank, z.uuid({ error: 'Choisissez un chargé d’instruction' }).optional()),
  version: z.preprocess(blank, versionField().optional()),
});
export const bulkAssignSchema = z.object({
  ids: uuidList.refine((ids) => ids.length > 0, { error: 'Cochez au moins une demande' }),
  assignee: z.preprocess(blank, z.uuid({ error: 'Choisissez un chargé d’instruction' }).optional()),
});
