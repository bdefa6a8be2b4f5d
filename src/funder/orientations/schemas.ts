import { z } from 'zod';
import { checkbox, choice, versionField } from '../../shared/form-fields';
import { CLOSE_REASONS } from './queue';

/** Closing an orientation: a reason code of the agreement, and the confirmation (it cannot be undone). */
export const closeOrientationSchema = z.object({
  reason: choice(CLOSE_REASONS, 'Choisissez le motif de clôture'),
  confirm: checkbox().refine((v) => v, { error: 'Cochez la case pour confirmer la clôture : elle ne peut pas être annulée' }),
  version: versionField(),
});
