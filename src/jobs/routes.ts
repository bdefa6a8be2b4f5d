import { type Request, Router } from 'express';
import { z } from 'zod';
import { sendAttachment } from '../http/download';
import { backWithErrors, postForm } from '../http/forms';
import { actor, requirePermission } from '../http/guards';
import type { Services } from '../services';
import { routes, urls } from '../urls';
import { backup } from './definitions/backup';
import { JOBS } from './registry';
import { describeSchedule } from './schedule-words';

/** Every run of every job, for administrators: status, counts, files, errors; a failed run can be run again. */
export function jobRoutes(services: Services): Router {
  const router = Router();
  const { jobs, logger } = services;
  const id = (req: Request) => String(req.params.id);

  router.get(urls.jobs(), ...requirePermission('jobs:read'), async (req, res) => {
    const latest = services.backups.latest();
    // a backup older than a day and a half means last night's did not happen
    const backupLate = !latest || services.clock.now().getTime() - latest.at.getTime() > 36 * 3_600_000;
    const lastRuns = await jobs.latestByJob(actor(req));
    // the restore drills' history (docs/continuite.md): counts and durations only, no personal data
    const drills = await services.restoreDrills.history(12);
    res.render('jobs/index', {
      latestBackup: latest,
      backupLate,
      backupDir: services.config.backup.dir,
      backupSchedule: describeSchedule(backup.schedule),
      drills,
      runs: await jobs.list(actor(req)),
      jobs: JOBS.map((j) => ({
        name: j.name,
        label: j.label,
        description: j.description,
        schedule: j.schedule,
        scheduleWords: describeSchedule(j.schedule),
        lastRun: lastRuns.get(j.name) ?? null,
      })),
    });
  });

  postForm(router, routes.jobRunNow, logger, {
    permission: 'jobs:manage',
    schema: z.object({}),
    render: backWithErrors(() => urls.jobs()),
    handle: async (req, res) => {
      const { outcome, period } = await jobs.runNow(actor(req), String(req.params.job), JOBS, services);
      const label = JOBS.find((j) => j.name === req.params.job)?.label ?? '';
      if (outcome.status === 'succeeded') req.flash('success', `« ${label} » exécutée pour la période ${period}.`);
      else if (outcome.status === 'skipped')
        req.flash(
          'info',
          `« ${label} » n’a pas été lancée : ${outcome.reason} (${period}). Elle ne s’exécute qu’une fois par période ; une exécution en échec peut être relancée.`,
        );
      else req.flash('error', `« ${label} » a échoué pour la période ${period} : ${outcome.error}`);
      res.redirect(urls.jobs());
    },
  });

  postForm(router, routes.jobRerun, logger, {
    permission: 'jobs:manage',
    schema: z.object({}),
    render: backWithErrors(() => urls.jobs()),
    handle: async (req, res) => {
      const outcome = await jobs.rerun(actor(req), id(req), JOBS, services);
      if (outcome.status === 'succeeded') req.flash('success', 'Exécution relancée et terminée.');
      else if (outcome.status === 'skipped') req.flash('info', `Exécution non relancée : ${outcome.reason}.`);
      else req.flash('error', `L’exécution a de nouveau échoué : ${outcome.error}`);
      res.redirect(urls.jobs());
    },
  });

  router.get(routes.jobOutput, ...requirePermission('jobs:manage'), async (req, res) => {
    const file = await jobs.output(actor(req), id(req), Number(req.params.index));
    sendAttachment(res, file.fileName, file.contentType, file.data);
  });

  return router;
}
