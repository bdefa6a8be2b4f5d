import type { Services } from '../../services';
import { parisDate } from '../../shared/dates';
import type { JobDefinition } from '../runner';

/** Every morning: reminds landlords of information asked and still awaited after the configured delay. */
export const informationReminders: JobDefinition<Services> = {
  name: 'information-reminders',
  label: 'Relances des informations demandées',
  description: 'Relance les bailleurs dont les informations demandées sont attendues depuis le délai paramétré',
  schedule: '0 8 * * *',
  periodKey: (now) => parisDate(now),
  run: async (services, { now }) => ({ counts: await services.instruction.sendInformationReminders(now) }),
};
