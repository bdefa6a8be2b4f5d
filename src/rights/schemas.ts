import { z } from 'zod';
import { choice, optionalText, requiredDate, requiredText, versionField } from '../shared/form-fields';
import { RIGHT_CHANNELS, RIGHT_KINDS, type RightChannel, type RightKind } from './labels';

const kinds = Object.keys(RIGHT_KINDS) as [RightKind, ...RightKind[]];
const channels = Object.keys(RIGHT_CHANNELS) as [Exclude<RightChannel, 'household_space'>, ...Array<Exclude<RightChannel, 'household_space'>>];

/** A request received, as the register records it (the received date is not in the future). */
export const rightsRequestSchema = (today: string) =>
  z.object({
    personId: z.uuid({ error: 'Choisissez la personne concernée' }),
    kind: choice(kinds, 'Choisissez le droit exercé'),
    receivedOn: requiredDate('Saisissez la date de réception').refine((d) => d <= today, { error: 'La date de réception ne peut pas être dans le futur' }),
    channel: choice(channels, 'Choisissez comment la demande est arrivée'),
    requester: requiredText('Indiquez qui fait la demande (la personne, son représentant…)', 200),
    details: optionalText(2000),
  });
export type RightsRequestInput = z.infer<ReturnType<typeof rightsRequestSchema>>;

export const rightsAnswerSchema = (today: string) =>
  z.object({
    answeredOn: requiredDate('Saisissez la date de la réponse').refine((d) => d <= today, { error: 'La date de réponse ne peut pas être dans le futur' }),
    answer: requiredText('Résumez la réponse donnée (ce qui a été communiqué, rectifié, effacé ou refusé et pourquoi)', 2000),
    version: versionField(),
  });
export type RightsAnswerInput = z.infer<ReturnType<typeof rightsAnswerSchema>>;
