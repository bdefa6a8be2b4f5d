import { z } from 'zod';
import { checkbox, choice, requiredText, versionField } from '../../shared/form-fields';
import { CLOSE_REASONS } from './queue';

/** Closing an orientation: a reason code of the agreement, and the confirmation (it cannot be undone). */
export const closeOrientationSchema = z.object({
  reason: choice(CLOSE_REASONS, 'Choisissez le motif de clôture'),
  confirm: checkbox().refine((v) => v, { error: 'Cochez la case pour confirmer la clôture : elle ne peut pas être annulée' }),
  version: versionField(),
});

/**
 * Giving an orientation its follow-up: the household (matched or just created) and either an aid
 * (the draft the landlord completes) or a support mission with its reason (prefilled).
 */
export const followUpSchema = z
  .object({
    householdId: z.uuid({ error: 'Choisissez le ménage de la personne orientée, ou créez-le' }),
    suite: choice(['aide', 'accompagnement'] as const, 'Choisissez la suite donnée'),
    aidTypeId: z.preprocess((v) => (v === '' ? undefined : v), z.uuid().optional().catch(undefined)),
    missionTypeId: z.preprocess((v) => (v === '' ? undefined : v), z.uuid().optional().catch(undefined)),
    missionReason: z.preprocess((v) => (v === '' ? undefined : v), requiredText('Saisissez le motif de l’accompagnement', 2000).optional()),
    version: versionField(),
  })
  .superRefine((v, ctx) => {
    if (v.suite === 'aide' && !v.aidTypeId) ctx.addIssue({ code: 'custom', path: ['aidTypeId'], message: 'Choisissez l’aide demandée' });
    if (v.suite === 'accompagnement' && !v.missionTypeId)
      ctx.addIssue({ code: 'custom', path: ['missionTypeId'], message: 'Choisissez le type d’accompagnement' });
    if (v.suite === 'accompagnement' && !v.missionReason)
      ctx.addIssue({ code: 'custom', path: ['missionReason'], message: 'Saisissez le motif de l’accompagnement' });
  });
