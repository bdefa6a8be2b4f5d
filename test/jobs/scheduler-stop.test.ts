import { startScheduler } from '../../src/jobs/scheduler';
import type { JobDefinition } from '../../src/jobs/runner';
import type { Services } from '../../src/services';
import { useWorld } from '../support/world';

/**
 * A stopping server waits for the job runs under way before it closes the database (a run cut
 * off mid-way fails with "aborted" and is only retried at the next start), and starts no new one.
 */
const t = useWorld();

it('stopping the scheduler starts no new run and resolves only once the run under way has finished', async () => {
  let release: () => void = () => {};
  const started: string[] = [];
  const finished: string[] = [];
  const slow: JobDefinition<Services> = {
    name: 'essai-lent',
    label: 'Tâche lente',
    description: 'Une tâche de test qui attend',
    schedule: '* * * * * *', // every second
    periodKey: () => `run-${started.length}`,
    run: async (_services, { period }) => {
      started.push(period);
      await new Promise<void>((resolve) => (release = resolve));
      await t.ctx.knex.raw('select 1'); // the database is still open when the run ends
      finished.push(period);
      return { counts: { done: 1 } };
    },
  };
  const scheduler = startScheduler(t.ctx.services, [slow]);
  const deadline = Date.now() + 5_000;
  while (started.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(started).toHaveLength(1);
  expect(scheduler.running()).toBe(1);

  let stopped = false;
  const stopping = scheduler.stop().then(() => (stopped = true));
  await new Promise((r) => setTimeout(r, 1_500)); // a tick of the schedule passes meanwhile
  expect(stopped).toBe(false);
  expect(started).toHaveLength(1);

  release();
  await stopping;
  expect(finished).toEqual(['run-0']);
  expect(scheduler.running()).toBe(0);
  const runs = await t.ctx.knex('job_runs').where({ job: 'essai-lent' });
  expect(runs.map((r) => r.status)).toEqual(['succeeded']);
});
