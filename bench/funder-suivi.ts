/**
 * The daily SUIVI file at volume: BENCH_EVENTS events (100,000 by default) waiting in the outbox
 * (`funder_records`, as the business transactions write them), sent by one run of the follow-up
 * (lock, every record checked against suivi.v1, files of at most 10,000 records with their
 * manifests, records marked sent, files delivered to a folder). Prints the time and the peak RSS
 * of the process that sends (a fresh one: the filling's memory is not counted). Runs on
 * PostgreSQL, in a database it creates afresh (entraide_bench_suivi on BENCH_SERVER_URL).
 *   node --expose-gc --import tsx bench/funder-suivi.ts
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { createServices } from '../src/services';
import { FakeClock } from '../src/shared/clock';
import { openDatabase } from '../src/db/database';
import { freshBenchDatabase } from './database';
import { measure } from './measure';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const NAME = 'entraide_bench_suivi';
const KINDS = [
  { evenement: 'demande_deposee', reference: '2026-00042', aide: 'AQ', montant_centimes: 120000 },
  { evenement: 'decision_accord', reference: '2026-00042', aide: 'AQ', montant_centimes: 90000, echeances: 3 },
  { evenement: 'paiement_emis', reference: '2026-00042', aide: 'AQ', montant_centimes: 30000, date_effet: '2026-11-20' },
  { evenement: 'accompagnement_seance', reference: 'M2026-00007', aide: 'BUDGET', duree_minutes: 90, date_effet: '2026-11-21' },
] as const;

async function main(): Promise<void> {
  const { db, url } = await freshBenchDatabase(NAME);
  const funderDir = fs.mkdtempSync(path.join(os.tmpdir(), 'entraide-bench-suivi-'));
  try {
    const now = new Date('2026-12-02T05:00:00Z');
    const filled = await measure(async () => {
      const at = new Date(now.getTime() - 86_400_000);
      for (let i = 0; i < EVENTS; i += 5_000) {
        const rows = [];
        for (let j = i; j < Math.min(EVENTS, i + 5_000); j++) {
          const id = `S-${j.toString(16).padStart(32, '0')}`;
          const payload = {
            id,
            orientation_asd: `ASD-2026-${String(j % 1_000_000).padStart(6, '0')}`,
            horodatage: at.toISOString(),
            ...KINDS[j % KINDS.length],
          };
          rows.push({
            flow: 'SUIVI',
            record_id: id,
            orientation_asd: payload.orientation_asd,
            payload: JSON.stringify(payload),
            status: 'a_envoyer',
            created_at: at,
            updated_at: at,
          });
        }
        await db.knex('funder_records').insert(rows);
      }
    });
    process.stdout.write(`${EVENTS.toLocaleString('en')} SUIVI events in the outbox in ${filled.seconds.toFixed(1)} s\n`);

    const child = spawnSync(process.execPath, [...process.execArgv, __filename, '--send'], {
      env: { ...process.env, BENCH_URL: url, BENCH_DIR: funderDir, BENCH_NOW: now.toISOString() },
      encoding: 'utf8',
    });
    process.stdout.write(child.stdout);
    process.stderr.write(child.stderr);
    if (child.status !== 0) process.exitCode = 1;
  } finally {
    await db.close();
    fs.rmSync(funderDir, { recursive: true, force: true });
  }
}

/** The sending, in its own process: its peak RSS is the sending's alone. */
async function send(): Promise<void> {
  const url = process.env.BENCH_URL as string;
  const funderDir = process.env.BENCH_DIR as string;
  const config = loadConfig({ ...process.env, DATABASE_URL: url, LOG_LEVEL: 'silent', NODE_ENV: 'development', FUNDER_DIR: funderDir });
  const db = openDatabase({ kind: 'postgres', url, poolMax: 4 });
  const services = createServices(db, config, new FakeClock(new Date(process.env.BENCH_NOW as string)), createLogger('silent'));
  try {
    const run = await measure(() => services.funderFollowUp.send());
    const files = run.result.files;
    const bytes = files.reduce((n, f) => n + fs.statSync(path.join(funderDir, 'depot', f.file)).size, 0);
    process.stdout.write(
      `funder-followup: ${files.reduce((n, f) => n + f.records, 0).toLocaleString('en')} events in ${files.length} file(s) (${(bytes / 1e6).toFixed(1)} MB), ` +
        `${run.result.deliveries.filter((d) => d.status === 'depose').length} delivered, in ${run.seconds.toFixed(2)} s; ` +
        `peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (${run.baselineMb.toFixed(0)} MB before)\n`,
    );
  } finally {
    services.mailer.close();
    await db.close();
  }
}

(process.argv.includes('--send') ? send() : main()).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
