import type { Knex } from 'knex';
import type { AuditService } from '../audit/service';
import { isUuid } from '../db/types';
import type { BlobStore } from '../files/storage';
import type { Logger } from '../logger';
import { type Actor, scopeFor } from '../permissions';
import type { Clock } from '../shared/clock';
import { InvalidTransitionError, NotFoundError } from '../shared/errors';
import type { JobOutput, JobRun, JobRunRepository } from './repository';

/** Who starts a run: the scheduler, the command line, or a person (then the approver of what it makes must be someone else). */
/** The period of a job run every `minutes` minutes: the slot (UTC) the run falls in, `2026-11-23T09:15` for 15. */
export const minuteSlotKey =
  (minutes: number) =>
  (now: Date): string =>
    `${now.toISOString().slice(0, 14)}${String(Math.floor(now.getUTCMinutes() / minutes) * minutes).padStart(2, '0')}`;

export interface JobStarter {
  userId: string | null;
  label: string;
}

export interface JobContext {
  period: string;
  now: Date;
  startedBy: JobStarter;
  runId: string;
}

export interface JobResult {
  counts: Record<string, number>;
  /** files the run produced (kept as blobs, listed on the jobs page) */
  outputs?: JobOutput[];
}

/** A batch job: a thin shell around one service method that takes a period and can run again safely. */
export interface JobDefinition<S> {
  name: string;
  /** The job's name in the administrators' words ("Lots de virements SEPA"); `name` is its code. */
  label: string;
  description: string;
  /** node-cron expression, Paris time. */
  schedule: string;
  /** The folder of EXPORT_DIR where the command line also writes the run's files. */
  exportFolder?: string;
  /** The period a run covers ("2026-11-23" for a daily job): one successful run per period. */
  periodKey(now: Date): string;
  run(services: S, context: JobContext): Promise<JobResult>;
}

export type RunOutcome =
  | { status: 'succeeded'; run: JobRun; counts: Record<string, number>; outputs: JobOutput[] }
  | { status: 'skipped'; reason: string }
  | { status: 'failed'; error: string };

const STALE_MS = 2 * 3600_000;

/**
 * Runs jobs exclusively per (job, period) through `job_runs` (unique key): with N replicas firing
 * at once, one claims the run, the others record that they skipped. Counts, outputs, duration and
 * errors are kept; a failed run can be run again for its period.
 */
/** What runs after a job failed. */
export type FailureHook = (job: string, period: string, message: string, at: Date) => Promise<void>;

export class JobRunner {
  private readonly failureHooks: FailureHook[];

  private readonly db: Knex;
  private readonly runs: JobRunRepository;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly blobs: BlobStore;
  private readonly audit: AuditService;

  /** `onFailure` runs after a run failed (the administrators are told); a hook that fails itself is only logged. */
  constructor(deps: { db: Knex; runs: JobRunRepository; clock: Clock; logger: Logger; blobs: BlobStore; audit: AuditService; onFailure?: FailureHook[] }) {
    this.failureHooks = deps.onFailure ?? [];
    this.db = deps.db;
    this.runs = deps.runs;
    this.clock = deps.clock;
    this.logger = deps.logger;
    this.blobs = deps.blobs;
    this.audit = deps.audit;
  }

  async run<S>(job: JobDefinition<S>, services: S, startedBy: JobStarter | string, period?: string): Promise<RunOutcome> {
    const starter = typeof startedBy === 'string' ? { userId: null, label: startedBy } : startedBy;
    const now = this.clock.now();
    const key = period ?? job.periodKey(now);
    const run = await this.runs.claim(this.db, job.name, key, starter.label, now, new Date(now.getTime() - STALE_MS));
    if (!run) {
      const existing = await this.runs.recordSkip(this.db, job.name, key, starter.label, now);
      const reason = existing?.status === 'succeeded' ? 'déjà exécutée pour cette période' : 'en cours dans un autre processus';
      this.logger.info('job skipped', { job: job.name, period: key, reason });
      return { status: 'skipped', reason };
    }
    const started = Date.now();
    try {
      const result = await job.run(services, { period: key, now, startedBy: starter, runId: run.id });
      const outputs = result.outputs ?? [];
      await this.runs.finish(this.db, run.id, 'succeeded', result.counts, null, this.clock.now(), outputs);
      this.logger.info('job finished', { job: job.name, period: key, ...result.counts, durationMs: Date.now() - started });
      return { status: 'succeeded', run, counts: result.counts, outputs };
    } catch (err) {
      const message = (err as Error).message ?? String(err);
      await this.runs.finish(this.db, run.id, 'failed', null, message, this.clock.now(), []);
      this.logger.error('job failed', { job: job.name, period: key, error: message, durationMs: Date.now() - started });
      for (const hook of this.failureHooks)
        await hook(job.name, key, message, this.clock.now()).catch((hookErr: unknown) =>
          this.logger.error('job failure hook failed', { job: job.name, error: (hookErr as Error).message }),
        );
      return { status: 'failed', error: message };
    }
  }

  /** Runs a failed run again, for the same period (jobs page). */
  async rerun<S>(actor: Actor, runId: string, jobs: ReadonlyArray<JobDefinition<S>>, services: S): Promise<RunOutcome> {
    scopeFor(actor, 'jobs:manage');
    const run = isUuid(runId) ? await this.runs.findById(this.db, runId) : null;
    const job = run ? jobs.find((j) => j.name === run.job) : undefined;
    if (!run || !job) throw new NotFoundError();
    if (run.status !== 'failed') throw new InvalidTransitionError('Seule une exécution en échec peut être relancée.');
    return this.byHand(actor, job, services, 'job.rerun', run.periodKey);
  }

  /**
   * "Lancer maintenant" on the jobs page: the job for the current period, through the same claim as
   * the scheduler — a period that already ran is not run again, a failed one is retried.
   */
  async runNow<S>(actor: Actor, name: string, jobs: ReadonlyArray<JobDefinition<S>>, services: S): Promise<{ outcome: RunOutcome; period: string }> {
    scopeFor(actor, 'jobs:manage');
    const job = jobs.find((j) => j.name === name);
    if (!job) throw new NotFoundError();
    const period = job.periodKey(this.clock.now());
    return { outcome: await this.byHand(actor, job, services, 'job.run_now', period), period };
  }

  /** A run a person started, with its outcome in the audit trail (the run holds its own transactions). */
  private async byHand<S>(actor: Actor, job: JobDefinition<S>, services: S, action: string, period: string): Promise<RunOutcome> {
    const outcome = await this.run(job, services, { userId: actor.userId, label: actor.name }, period);
    const after =
      outcome.status === 'succeeded'
        ? { status: outcome.status, counts: outcome.counts, files: outcome.outputs.map((o) => o.fileName) }
        : outcome.status === 'skipped'
          ? { status: outcome.status, reason: outcome.reason }
          : { status: outcome.status, error: outcome.error };
    await this.db.transaction((trx) =>
      this.audit.record(trx, actor, { entityType: 'job', entityId: job.name, organisationId: null, action, after: { period, ...after } }),
    );
    return outcome;
  }

  /** The newest run of each job (the jobs page shows its counts and files beside the job). */
  async latestByJob(actor: Actor): Promise<Map<string, JobRun>> {
    scopeFor(actor, 'jobs:read');
    return new Map((await this.runs.latestPerJob(this.db)).map((r) => [r.job, r]));
  }

  recent(limit?: number): Promise<JobRun[]> {
    return this.runs.recent(this.db, limit);
  }

  list(actor: Actor, limit = 100): Promise<JobRun[]> {
    scopeFor(actor, 'jobs:read');
    return this.runs.recent(this.db, limit);
  }

  /** A file a run produced, to download. */
  async output(actor: Actor, runId: string, index: number): Promise<{ fileName: string; contentType: string; data: Buffer }> {
    scopeFor(actor, 'jobs:manage');
    const run = isUuid(runId) ? await this.runs.findById(this.db, runId) : null;
    const output = Number.isInteger(index) ? run?.outputs[index] : undefined;
    const blob = output ? await this.blobs.get(this.db, output.blobId) : null;
    if (!output || !blob) throw new NotFoundError();
    return { fileName: output.fileName, contentType: output.contentType, data: blob.data };
  }
}
