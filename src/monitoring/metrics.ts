import type { Knex } from 'knex';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Clock } from '../shared/clock';
import { type MonitoringSnapshot, MonitoringRepository } from './repository';

/** The security events counted from the logs (logins, failures, lockouts, infected uploads, virus scan outages): the event name is the label. */
export const COUNTED_EVENTS = new Set([
  'auth.login_succeeded',
  'auth.login_failed',
  'auth.login_locked',
  'auth.account_locked',
  'security.rate_limited',
  'upload.infected',
  'upload.scan_unavailable',
]);

/**
 * What Prometheus scrapes on GET /metrics (text format, prom-client): HTTP request durations by
 * route pattern and status (from the request log), the process's own figures, the database pool,
 * each job's last success, duration and failures, the mail queue, batches waiting for approval,
 * funder files waiting for their acknowledgement, the latest backup's age, and the security
 * events counted from the logs. Gauges read the database when scraped, never in between.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly http: Histogram<'method' | 'route' | 'status'>;
  private readonly events: Counter<'event'>;
  private snapshot: Promise<MonitoringSnapshot> | null = null;

  constructor(deps: {
    knex: Knex;
    clock: Clock;
    latestBackup: () => { at: Date } | null;
    poolUse: () => { used: number; free: number; pending: number } | null;
  }) {
    const repository = new MonitoringRepository();
    const { knex, clock } = deps;
    const register = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'entraide_' });
    this.http = new Histogram({
      name: 'entraide_http_request_duration_seconds',
      help: 'Durée des requêtes HTTP, par motif de route et statut',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: register,
    });
    this.events = new Counter({
      name: 'entraide_security_events_total',
      help: 'Connexions, échecs, verrouillages, limitations',
      labelNames: ['event'],
      registers: register,
    });
    new Gauge({
      name: 'entraide_db_pool_connections',
      help: 'Connexions du pool PostgreSQL, par état (absent avec PGlite)',
      labelNames: ['state'],
      registers: register,
      collect() {
        const use = deps.poolUse();
        if (!use) return;
        this.set({ state: 'used' }, use.used);
        this.set({ state: 'free' }, use.free);
        this.set({ state: 'pending' }, use.pending);
      },
    });
    // one database read per scrape feeds the gauges below (collected in parallel by prom-client; `text` starts a new scrape)
    const read = () => (this.snapshot ??= repository.snapshot(knex, clock.now()));
    const gauge = (name: string, help: string, labelNames: string[], fill: (g: Gauge, s: MonitoringSnapshot) => void) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers: register,
        async collect() {
          this.reset();
          // an unlabelled gauge holds a 0 after reset: a value not known (no drill yet…) must be no sample, not 0
          if (labelNames.length === 0) this.remove();
          fill(this, await read());
        },
      });
    gauge('entraide_job_last_success_timestamp_seconds', 'Dernière exécution réussie de chaque tâche (horodatage Unix)', ['job'], (g, s) => {
      for (const j of s.jobs) if (j.lastSuccess) g.set({ job: j.job }, j.lastSuccess.getTime() / 1000);
    });
    gauge('entraide_job_last_duration_seconds', 'Durée de la dernière exécution terminée de chaque tâche', ['job'], (g, s) => {
      for (const j of s.jobs) if (j.lastDurationSeconds !== null) g.set({ job: j.job }, j.lastDurationSeconds);
    });
    gauge('entraide_job_failures_24h', 'Exécutions en échec sur les dernières 24 heures, par tâche', ['job'], (g, s) => {
      for (const j of s.jobs) g.set({ job: j.job }, j.failures24h);
    });
    gauge('entraide_mail_queue_size', 'Courriels en attente d’envoi ou en échec (à réessayer)', [], (g, s) => g.set(s.mailQueue));
    gauge('entraide_mail_queue_oldest_age_seconds', 'Âge du plus ancien courriel en attente (0 si aucun)', [], (g, s) => g.set(s.mailOldestAgeSeconds));
    gauge('entraide_payment_batches_awaiting_approval', 'Lots de virements préparés qui attendent leur approbation', [], (g, s) => g.set(s.batchesAwaiting));
    gauge('entraide_funder_files_unacknowledged', 'Fichiers déposés chez Action Logement sans accusé de réception', [], (g, s) =>
      g.set(s.funderUnacknowledged),
    );
    gauge('entraide_restore_drill_age_seconds', 'Temps écoulé depuis le dernier exercice de restauration réussi (absent s’il n’y en a aucun)', [], (g, s) => {
      if (s.drill.lastOkAt) g.set(Math.max(0, (clock.now().getTime() - s.drill.lastOkAt.getTime()) / 1000));
    });
    gauge('entraide_restore_drill_last_ok', 'Le dernier exercice de restauration a réussi (1) ou échoué (0) ; absent avant le premier', [], (g, s) => {
      if (s.drill.lastOk !== null) g.set(s.drill.lastOk ? 1 : 0);
    });
    gauge('entraide_restore_drill_rto_seconds', 'Durée mesurée (téléchargement, restauration, contrôles) du dernier exercice réussi', [], (g, s) => {
      if (s.drill.rtoSeconds !== null) g.set(s.drill.rtoSeconds);
    });
    gauge('entraide_funder_files_unacknowledged_48h', 'Dont déposés depuis plus de 48 heures', [], (g, s) => g.set(s.funderOverdue));
    // recorded by the backup job in backup_offsite_copies: no call to the storage per scrape
    gauge('entraide_backup_offsite_age_seconds', 'Âge de la dernière sauvegarde copiée hors site (absent s’il n’y en a aucune)', [], (g, s) => {
      // none recorded is no sample, not "just now" (the helper removes the default series)
      if (s.offsiteLatestAt) g.set(Math.max(0, (clock.now().getTime() - s.offsiteLatestAt.getTime()) / 1000));
    });
    new Gauge({
      name: 'entraide_backup_age_seconds',
      help: 'Âge de la dernière sauvegarde locale (absent s’il n’y en a aucune)',
      registers: register,
      collect() {
        const latest = deps.latestBackup();
        if (latest) this.set((clock.now().getTime() - latest.at.getTime()) / 1000);
        // no backup yet: no sample (the gauge's default 0 would read as "just backed up" and silence both alerts)
        else this.remove();
      },
    });
  }

  /** An HTTP request answered (the request log calls this). */
  observeRequest(r: { method: string; route: string; status: number; durationMs: number }): void {
    this.http.observe({ method: r.method, route: r.route, status: String(r.status) }, r.durationMs / 1000);
  }

  /** A log line went by: security events are counted. */
  observeLog(info: { event?: unknown }): void {
    if (typeof info.event === 'string' && COUNTED_EVENTS.has(info.event)) this.events.inc({ event: info.event });
  }

  async text(): Promise<string> {
    this.snapshot = null;
    try {
      return await this.registry.metrics();
    } finally {
      this.snapshot = null;
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
