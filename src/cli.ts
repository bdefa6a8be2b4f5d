import { Command } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { Writable } from 'node:stream';
import { DEMO_PASSWORD } from '../seeds/demo';
import { loadDemo } from '../seeds/load-demo';
import { ROLE_LABELS } from './permissions';
import { SCALE_PASSWORD, seedScale } from '../seeds/scale';
import { JobRunRepository } from './jobs/repository';
import { findJob, JOBS } from './jobs/registry';
import { createServices } from './services';
import { createLogger } from './logger';
import { AuditRepository } from './audit/repository';
import { AuditService } from './audit/service';
import { openConfiguredDatabase } from './bootstrap';
import { ConfigError, loadConfig } from './config';
import { DataDirLockedError } from './db/data-dir-lock';
import { OrganisationRepository } from './organisations/repository';
import { systemClock } from './shared/clock';
import { ValidationError } from './shared/errors';
import { bootstrapAdmin } from './users/bootstrap-admin';
import { BackupService, restorePglite } from './backup/service';
import { offsiteFromConfig, type OffsiteBackups } from './backup/offsite';
import { DomainError } from './shared/errors';
import { lockDataDir } from './db/data-dir-lock';
import { UserRepository } from './accounts/repository';
import { FieldCipher, FieldCipherError } from './shared/field-cipher';
import { rotateKeys } from './db/rotate-key';

/** Operators' command line: `npm run cli -- <command>`. */
const program = new Command();
program.name('entraide').description('Commandes d’exploitation d’Entraide').showHelpAfterError();

async function withDatabase<T>(fn: (opened: Awaited<ReturnType<typeof openConfiguredDatabase>>) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const opened = await openConfiguredDatabase(config);
  try {
    return await fn(opened);
  } finally {
    await opened.shutdown();
  }
}

program
  .command('migrate')
  .description('applique les migrations en attente')
  .action(() =>
    withDatabase(async (opened) => {
      process.stdout.write(opened.appliedMigrations.length ? `Migrations appliquées : ${opened.appliedMigrations.join(', ')}\n` : 'Base déjà à jour.\n');
    }),
  );

program
  .command('seed:demo')
  .description('charge les données de démonstration dans une base vide')
  .action(() =>
    withDatabase(async ({ db }) => {
      const config = loadConfig();
      const logins = await loadDemo(db, config, createLogger(config.logLevel));
      process.stdout.write(
        `Données de démonstration chargées (mot de passe : ${DEMO_PASSWORD}) :\n${logins.map((l) => `  ${l.email} (${ROLE_LABELS[l.role]})`).join('\n')}\n`,
      );
    }),
  );

program
  .command('seed:scale')
  .description('ajoute un jeu de données volumineux pour les mesures de performance (150 bailleurs, N demandes)')
  .option('--requests <n>', 'nombre de demandes', '500000')
  .action((opts: { requests: string }) =>
    withDatabase(async ({ db }) => {
      const n = Number(opts.requests);
      if (!Number.isInteger(n) || n < 1 || n > 5_000_000) throw new ValidationError({ requests: '--requests : un nombre entier entre 1 et 5 000 000' });
      await seedScale(db.knex, n, (line) => process.stdout.write(`${line}\n`), new FieldCipher(loadConfig().dataEncryption));
      process.stdout.write(`Connexions : operateur@echelle.test, instructeur1@echelle.test … (mot de passe : ${SCALE_PASSWORD})\n`);
    }),
  );

program
  .command('jobs:list')
  .description('liste les tâches planifiées et leurs dernières exécutions')
  .action(() =>
    withDatabase(async ({ db }) => {
      for (const job of JOBS) process.stdout.write(`${job.name.padEnd(24)} ${job.schedule.padEnd(12)} ${job.description}\n`);
      const runs = await new JobRunRepository().recent(db.knex, 20);
      for (const r of runs)
        process.stdout.write(
          `${JSON.stringify({ job: r.job, period: r.periodKey, status: r.status, startedAt: r.startedAt, finishedAt: r.finishedAt, counts: r.counts, error: r.error })}\n`,
        );
    }),
  );

program
  .command('jobs:run <name>')
  .description('exécute une tâche maintenant, pour une période (par défaut : aujourd’hui)')
  .option('--date <date>', 'période, AAAA-MM-JJ')
  .action((name: string, opts: { date?: string }) =>
    withDatabase(async ({ db }) => {
      const job = findJob(name);
      if (!job) throw new ValidationError({ name: `Tâche inconnue : ${name} (voir jobs:list)` });
      if (opts.date && !/^\d{4}-\d{2}-\d{2}$/.test(opts.date)) throw new ValidationError({ date: '--date : une date AAAA-MM-JJ' });
      const config = loadConfig();
      const logger = createLogger(config.logLevel);
      const services = createServices(db, config, systemClock, logger);
      try {
        const outcome = await services.jobs.run(job, services, 'Ligne de commande', opts.date);
        if (outcome.status === 'succeeded' && job.exportFolder) {
          // each file also lands in EXPORT_DIR/<folder>/, written whole or not at all
          const dir = path.join(config.exportDir, job.exportFolder);
          fs.mkdirSync(dir, { recursive: true });
          for (const output of outcome.outputs) {
            const blob = await services.blobs.get(db.knex, output.blobId);
            if (!blob) continue;
            const file = path.join(dir, output.fileName);
            fs.writeFileSync(`${file}.part`, blob.data);
            fs.renameSync(`${file}.part`, file);
            process.stdout.write(`${JSON.stringify({ ...output.meta, file, sha256: blob.sha256 })}\n`);
          }
        }
        // the exchanges with the funder: one line per file left in the funder's depot ({"flow","file","manifest","records","sha256"})
        if (outcome.status === 'succeeded' && !job.exportFolder) {
          for (const output of outcome.outputs) if (output.meta) process.stdout.write(`${JSON.stringify(output.meta)}\n`);
        }
        const summary =
          outcome.status === 'succeeded' ? { counts: outcome.counts } : outcome.status === 'skipped' ? { reason: outcome.reason } : { error: outcome.error };
        process.stdout.write(`${JSON.stringify({ job: name, period: opts.date ?? job.periodKey(new Date()), status: outcome.status, ...summary })}\n`);
        if (outcome.status === 'failed') process.exitCode = 1;
      } finally {
        services.mailer.close();
      }
    }),
  );

/** A command about one month (`--month AAAA-MM`): the month checked, the services assembled, the mailer closed after. */
function withMonthServices(month: string, fn: (services: ReturnType<typeof createServices>) => Promise<void>): Promise<void> {
  return withDatabase(async ({ db }) => {
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) throw new ValidationError({ month: '--month : un mois AAAA-MM, par exemple 2026-10' });
    const config = loadConfig();
    const services = createServices(db, config, systemClock, createLogger(config.logLevel));
    try {
      await fn(services);
    } finally {
      services.mailer.close();
    }
  });
}

program
  .command('funder:reporting')
  .description(
    'envoie à Action Logement le REPORTING d’un mois ; avec --force, l’envoie à nouveau en entier (nouveau fichier, mêmes identifiants) après une correction',
  )
  .requiredOption('--month <mois>', 'mois, AAAA-MM')
  .option('--force', 'renvoie le mois même si un fichier existe déjà')
  .action((opts: { month: string; force?: boolean }) =>
    withMonthServices(opts.month, async (services) => {
      const r = await services.funderReporting.sendMonth(opts.month, { force: opts.force === true });
      if (r.prepared)
        process.stdout.write(
          `${JSON.stringify({ flow: 'REPORTING', file: r.prepared.file, manifest: r.prepared.manifest, records: r.prepared.records, sha256: r.prepared.sha256 })}\n`,
        );
      process.stdout.write(
        `${JSON.stringify({ month: r.month, status: r.status, file: r.file, records: r.records, secret: r.secret, deliveries: r.deliveries })}\n`,
      );
    }),
  );

program
  .command('reports:monthly')
  .description('envoie les rapports mensuels d’activité d’un mois (un par bailleur et le rapport de l’association) ; avec --force, une nouvelle édition')
  .requiredOption('--month <mois>', 'mois, AAAA-MM')
  .option('--force', 'refait et renvoie les rapports même s’ils sont déjà partis')
  .action((opts: { month: string; force?: boolean }) =>
    withMonthServices(opts.month, async (services) => {
      const r = await services.monthlyReports.sendMonth(opts.month, { force: opts.force === true });
      process.stdout.write(`${JSON.stringify(r)}\n`);
    }),
  );

program
  .command('fec')
  .description('écrit le FEC (fichier des écritures comptables) d’un exercice dans EXPORT_DIR/fec/')
  .requiredOption('--year <year>', 'exercice, par l’année où il commence, par exemple 2026')
  .action((opts: { year: string }) =>
    withDatabase(async ({ db }) => {
      const year = Number(opts.year);
      if (!Number.isInteger(year) || year < 2000 || year > 2100) throw new ValidationError({ year: '--year : une année, par exemple 2026' });
      const config = loadConfig();
      const services = createServices(db, config, systemClock, createLogger(config.logLevel));
      try {
        const fec = await services.accounting.fec(null, year);
        const dir = path.join(config.exportDir, 'fec');
        fs.mkdirSync(dir, { recursive: true });
        const file = path.join(dir, fec.fileName);
        // streamed to a temporary file, renamed once complete
        const out = fs.createWriteStream(`${file}.part`);
        let lines = 0;
        for await (const line of fec.lines) {
          lines++;
          if (!out.write(line)) await new Promise<void>((r) => out.once('drain', () => r()));
        }
        await new Promise<void>((resolve, reject) => {
          out.once('error', reject);
          out.once('finish', resolve);
          out.end();
        });
        fs.renameSync(`${file}.part`, file);
        // the description that must come with the file (A47 A-1 XI)
        const description = file.replace(/\.txt$/, '-description.txt');
        fs.writeFileSync(description, `${fec.description(lines - 1)}\n`);
        process.stdout.write(`${JSON.stringify({ file, description, lines: lines - 1 })}\n`);
      } finally {
        services.mailer.close();
      }
    }),
  );

program
  .command('backup')
  .description('sauvegarde toute la base dans BACKUP_DIR (dossier de données de PGlite compressé, ou pg_dump) et garde les BACKUP_KEEP plus récentes')
  .action(() =>
    withDatabase(async ({ db }) => {
      const config = loadConfig();
      const made = await new BackupService({ db, dir: config.backup.dir, keep: config.backup.keep, logger: createLogger(config.logLevel) }).create(
        systemClock.now(),
      );
      process.stdout.write(`${JSON.stringify(made)}\n`);
    }),
  );

program
  .command('restore')
  .description('restaure une sauvegarde (extranet arrêté) : la base embarquée actuelle est mise de côté, une base PostgreSQL est remplacée')
  .requiredOption('--file <path>', 'le fichier de sauvegarde (.tar.gz pour PGlite, .dump pour PostgreSQL)')
  .option('--yes', 'confirme le remplacement de la base PostgreSQL')
  .action(async (opts: { file: string; yes?: boolean }) => {
    const config = loadConfig();
    const logger = createLogger(config.logLevel);
    const file = path.resolve(opts.file);
    if (config.database.kind === 'pglite') {
      const pgdata = config.database.dir;
      const release = lockDataDir(config.dataDir);
      try {
        const aside = await restorePglite(file, pgdata, systemClock.now());
        process.stdout.write(`Base restaurée depuis ${file}${aside ? ` ; l’ancienne est gardée dans ${aside}` : ''}.\n`);
      } finally {
        release();
      }
      return;
    }
    if (!opts.yes) throw new ValidationError({ yes: 'La base PostgreSQL va être remplacée : relancez avec --yes pour confirmer' });
    await withDatabase(async ({ db }) => {
      await new BackupService({ db, dir: config.backup.dir, keep: config.backup.keep, logger }).restorePostgres(file);
      process.stdout.write(`Base PostgreSQL restaurée depuis ${file}.\n`);
    });
  });

/** The off-site storage from the configuration; a command that needs it stops with one line when it is off. French refusals print as such. */
async function withOffsite(fn: (offsite: OffsiteBackups) => Promise<void>): Promise<void> {
  const config = loadConfig();
  const offsite = offsiteFromConfig(config, { logger: createLogger('error') });
  if (!offsite)
    throw new ConfigError(
      'Sauvegarde hors site non configurée : BACKUP_S3_ENDPOINT, BACKUP_S3_BUCKET, BACKUP_S3_ACCESS_KEY_ID, BACKUP_S3_SECRET_ACCESS_KEY et une clé',
    );
  try {
    await fn(offsite);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  }
}

program
  .command('backup:offsite-list')
  .description('liste les sauvegardes complètes copiées hors site (stockage S3), la plus récente d’abord')
  .action(() =>
    withOffsite(async (offsite) => {
      const backups = await offsite.list();
      if (!backups.length) process.stdout.write('Aucune sauvegarde hors site.\n');
      for (const b of backups) process.stdout.write(`${b.name}\t${b.at.toISOString()}\t${b.bytes} octets\n`);
    }),
  );

program
  .command('backup:offsite-fetch')
  .description(
    'télécharge une sauvegarde hors site (la plus récente par défaut), la déchiffre et la vérifie (SHA-256) dans un dossier ; restaurez-la ensuite avec « restore --file »',
  )
  .option('--name <name>', 'le nom de la sauvegarde (backup:offsite-list)')
  .requiredOption('--dest <dir>', 'le dossier où l’écrire')
  .action((opts: { name?: string; dest: string }) =>
    withOffsite(async (offsite) => {
      const name = opts.name ?? (await offsite.latest())?.name;
      if (!name) throw new ValidationError({ name: 'Aucune sauvegarde hors site.' });
      process.stdout.write(`${await offsite.fetch(name, path.resolve(opts.dest))}\n`);
    }),
  );

program
  .command('backup:offsite-push')
  .description('chiffre et copie hors site une sauvegarde locale (la plus récente de BACKUP_DIR par défaut), comme la tâche « backup » chaque nuit')
  .option('--file <path>', 'le fichier de sauvegarde')
  .action((opts: { file?: string }) =>
    withDatabase(async ({ db }) => {
      const config = loadConfig();
      const offsite = offsiteFromConfig(config, { logger: createLogger(config.logLevel), db: db.knex, clock: systemClock });
      if (!offsite) throw new ConfigError('Sauvegarde hors site non configurée (BACKUP_S3_…)');
      const file = opts.file
        ? path.resolve(opts.file)
        : new BackupService({ db, dir: config.backup.dir, keep: config.backup.keep, logger: createLogger('error') }).list()[0];
      if (!file) throw new ValidationError({ file: `Aucune sauvegarde dans ${config.backup.dir}` });
      process.stdout.write(`${JSON.stringify(await offsite.push(file))}\n`);
    }),
  );

program
  .command('restore-drill')
  .description(
    'exercice de restauration : la dernière sauvegarde (hors site si configurée, sinon locale) restaurée dans une base temporaire et vérifiée (lignes par table, comptabilité, piste d’audit, dernier lot SEPA, migrations) ; rapport aux administrateurs',
  )
  .action(() =>
    withDatabase(async ({ db }) => {
      const config = loadConfig();
      const services = createServices(db, config, systemClock, createLogger(config.logLevel));
      try {
        const drill = await services.restoreDrills.run();
        process.stdout.write(
          `Exercice de restauration : ${drill.ok ? 'réussi' : 'ÉCHEC'} — ${drill.backupName ?? 'aucune sauvegarde'} (${drill.sourceNote}), RPO ${drill.rpoSeconds ?? '?'} s, RTO ${drill.rtoSeconds ?? '?'} s\n`,
        );
        for (const c of drill.checks) process.stdout.write(`${c.ok ? '✓' : '✗'} ${c.label} : ${c.detail}\n`);
        if (!drill.ok) process.exitCode = 1;
      } finally {
        services.mailer.close();
      }
    }),
  );

program
  .command('retention:missions')
  .description('efface le contenu des missions dont le ménage n’a plus eu de contact depuis SUPPORT_RETENTION_MONTHS mois (24) ; --dry-run les liste seulement')
  .option('--dry-run', 'liste les missions concernées sans rien effacer')
  .action((opts: { dryRun?: boolean }) =>
    withDatabase(async ({ db }) => {
      const config = loadConfig();
      const services = createServices(db, config, systemClock, createLogger(config.logLevel));
      try {
        const result = await services.supportRetention.run(systemClock.now(), config.supportRetentionMonths, opts.dryRun === true);
        for (const c of result.candidates)
          process.stdout.write(`${JSON.stringify({ mission: c.reference, lastContact: c.lastContact.toISOString().slice(0, 10) })}\n`);
        process.stdout.write(
          opts.dryRun ? `${result.candidates.length} mission(s) à effacer (rien n’a été effacé).\n` : `${result.erased} mission(s) effacée(s).\n`,
        );
      } finally {
        services.mailer.close();
      }
    }),
  );

program
  .command('reset-second-factor')
  .description('oublie la clé du second facteur d’un utilisateur (téléphone perdu) : il en enrôle une nouvelle à sa prochaine connexion')
  .requiredOption('--email <email>', 'adresse e-mail de connexion de l’utilisateur')
  .action((opts: { email: string }) =>
    withDatabase(async ({ db }) => {
      const config = loadConfig();
      const services = createServices(db, config, systemClock, createLogger(config.logLevel));
      try {
        const done = await services.secondFactor.reset({ userId: null, name: 'Ligne de commande' }, { email: opts.email });
        process.stdout.write(done ? `Second facteur réinitialisé pour ${opts.email}.\n` : `Aucun second facteur enregistré pour ${opts.email}.\n`);
      } finally {
        services.mailer.close();
      }
    }),
  );

program
  .command('rotate-key')
  .description(
    'chiffre sous la clé DATA_ENCRYPTION_KEY tout ce qui ne l’est pas encore (IBAN, clés de second facteur, notes) et rechiffre ce qui l’est sous une ancienne clé (DATA_ENCRYPTION_OLD_KEYS), par lots ; l’extranet reste en service, la commande peut être interrompue et relancée',
  )
  .option('--batch <n>', 'lignes par transaction', '500')
  .action((opts: { batch: string }) =>
    withDatabase(async ({ db }) => {
      const batchSize = Number(opts.batch);
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000)
        throw new ValidationError({ batch: '--batch : un nombre entier entre 1 et 10 000' });
      const config = loadConfig();
      const cipher = new FieldCipher(config.dataEncryption);
      process.stdout.write(`Clé courante : ${cipher.keyId}.\n`);
      const started = Date.now();
      let lastReport = started;
      const counts = await rotateKeys(db.knex, cipher, {
        batchSize,
        onBatch: (table, rewritten) => {
          if (Date.now() - lastReport < 5000) return;
          lastReport = Date.now();
          process.stdout.write(`  ${table} : ${rewritten} ligne(s) rechiffrée(s) jusqu’ici…\n`);
        },
      });
      for (const c of counts) {
        process.stdout.write(
          `${c.table} : ${c.rewritten} ligne(s) rechiffrée(s)${c.skipped ? `, ${c.skipped} modifiée(s) entre-temps par l’application (déjà sous la clé courante)` : ''}\n`,
        );
      }
      const total = counts.reduce((n, c) => n + c.rewritten, 0);
      const seconds = (Date.now() - started) / 1000;
      process.stdout.write(
        total
          ? `Terminé : ${total} ligne(s) rechiffrée(s) en ${seconds.toFixed(1)} s. Les anciennes clés peuvent quitter DATA_ENCRYPTION_OLD_KEYS ; gardez-les à part tant que des sauvegardes faites avant ce jour sont conservées.\n`
          : 'Rien à rechiffrer : tout est déjà sous la clé courante.\n',
      );
    }),
  );

program
  .command('create-admin')
  .description('crée un administrateur de l’association (et l’association si elle n’existe pas)')
  .requiredOption('--email <email>', 'adresse e-mail de connexion')
  .requiredOption('--name <name>', 'prénom et nom, par exemple "Claire Martin"')
  .option('--organisation <name>', 'nom de l’association à créer si aucune n’existe', 'Association')
  .option('--password-stdin', 'lit le mot de passe sur l’entrée standard au lieu de le demander')
  .action(async (opts: { email: string; name: string; organisation: string; passwordStdin?: boolean }) => {
    const password = opts.passwordStdin ? await readStdin() : await askHidden('Mot de passe (12 caractères au moins) : ');
    const [firstName, ...rest] = opts.name.trim().split(/\s+/);
    await withDatabase(async ({ db }) => {
      const result = await bootstrapAdmin(
        db.knex,
        {
          users: new UserRepository(),
          organisations: new OrganisationRepository(),
          audit: new AuditService({ repository: new AuditRepository(), clock: systemClock }),
          clock: systemClock,
        },
        { email: opts.email, firstName: firstName ?? opts.name, lastName: rest.join(' ') || '-', password, organisationName: opts.organisation },
      );
      process.stdout.write(`Administrateur créé : ${opts.email}${result.createdOrganisation ? ` (association « ${opts.organisation} » créée)` : ''}\n`);
    });
  });

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

function askHidden(question: string): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk: string | Uint8Array, _encoding, callback) {
      if (!muted) process.stdout.write(chunk);
      callback();
    },
  });
  const rl = readline.createInterface({ input: process.stdin, output, terminal: true });
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close();
      process.stdout.write('\n');
      resolve(answer);
    });
    muted = true;
  });
}

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ValidationError) process.stderr.write(`${Object.values(err.fieldErrors).join('\n')}\n`);
  else if (err instanceof ConfigError || err instanceof DataDirLockedError || err instanceof FieldCipherError) process.stderr.write(`${err.message}\n`);
  else process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
