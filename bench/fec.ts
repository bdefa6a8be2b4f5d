/**
 * The FEC of a fiscal year holding 2,000,000 ledger lines (BENCH_LINES), written from a database
 * cursor to a file as `npm run cli -- fec` does: time and peak RSS. PostgreSQL only (PGlite's
 * `.stream()` buffers every row). The lines are loaded once into a database the bench creates
 * (entraide_bench_fec on BENCH_SERVER_URL), with the balance triggers off for the bulk load only.
 *   npm run bench:fec
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/database';
import { migrateLatest } from '../src/db/migrations';
import { createLogger } from '../src/logger';
import { createServices } from '../src/services';
import { FakeClock } from '../src/shared/clock';
import { checkFec } from '../test/support/fec-check';
import { measure } from './measure';

const SERVER = process.env.BENCH_SERVER_URL ?? 'postgres://root@127.0.0.1:5432/postgres';
const LINES = Number(process.env.BENCH_LINES ?? 2_000_000);
const NAME = 'entraide_bench_fec';

async function main(): Promise<void> {
  const url = new URL(SERVER);
  url.pathname = `/${NAME}`;
  const admin = knexFactory({ client: 'pg', connection: SERVER, pool: { min: 0, max: 1 } });
  const exists = (await admin.raw('select 1 from pg_database where datname = ?', [NAME])).rows.length > 0;
  if (!exists) await admin.raw(`create database ${NAME}`);
  await admin.destroy();
  const db = openDatabase({ kind: 'postgres', url: url.toString(), poolMax: 4 });
  const knex = db.knex;
  await migrateLatest(knex);
  const have = Number((await knex('ledger_lines').count<{ n: string }[]>('* as n'))[0]?.n);
  if (have < LINES) {
    const t0 = Date.now();
    const entries = Math.ceil((LINES - have) / 2);
    await knex.transaction(async (trx) => {
      // bulk load only: no per-row balance trigger (each generated entry is balanced by construction)
      await trx.raw('set local session_replication_role = replica');
      await trx.raw(
        `insert into ledger_entries (fiscal_year, journal_code, number, number_text, entry_date, piece_ref, piece_date, label, validated_at, source_type, created_by_label)
         select 2026, case when i % 2 = 0 then 'OD' else 'BQ' end, ? + i, '2026-' || lpad((? + i)::text, 7, '0'), date '2026-01-01' + (i * 365 / ?)::int,
                'P' || i, date '2026-01-01' + (i * 365 / ?)::int, 'Aide AQ 2026-' || lpad(i::text, 6, '0'),
                timestamptz '2026-01-01 08:00:00+01' + (i * interval '15 seconds'), 'grant', 'Banc'
         from generate_series(1, ?) i`,
        [have / 2, have / 2, entries, entries, entries],
      );
      await trx.raw(
        `insert into ledger_lines (entry_id, line_no, account_number, account_label, aux_number, aux_label, label, debit_cents, credit_cents)
         select e.id, l.n, case when l.n = 1 then '6571' else '4672' end, case when l.n = 1 then 'Aides financières octroyées' else 'Créditeurs divers' end,
                case when l.n = 2 then 'T' || lpad((e.number % 150)::text, 6, '0') end, case when l.n = 2 then 'Bailleur ' || (e.number % 150) end,
                e.label, case when l.n = 1 then 10000 + e.number % 90000 else 0 end, case when l.n = 2 then 10000 + e.number % 90000 else 0 end
         from ledger_entries e cross join (values (1), (2)) l(n) where e.number > ?`,
        [have / 2],
      );
    });
    await knex.raw('vacuum analyze ledger_entries');
    await knex.raw('vacuum analyze ledger_lines');
    process.stdout.write(`${LINES - have} lignes d’écriture chargées en ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  }
  const total = Number((await knex('ledger_lines').count<{ n: string }[]>('* as n'))[0]?.n);
  const config = loadConfig({ ...process.env, DATABASE_URL: url.toString(), LOG_LEVEL: 'silent', NODE_ENV: 'development' });
  const services = createServices(db, config, new FakeClock(new Date('2027-01-15T09:00:00Z')), createLogger('silent'));
  const fec = await services.accounting.fec(null, 2026);
  const file = path.join(os.tmpdir(), fec.fileName);
  const {
    result: written,
    seconds,
    peakMb,
    baselineMb,
  } = await measure(async () => {
    const out = fs.createWriteStream(file);
    let n = 0;
    for await (const line of fec.lines) {
      n++;
      if (!out.write(line)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
    await new Promise<void>((resolve) => out.end(() => resolve()));
    return n;
  });
  process.stdout.write(
    `Entraide bench:fec — PostgreSQL, ${total} lignes d’écriture : FEC de ${written - 1} lignes (${(fs.statSync(file).size / 1e6).toFixed(0)} Mo) écrit en ${seconds.toFixed(1)} s, ` +
      `RSS de pointe ${peakMb.toFixed(0)} Mo (au départ ${baselineMb.toFixed(0)} Mo)\n`,
  );
  if (process.env.BENCH_CHECK) {
    const errors = checkFec(fec.fileName, fs.readFileSync(file, 'utf8'), { start: '2026-01-01', end: '2026-12-31' });
    process.stdout.write(`contrôles du FEC : ${errors.length} anomalie(s)${errors.length ? ` — ${errors.slice(0, 3).join(' ; ')}` : ''}\n`);
  }
  fs.unlinkSync(file);
  services.mailer.close();
  await db.close();
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
