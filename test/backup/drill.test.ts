import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { LOCAL_NOTE } from '../../src/backup/drill';
import { BackupFactsRepository } from '../../src/backup/repository';
import { type BackupManifest, manifestPath, readManifest } from '../../src/backup/manifest';
import { restoreDrill } from '../../src/jobs/definitions/restore-drill';
import { sepaBatches } from '../../src/jobs/definitions/sepa-batches';
import { insertHousehold } from '../factories/household';
import { insertOrganisation } from '../factories/organisation';
import { grantedRequest, paymentSetup } from '../factories/payment';
import { TEST_NOW } from '../support/app';
import { onPostgres } from '../support/database';
import { $, loginAs } from '../support/http';
import { useWorld } from '../support/world';

/**
 * Issue 18, restore drills (docs/continuite.md): each backup carries a manifest read in the same
 * snapshot as its dump; the drill restores the newest backup into a scratch database (a temporary
 * PostgreSQL database, or an in-memory PGlite) and checks it against the manifest — rows per
 * table, balanced and gaplessly numbered ledger, complete audit trail, the latest SEPA file's
 * hash, schema version — records RPO and RTO, and mails its report to the administrators. A
 * changed byte or a row missing from the dump fails it.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'entraide-drill-test-backups-'));
const TOKEN = 'metrics-token-for-the-tests-0123456789abcdef';
const t = useWorld({ BACKUP_DIR: dir, METRICS_TOKEN: TOKEN });
const HOUR = 60;

beforeAll(async () => {
  // a ledger and a SEPA batch to check: a grant (its entry) paid the next day (a batch, its file)
  const setup = await paymentSetup(t.ctx.services, t.ctx.knex, t.world);
  await grantedRequest(t.ctx.services, t.ctx.knex, t.world, {
    aqId: setup.aqId,
    householdId: (await insertHousehold(t.ctx.knex, t.world.landlordA.id)).id,
    amountCents: 60000,
    instalments: 2,
    firstDueDate: '2026-11-24',
  });
  await t.ctx.services.jobs.run(sepaBatches, t.ctx.services, 'Planificateur', '2026-11-23');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const count = async (table: string) => Number((await t.ctx.knex(table).count<Array<{ n: string }>>('* as n'))[0]?.n);
const drillMails = (): Promise<Array<{ to: string; subject: string; text: string }>> =>
  t.ctx.knex('mail_outbox').where({ kind: 'backup.drill' }).select('to_address as to', 'subject', 'text_body as text');
/** The report of the drill that used this backup. */
const reportOn = async (file: string) =>
  (await drillMails()).find((m) => m.text.includes(`Sauvegarde utilisée : ${path.basename(file)}`)) as { subject: string; text: string };
/** The newest backup's file, with one byte of it flipped (its `.sha256` left as it was). */
function flipOneByte(file: string): void {
  const bytes = fs.readFileSync(file);
  const at = Math.floor(bytes.length / 2);
  bytes[at] = (bytes[at] as number) ^ 0x01;
  fs.writeFileSync(file, bytes);
}
/** The sample `name value` of a scrape, or null. */
const sample = (text: string, name: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : null;
};

describe('the backup manifest', () => {
  it('is written beside the backup with rows per table, the ledger, the audit trail, the latest SEPA batch and the schema version', async () => {
    t.ctx.clock.set(TEST_NOW);
    const made = await t.ctx.services.backups.create(t.ctx.clock.now());
    const manifest = readManifest(made.file);
    expect(manifest).toEqual(JSON.parse(JSON.stringify(made.manifest)) as BackupManifest);
    expect(fs.existsSync(manifestPath(made.file))).toBe(true);
    expect(manifest).toMatchObject({ format: 1, file: path.basename(made.file), kind: t.ctx.db.kind, backupAt: TEST_NOW.toISOString() });
    // every table of the public schema but knex's lock
    expect(manifest.tables).not.toHaveProperty('knex_migrations_lock');
    expect(manifest.tables.organisations).toBe(await count('organisations'));
    expect(manifest.tables.knex_migrations).toBe(await count('knex_migrations'));
    expect(manifest.tables.ledger_lines).toBe(await count('ledger_lines'));
    const entries = await count('ledger_entries');
    expect(entries).toBeGreaterThan(0);
    expect(manifest.ledger).toEqual({
      entries,
      lines: await count('ledger_lines'),
      sequences: [{ fiscalYear: 2026, counter: '*', count: entries, maxNumber: entries }],
    });
    const audit = await t.ctx.knex('audit_events').first(t.ctx.knex.raw('count(*)::int as n'), t.ctx.knex.raw('max(id)::text as last'));
    expect(manifest.audit).toEqual({ count: audit.n, lastId: audit.last });
    const batch = await t.ctx.knex('payment_batches').orderBy('number', 'desc').first('id', 'file_sha256');
    expect(manifest.sepa).toMatchObject({ batchId: batch.id, fileSha256: batch.file_sha256 });
    const migrations = await t.ctx.knex('knex_migrations').orderBy('id', 'desc').pluck('name');
    expect(manifest).toMatchObject({ schemaVersion: migrations[0], migrations: migrations.length });
  });
});

describe('the ledger checks on a real database', () => {
  it('find an entry that does not balance and a number given out without its entry (in a transaction rolled back)', async () => {
    const repository = new BackupFactsRepository();
    expect(await repository.unbalancedEntries(t.ctx.knex)).toEqual([]);
    expect(await repository.numberingGaps(t.ctx.knex)).toEqual([]);
    const rollback = new Error('rollback');
    await expect(
      t.ctx.knex.transaction(async (trx) => {
        // the deferred balance trigger only runs at commit: before it, the entry is there, one-sided
        const [entry] = await trx('ledger_entries')
          .insert({
            fiscal_year: 2026,
            journal_code: 'OD',
            number: 99,
            number_text: 'ESSAI-99',
            entry_date: '2026-11-23',
            piece_ref: 'ESSAI',
            piece_date: '2026-11-23',
            label: 'Écriture d’essai',
            validated_at: TEST_NOW,
            source_type: 'grant',
            created_by_label: 'Test',
          })
          .returning('id');
        await trx('ledger_lines').insert({ entry_id: entry.id, line_no: 1, account_number: '6571', account_label: 'Aides', label: 'Essai', debit_cents: 100 });
        expect(await repository.unbalancedEntries(trx)).toEqual(['ESSAI-99']);
        const gaps = await repository.numberingGaps(trx);
        expect(gaps).toEqual([expect.objectContaining({ fiscalYear: 2026, counter: '*', high: 99 })]);
        throw rollback;
      }),
    ).rejects.toBe(rollback);
    await expect(
      t.ctx.knex.transaction(async (trx) => {
        await trx('ledger_counters').where({ fiscal_year: 2026, journal_code: '*' }).increment('last_number', 1);
        const [gap] = await repository.numberingGaps(trx);
        expect(gap).toMatchObject({ fiscalYear: 2026, counter: '*', low: 1 });
        expect(gap?.last).toBe((gap?.high as number) + 1);
        throw rollback;
      }),
    ).rejects.toBe(rollback);
  });
});

describe('the restore drill', () => {
  it('restores the newest backup into a scratch database, passes every check (writes during the backup included), records RPO and RTO and mails the report', async () => {
    t.ctx.clock.set(new Date(TEST_NOW.getTime() + 60_000));
    // rows written while the backup runs: the manifest is read in the dump's own snapshot, so they are in both or in neither
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        await insertOrganisation(t.ctx.knex, { name: `Bailleur écrit pendant la sauvegarde ${++written}`, siren: null });
        // PGlite answers without I/O: let the event loop breathe, or the backup's file reads would starve
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const made = await t.ctx.services.backups.create(t.ctx.clock.now());
    writing = false;
    await writer;
    expect(written).toBeGreaterThan(1);
    t.ctx.clock.advanceMinutes(5 * HOUR);
    const drill = await t.ctx.services.restoreDrills.run();
    expect(drill.checks.filter((c) => !c.ok)).toEqual([]);
    expect(drill.checks.map((c) => c.key)).toEqual(['sha256', 'restore', 'tables', 'ledger-balanced', 'ledger-numbers', 'audit', 'sepa', 'migrations']);
    expect(drill).toMatchObject({ ok: true, error: null, source: 'local', sourceNote: LOCAL_NOTE, backupName: path.basename(made.file), rpoSeconds: 5 * 3600 });
    expect(drill.rtoSeconds).toBeGreaterThan(0);
    expect(drill.rtoSeconds).toBeLessThan(120);
    expect(drill.checks.find((c) => c.key === 'restore')?.detail).toMatch(onPostgres() ? /base PostgreSQL temporaire entraide_drill_/ : /PGlite en mémoire/);
    expect(drill.checks.find((c) => c.key === 'sepa')?.detail).toContain('inchangée');

    const row = await t.ctx.knex('restore_drills').where({ id: drill.id }).first();
    expect(row).toMatchObject({ ok: true, source: 'local', backup_name: path.basename(made.file), rpo_seconds: 18000, error: null });
    expect(new Date(row.backup_at)).toEqual(new Date(TEST_NOW.getTime() + 60_000));
    expect(Number(row.rto_seconds)).toBeCloseTo(drill.rtoSeconds as number, 3);
    if (onPostgres()) {
      // the scratch database is dropped
      expect(await t.ctx.knex('pg_database').where('datname', 'like', 'entraide_drill_%').pluck('datname')).toEqual([]);
    }

    const mails = await drillMails();
    // the association's administrators (the world has one)
    expect(mails.map((m) => m.to)).toEqual([t.world.users.admin.email]);
    const mail = mails[0] as { subject: string; text: string };
    expect(mail.subject).toBe('Entraide : exercice de restauration réussi');
    expect(mail.text).toContain(`Sauvegarde utilisée : ${path.basename(made.file)}`);
    expect(mail.text).toContain('copie locale : stockage hors site non configuré');
    expect(mail.text).toContain('(RPO, âge de la sauvegarde) : 5 h 00 min');
    expect(mail.text).toMatch(/\(RTO[^)]*\) : \d+/);
    expect(mail.text).toContain('✓ Empreinte SHA-256 du fichier : conforme');
    expect(mail.text).toContain('✓ Lignes par table');
    expect(mail.text).toContain('✓ Écritures comptables équilibrées');
    expect(mail.text).toContain('✓ Fichier du dernier lot SEPA');
    expect(mail.text).not.toContain('✗');
  }, 90_000);

  it('refuses a backup with one byte changed: the hash check fails and nothing is restored', async () => {
    t.ctx.clock.set(new Date(TEST_NOW.getTime() + 2 * 60_000));
    const made = await t.ctx.services.backups.create(t.ctx.clock.now());
    flipOneByte(made.file);
    const logsBefore = t.ctx.logs.length;
    const drill = await t.ctx.services.restoreDrills.run();
    expect(drill.ok).toBe(false);
    expect(drill.checks).toEqual([expect.objectContaining({ key: 'sha256', ok: false, detail: expect.stringContaining('SHA-256 ne correspond pas') })]);
    expect(drill.error).toContain('SHA-256');
    const failed = t.ctx.logs
      .slice(logsBefore)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.event === 'drill.failed');
    expect(failed).toMatchObject({ level: 'error', backup: path.basename(made.file), failedChecks: ['sha256'] });
    const mail = await reportOn(made.file);
    expect(mail.subject).toBe('Entraide : ÉCHEC de l’exercice de restauration');
    expect(mail.text).toContain('✗ Empreinte SHA-256 du fichier');
    fs.rmSync(made.file);
  }, 90_000);

  it('fails naming the table when the dump lacks a row its manifest counted', async () => {
    const gone = await insertOrganisation(t.ctx.knex, { name: 'Bailleur supprimé après la sauvegarde' });
    t.ctx.clock.set(new Date(TEST_NOW.getTime() + 3 * 60_000));
    const before = await t.ctx.services.backups.create(t.ctx.clock.now());
    await t.ctx.knex('organisations').where({ id: gone.id }).delete();
    t.ctx.clock.set(new Date(TEST_NOW.getTime() + 4 * 60_000));
    const after = await t.ctx.services.backups.create(t.ctx.clock.now());
    // the newest dump, with the manifest of the moment the row was still there
    fs.writeFileSync(manifestPath(after.file), JSON.stringify({ ...before.manifest, file: path.basename(after.file), backupAt: after.manifest.backupAt }));
    const drill = await t.ctx.services.restoreDrills.run();
    expect(drill.ok).toBe(false);
    const failed = drill.checks.filter((c) => !c.ok);
    const n = before.manifest.tables.organisations as number;
    expect(failed).toEqual([
      { key: 'tables', label: 'Lignes par table', ok: false, detail: `différences : organisations (manifeste ${n}, restaurée ${n - 1})` },
    ]);
    expect(drill.error).toContain('organisations (manifeste');
    // the copy was restored and the other checks ran
    expect(drill.checks.map((c) => c.key)).toEqual(['sha256', 'restore', 'tables', 'ledger-balanced', 'ledger-numbers', 'audit', 'sepa', 'migrations']);
    const mail = await reportOn(after.file);
    expect(mail.text).toContain(`✗ Lignes par table : différences : organisations (manifeste ${n}, restaurée ${n - 1})`);
    expect(mail.text).toContain('✓ Piste d’audit complète');
    fs.rmSync(after.file);
  }, 90_000);

  it('runs monthly as the restore-drill job; a failed drill fails the run, so the job-failure notice goes out', async () => {
    t.ctx.clock.set(new Date('2026-12-01T00:30:00Z'));
    await t.ctx.services.backups.create(t.ctx.clock.now());
    t.ctx.clock.set(new Date('2026-12-01T04:00:00Z'));
    const ok = await t.ctx.services.jobs.run(restoreDrill, t.ctx.services, 'Planificateur');
    expect(ok).toMatchObject({ status: 'succeeded', counts: { checks_ok: 8, rpo_seconds: 3.5 * 3600 } });

    t.ctx.clock.set(new Date('2027-01-01T00:30:00Z'));
    flipOneByte((await t.ctx.services.backups.create(t.ctx.clock.now())).file);
    t.ctx.clock.set(new Date('2027-01-01T04:00:00Z'));
    const failed = await t.ctx.services.jobs.run(restoreDrill, t.ctx.services, 'Planificateur');
    expect(failed).toMatchObject({ status: 'failed', error: expect.stringContaining('Exercice de restauration en échec') });
    expect(await t.ctx.knex('job_runs').where({ job: 'restore-drill' }).orderBy('period_key').pluck('status')).toEqual(['succeeded', 'failed']);
    expect(await t.ctx.knex('mail_outbox').where({ kind: 'job.failed', subject: 'Entraide : la tâche restore-drill a échoué' }).pluck('to_address')).toEqual([
      t.world.users.admin.email,
    ]);
  }, 90_000);

  it('shows the last drills on the jobs page and gives Prometheus their age, last result and RTO', async () => {
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    const page = $((await admin.get('/admin/taches')).text);
    const rows = page('#historique-exercices tbody tr');
    expect(rows.length).toBe(await count('restore_drills'));
    expect(rows.first().text()).toContain('En échec');
    expect(rows.first().text()).toContain('Empreinte SHA-256 du fichier');
    expect(page('#historique-exercices').text()).toContain('Réussi');
    expect(page('#historique-exercices').text()).toContain('copie locale');

    const text = (await request(t.ctx.app).get('/metrics').set('Authorization', `Bearer ${TOKEN}`)).text;
    const lastOk = await t.ctx.knex('restore_drills').where({ ok: true }).orderBy('started_at', 'desc').first();
    expect(sample(text, 'entraide_restore_drill_last_ok')).toBe(0);
    expect(sample(text, 'entraide_restore_drill_age_seconds')).toBeCloseTo((t.ctx.clock.now().getTime() - new Date(lastOk.finished_at).getTime()) / 1000, 0);
    expect(sample(text, 'entraide_restore_drill_rto_seconds')).toBeCloseTo(Number(lastOk.rto_seconds), 3);
  });
});
