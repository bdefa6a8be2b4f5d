import type { Services } from '../../services';
import { type JobDefinition, minuteSlotKey } from '../runner';

/** Every 15 minutes: mails that failed (the relay was down…) are tried again, with a growing delay, six times at most. */
export const mailRetry: JobDefinition<Services> = {
  name: 'mail-retry',
  label: 'Nouvel envoi des courriels en échec',
  description: 'Renvoie les courriels en échec (délai croissant, six essais au plus)',
  schedule: '*/15 * * * *',
  periodKey: minuteSlotKey(15),
  run: async (services, { now }) => ({ counts: await services.mailer.retry(now) }),
};
