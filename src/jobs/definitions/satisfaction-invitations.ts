import type { Services } from '../../services';
import { parisDate } from '../../shared/dates';
import type { JobDefinition } from '../runner';

/**
 * Every morning: the satisfaction questionnaire to the households whose mission was completed or
 * whose appointment was held lately — once per mission or appointment whatever the runs (see SatisfactionService).
 */
export const satisfactionInvitations: JobDefinition<Services> = {
  name: 'satisfaction-invitations',
  label: 'Questionnaires de satisfaction',
  description: 'Envoie le questionnaire de satisfaction aux ménages après un accompagnement terminé ou un rendez-vous honoré',
  schedule: '0 10 * * *',
  periodKey: (now) => parisDate(now),
  run: async (services, { now }) => ({ counts: await services.satisfaction.sendInvitations(now) }),
};
