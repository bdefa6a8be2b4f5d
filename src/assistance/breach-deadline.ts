import { CNIL_DEADLINE_HOURS, type CnilStatus } from './labels';

const HOUR = 3_600_000;

/** Where the 72 hours of art. 33(1) stand for one entry of the register, at `now`. */
export type BreachCountdown =
  /** not decided yet, within the 72 hours: the time left */
  | { state: 'running'; deadline: Date; remainingMs: number; text: string }
  /** not decided and the 72 hours are over (at exactly 72 hours, the deadline is reached: overdue) */
  | { state: 'overdue'; deadline: Date; lateMs: number; text: string }
  | { state: 'notified'; deadline: Date; late: boolean; text: string }
  | { state: 'not_notified'; deadline: Date; text: string };

/** "3 h 05", "2 j 4 h": a duration as people read a countdown (minutes rounded down). */
export function formatDuration(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days > 0) return `${days} j ${hours} h`;
  return `${hours} h ${String(mins).padStart(2, '0')}`;
}

/** The countdown from the awareness time: shown while the CNIL has not been notified and no reason recorded not to. */
export function breachCountdown(entry: { awareAt: Date; cnilStatus: CnilStatus; cnilNotifiedAt: Date | null }, now: Date): BreachCountdown {
  const deadline = new Date(entry.awareAt.getTime() + CNIL_DEADLINE_HOURS * HOUR);
  if (entry.cnilStatus === 'notified') {
    const late = (entry.cnilNotifiedAt?.getTime() ?? 0) > deadline.getTime();
    return { state: 'notified', deadline, late, text: late ? 'Notifiée après le délai de 72 h' : 'Notifiée dans le délai de 72 h' };
  }
  if (entry.cnilStatus === 'not_notified') return { state: 'not_notified', deadline, text: 'Non notifiée : justification au registre' };
  const remainingMs = deadline.getTime() - now.getTime();
  if (remainingMs > 0) return { state: 'running', deadline, remainingMs, text: `Reste ${formatDuration(remainingMs)} pour notifier la CNIL` };
  const lateMs = now.getTime() - deadline.getTime();
  const text = lateMs < 60_000 ? 'Délai de 72 h atteint' : `Délai de 72 h dépassé de ${formatDuration(lateMs)}`;
  return { state: 'overdue', deadline, lateMs, text: `${text} : notifiez la CNIL sans tarder` };
}

/** Whether a notification made at `notifiedAt` came after the 72 hours (a reason for the delay is then owed). */
export function notifiedLate(awareAt: Date, notifiedAt: Date): boolean {
  return notifiedAt.getTime() > awareAt.getTime() + CNIL_DEADLINE_HOURS * HOUR;
}
