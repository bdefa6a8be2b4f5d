import { z } from 'zod';
import type { Questionnaire } from './repository';

/** The longest comment a household may leave. */
export const COMMENT_MAX = 2000;

const SCALE = ['1', '2', '3', '4', '5'] as const;

/** A number written the French way: 2000 → « 2 000 ». */
const thousands = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');

/**
 * The answer form of a questionnaire: one step of 1 to 5 per question (each asked), one free comment
 * (optional, 2,000 characters at most, no control characters). Field names are the questions' keys.
 */
export function answerSchema(q: Questionnaire) {
  const shape: Record<string, z.ZodType> = {};
  for (const question of q.questions)
    shape[question.key] = z.enum(SCALE, { error: `Choisissez une réponse à la question « ${question.text} »` }).transform(Number);
  shape.commentaire = z
    .string({ error: 'Le commentaire doit être un texte' })
    .optional()
    .transform((v) => (v ?? '').replace(/\r\n/g, '\n').trim())
    .refine((v) => v.length <= COMMENT_MAX, {
      error: (issue) => `Votre commentaire est trop long : ${thousands(COMMENT_MAX)} caractères au plus (il en a ${thousands(String(issue.input).length)})`,
    })
    // eslint-disable-next-line no-control-regex
    .refine((v) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(v), {
      error: 'Votre commentaire contient un caractère invisible non autorisé : retirez-le',
    })
    .transform((v) => (v === '' ? null : v));
  return z.object(shape) as z.ZodType<Record<string, unknown>, Record<string, unknown>>;
}

/** What a valid form gives: the scores by question key, and the comment (null when empty). */
export interface AnswerInput {
  scores: Record<string, number>;
  comment: string | null;
}

export function toAnswerInput(q: Questionnaire, data: Record<string, unknown>): AnswerInput {
  const scores: Record<string, number> = {};
  for (const question of q.questions) scores[question.key] = Number(data[question.key]);
  return { scores, comment: (data.commentaire as string | null) ?? null };
}

/** The month filter of the results page: AAAA-MM, anything else ignored. */
export const resultsQuery = z.object({
  du: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/)
    .optional()
    .catch(undefined),
  au: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/)
    .optional()
    .catch(undefined),
});
