import type { Services } from '../../services';
import { type JobDefinition, minuteSlotKey } from '../runner';

/**
 * Every 5 minutes: reminders of appointments, the day before and 30 minutes before. A run covers
 * its 5-minute slot; each reminder is claimed once whatever the number of runs (see AppointmentService).
 */
export const appointmentReminders: JobDefinition<Services> = {
  name: 'appointment-reminders',
  label: 'Rappels de rendez-vous',
  description: 'Envoie les rappels de rendez-vous d’accompagnement (la veille et 30 minutes avant)',
  schedule: '*/5 * * * *',
  periodKey: minuteSlotKey(5),
  run: async (services, { now }) => ({ counts: await services.appointments.sendReminders(now) }),
};
