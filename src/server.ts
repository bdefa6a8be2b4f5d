import type { Server } from 'node:http';
import { loadDemo } from '../seeds/load-demo';
import { demoHouseholdLink } from '../seeds/demo-household';
import { demoState, partialDemoMessage } from '../seeds/demo-state';
import { createApp } from './app';
import { openConfiguredDatabase } from './bootstrap';
import { ConfigError, loadConfig } from './config';
import { DataDirLockedError } from './db/data-dir-lock';
import { createLogger } from './logger';
import { startScheduler } from './jobs/scheduler';
import { ROLE_LABELS } from './permissions';
import { createServices } from './services';
import { systemClock } from './shared/clock';

/** Starts the extranet: configuration, database (migrated), demo data when empty, HTTP. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const opened = await openConfiguredDatabase(config);
  const { db } = opened;
  if (opened.appliedMigrations.length) logger.info('migrations applied', { count: opened.appliedMigrations.length });

  const state = await demoState(db.knex);
  if (state === 'partial') {
    await opened.shutdown();
    throw new PartialDemoError(partialDemoMessage(config.database.kind === 'pglite' ? { kind: 'pglite', dir: config.database.dir } : { kind: 'postgres' }));
  }
  const empty = state === 'empty';
  if (empty && config.seedDemo) {
    const logins = await loadDemo(db, config, logger);
    process.stdout.write(
      '\nDonnées de démonstration chargées. Connexions (mot de passe commun : demo-Entraide-2026) :\n' +
        logins.map((l) => `  ${l.email.padEnd(30)} ${ROLE_LABELS[l.role].padEnd(36)} ${l.organisation}`).join('\n') +
        '\n\n',
    );
    const householdLink = await demoHouseholdLink(db.knex);
    if (householdLink)
      process.stdout.write(
        `Espace d’un ménage (Éloïse Lefèvre-Dupont, sans compte) : ${householdLink}\n` +
          '  le code à 6 chiffres demandé arrive dans Courriels (connecté comme admin@asso.demo) : la démonstration n’envoie aucun courriel.\n\n',
      );
  } else if (empty) {
    process.stdout.write('\nBase vide : créez le premier administrateur avec  npm run cli -- create-admin --email … --name "…"\n\n');
  }

  const services = createServices(db, config, systemClock, logger);
  const app = createApp(services);
  const scheduler = config.env === 'test' ? null : startScheduler(services);
  const server: Server = app.listen(config.port, () => {
    const where = db.kind === 'pglite' ? `PGlite (${config.database.kind === 'pglite' ? config.database.dir : ''})` : 'PostgreSQL';
    process.stdout.write(`Entraide est prêt sur ${config.baseUrl} — base : ${where}\n`);
    logger.info('server started', { port: config.port, database: db.kind });
  });

  let stopping = false;
  // once stopping, every answer closes its connection: a keep-alive client cannot hold the server open
  server.prependListener('request', (_req, res: import('node:http').ServerResponse) => {
    if (stopping) res.setHeader('Connection', 'close');
  });
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('server stopping', { signal });
    const started = Date.now();
    // requests under way and job runs under way finish (their database connections are still there);
    // idle keep-alive connections go now; then the mailer and the database close, in that order
    const requestsDone = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    Promise.all([requestsDone, scheduler?.stop()])
      .then(async () => {
        services.mailer.close();
        await opened.shutdown();
        logger.info('server stopped', { signal, durationMs: Date.now() - started });
        process.exit(0);
      })
      .catch((err: unknown) => {
        logger.error('server stop failed', { signal, error: (err as Error).message });
        process.exit(1);
      });
    setTimeout(() => {
      logger.error('server stop timed out: requests or job runs still under way after 10 s', { signal, jobsRunning: scheduler?.running() ?? 0 });
      process.exit(1);
    }, 10_000).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

class PartialDemoError extends Error {}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof DataDirLockedError || err instanceof PartialDemoError) {
    process.stderr.write(`${err.message}\n`);
  } else {
    process.stderr.write(`Échec du démarrage : ${(err as Error)?.stack ?? String(err)}\n`);
  }
  process.exit(1);
});
