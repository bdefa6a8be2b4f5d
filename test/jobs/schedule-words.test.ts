import { JOBS } from '../../src/jobs/registry';
import { describeSchedule } from '../../src/jobs/schedule-words';

describe('a job schedule in French words', () => {
  it('says when every registered job runs, Paris time', () => {
    const words = Object.fromEntries(JOBS.map((j) => [j.name, describeSchedule(j.schedule)]));
    expect(words).toEqual({
      backup: 'chaque nuit à 01:30',
      'funder-orientations': 'toutes les 15 minutes',
      'funder-followup': 'chaque jour à 06:00',
      'funder-ledger': 'chaque jour à 06:30',
      'funder-billing': 'le 2 de chaque mois à 06:00',
      'funder-reporting': 'le 3 de chaque mois à 06:00',
      'sepa-batches': 'chaque nuit à 02:00',
      'statistics-refresh': 'toutes les 5 minutes',
      'accounting-export': 'chaque nuit à 03:00',
      'information-reminders': 'chaque jour à 08:00',
      'list-reports': 'chaque jour à 07:00',
      'appointment-reminders': 'toutes les 5 minutes',
      'mail-retry': 'toutes les 15 minutes',
      'monthly-reports': 'le 5 de chaque mois à 07:00',
      'access-log-retention': 'chaque nuit à 04:00',
      'access-alerts': 'toutes les heures à :05',
      'support-retention': 'chaque nuit à 04:30',
      'restore-drill': 'le 1er de chaque mois à 05:00',
      'self-audit': 'chaque lundi à 06:00',
      'satisfaction-invitations': 'chaque jour à 10:00',
    });
  });

  it('gives every registered job a French name', () => {
    for (const job of JOBS) {
      expect({ job: job.name, label: job.label }).toEqual({ job: job.name, label: expect.stringMatching(/^[A-ZÉ][a-zàâçéèêëîïôûùüÿœ’ -]+[a-zé]$/i) });
      expect(job.label).not.toBe(job.name);
    }
  });

  it.each([
    ['* * * * *', 'chaque minute'],
    ['*/10 * * * *', 'toutes les 10 minutes'],
    ['0 * * * *', 'toutes les heures à :00'],
    ['15 */2 * * *', 'toutes les 2 heures à :15'],
    ['0 0 * * *', 'chaque nuit à 00:00'],
    ['59 23 * * *', 'chaque jour à 23:59'],
    ['0 9 * * 1', 'chaque lundi à 09:00'],
    ['0 9 * * 0', 'chaque dimanche à 09:00'],
    ['30 7 * * 1-5', 'du lundi au vendredi à 07:30'],
    ['0 18 * * 1,4', 'le lundi et le jeudi à 18:00'],
    ['0 6 1 * *', 'le 1er de chaque mois à 06:00'],
    ['0 6 15 * *', 'le 15 de chaque mois à 06:00'],
  ])('%s → %s', (expression, words) => {
    expect(describeSchedule(expression)).toBe(words);
  });

  it.each(['0 6 1 1 *', '0 8-18 * * *', '5,35 * * * *', '0 0 0 * * *', 'n’importe quoi'])('shows %s as it is rather than guessing', (expression) => {
    expect(describeSchedule(expression)).toBe(`selon l’expression cron « ${expression} »`);
  });
});
