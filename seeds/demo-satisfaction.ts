import type { Services } from '../src/services';
import type { FakeClock } from '../src/shared/clock';
import { demoMoment } from './demo-support';

/**
 * Demo satisfaction questionnaires (issue 17): the daily run replayed week by week over the demo's
 * past (each completed mission and each appointment held gets its questionnaire once), then most
 * households answer through the link of their mail a day or three later — varied scores, a few
 * comments. Call after seedDemoMissions: `await seedDemoSatisfaction(services, clock, now);`.
 */
const ANSWERS: Array<{ scores: Record<string, number>; comment: string | null }> = [
  { scores: { accueil: 5, ecoute: 5, clarte: 4, utilite: 5 }, comment: 'Très bien reçue, on m’a expliqué chaque démarche. Merci beaucoup.' },
  { scores: { accueil: 4, ecoute: 4, clarte: 4, utilite: 4 }, comment: null },
  { scores: { accueil: 5, ecoute: 4, clarte: 3, utilite: 4 }, comment: 'Les papiers à fournir n’étaient pas toujours clairs pour moi.' },
  { scores: { accueil: 3, ecoute: 3, clarte: 2, utilite: 3 }, comment: null },
  { scores: { accueil: 5, ecoute: 5, clarte: 5, utilite: 5 }, comment: 'Grâce à ce rendez-vous, j’ai enfin un budget qui tient.' },
  { scores: { accueil: 2, ecoute: 3, clarte: 3, utilite: 2 }, comment: 'Le rendez-vous était trop court, j’aurais aimé plus de temps.' },
];
const LINK = /\/mon-espace\/questionnaires\/([A-Za-z0-9_-]{43})/;
const DAY_MS = 86_400_000;

export async function seedDemoSatisfaction(services: Services, clock: FakeClock, now: Date): Promise<number> {
  const { knex, satisfaction } = services;
  const at = demoMoment(clock, now);
  // the 10:00 run, every week over the last four months (a run looks two weeks back), and today's
  for (let daysAgo = 126; daysAgo >= 7; daysAgo -= 7) {
    at(daysAgo, 60);
    await satisfaction.sendInvitations(clock.now());
  }
  // and one run at the moment the demo is loaded, whatever the hour: every subject of the last two weeks is covered once
  clock.set(now);
  await satisfaction.sendInvitations(now);
  const mails = await knex('mail_outbox')
    .where({ kind: 'satisfaction.invitation' })
    .orderBy('created_at')
    .orderBy('to_address')
    .select<Array<{ text_body: string; created_at: Date }>>('text_body', 'created_at');
  let answered = 0;
  for (const [i, mail] of mails.entries()) {
    // one household in four does not answer
    if (i % 4 === 3) continue;
    const token = LINK.exec(mail.text_body)?.[1];
    const when = new Date(new Date(mail.created_at).getTime() + (1 + (i % 3)) * DAY_MS);
    if (!token || when.getTime() > now.getTime()) continue;
    clock.set(when);
    if ((await satisfaction.answerByToken(token, ANSWERS[i % ANSWERS.length] as (typeof ANSWERS)[number])) === 'stored') answered++;
  }
  clock.set(now);
  return answered;
}
