import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LedgerRepository } from '../../src/accounting/repository';
import { parseJsonLines } from '../../src/funder/formats/jsonl';
import { manifestProblem } from '../../src/funder/formats/manifest';
import { parseDataFileName } from '../../src/funder/formats/names';
import { schemaProblem } from '../../src/funder/formats/schemas';
import { FunderLedgerFlow } from '../../src/funder/ledger-flow/flow';
import { monthFile, monthFiles, UnbalancedMonthError } from '../../src/funder/ledger-flow/records';
import { sepaBatches } from '../../src/jobs/definitions/sepa-batches';
import { insertHousehold } from '../factories/household';
import { actorOf, grantedRequest, paymentSetup } from '../factories/payment';
import { TEST_NOW } from '../support/app';
import { onPostgres } from '../support/database';
import { useWorld } from '../support/world';

/**
 * The ECRITURES flow (docs/echanges/ecritures.md): after the accountant closes a month, its ledger
 * lines leave for Action Logement in one file, exactly once, with totals equal to the FEC's lines
 * of that month.
 */
const funderDir = fs.mkdtempSync(path.join(os.tmpdir(), 'entraide-ecritures-'));
const t = useWorld({ FUNDER_DIR: funderDir });
afterAll(() => fs.rmSync(funderDir, { recursive: true, force: true }));

let flow: FunderLedgerFlow;
let aqId: string;
beforeAll(async () => {
  ({ aqId } = await paymentSetup(t.ctx.services, t.ctx.knex, t.world));
  flow = new FunderLedgerFlow({ db: t.ctx.knex, ledger: new LedgerRepository(), outbound: t.ctx.services.funderOutbound });
});

const at = (iso: string) => t.ctx.clock.set(new Date(iso));
const grant = async (amountCents: number, instalments: number, firstDueDate: string) =>
  grantedRequest(t.ctx.services, t.ctx.knex, t.world, {
    aqId,
    householdId: (await insertHousehold(t.ctx.knex, t.world.landlordA.id)).id,
    amountCents,
    instalments,
    firstDueDate,
  });
/** Generates, approves and transmits the SEPA batch of a night: the bank entries. */
async function payNight(day: string): Promise<void> {
  await t.ctx.services.jobs.run(sepaBatches, t.ctx.services, 'Planificateur', day);
  const batch = await t.ctx.knex('payment_batches').where({ status: 'generated' }).orderBy('number', 'desc').first();
  const accountant = await actorOf(t.ctx.knex, t.world.users.accountant.id);
  await t.ctx.services.batches.approve(accountant, batch.id, batch.version);
  await t.ctx.services.batches.transmit(accountant, batch.id, batch.version + 1);
}
const close = async (month: string) => t.ctx.services.accounting.closePeriod(await actorOf(t.ctx.knex, t.world.users.accountant.id), month);

const depot = () => fs.readdirSync(path.join(funderDir, 'depot')).sort();
const read = (name: string) => fs.readFileSync(path.join(funderDir, 'depot', name));
const ecrituresFiles = () => t.ctx.knex('funder_files').where({ flow: 'ECRITURES', direction: 'out' }).orderBy('sequence');

/** The FEC of the year as the accountant downloads it, parsed: the lines dated in `month` (its own check, not the flow's code). */
async function fecLinesOf(month: string): Promise<Array<{ num: string; account: string; debit: number; credit: number }>> {
  const fec = await t.ctx.services.accounting.fec(null, Number(month.slice(0, 4)));
  let text = '';
  for await (const line of fec.lines) text += line;
  const cents = (v: string) => Number(v.replace(',', ''));
  return text
    .split('\n')
    .slice(1)
    .filter((l) => l !== '')
    .map((l) => l.split('\t'))
    .filter((f) => (f[3] as string).startsWith(month.replace('-', '')))
    .map((f) => ({ num: f[2] as string, account: f[4] as string, debit: cents(f[11] as string), credit: cents(f[12] as string) }));
}

describe('the ECRITURES flow', () => {
  it('sends one file per closed month with lines: every record valid, a true manifest, totals equal to the FEC of the month', async () => {
    // October: two grants, one of them paid (bank entry, its payable matched); November stays open
    at('2026-10-14T08:00:00Z');
    await grant(60000, 2, '2026-10-15');
    await grant(24000, 1, '2026-12-01');
    await payNight('2026-10-14');
    at(TEST_NOW.toISOString());
    await grant(30000, 1, '2026-12-10');
    await close('2026-10');
    await close('2026-09'); // closed with no entry: nothing to send

    const run = await flow.sendClosedMonths();

    expect(run.files.map((f) => f.file)).toEqual([expect.stringMatching(/^ENTRAIDE_ECRITURES_20261031_\d{6}\.jsonl$/)]);
    expect(run.deliveries).toEqual([{ file: run.files[0]?.file, status: 'depose', problem: null }]);
    expect(depot()).toEqual(run.files.flatMap((f) => [f.file, f.manifest]).sort());
    expect(await ecrituresFiles()).toMatchObject([{ period_start: '2026-10-01', period_end: '2026-10-31', status: 'depose' }]);

    const october = run.files[0] as (typeof run.files)[0];
    const data = read(october.file);
    expect(manifestProblem(read(october.manifest), data, { fileName: october.file, flow: 'ECRITURES', sender: 'ENTRAIDE' })).toBeNull();
    const records = parseJsonLines(data).map((line) => ('value' in line ? line.value : line.problem));
    for (const record of records)
      expect({ id: (record as { id: string }).id, problem: schemaProblem('ecritures', record) }).toEqual({ id: expect.any(String), problem: null });
    expect(new Set(records.map((r) => (r as { id: string }).id)).size).toBe(records.length);

    const fec = await fecLinesOf('2026-10');
    const debit = fec.reduce((s, l) => s + l.debit, 0);
    expect(fec.length).toBeGreaterThanOrEqual(7); // two grants (1 + 2 and 1 + 1 lines), one transfer (2 lines)
    expect(debit).toBe(fec.reduce((s, l) => s + l.credit, 0));
    expect(JSON.parse(read(october.manifest).toString('utf8')).totaux).toEqual({ debit_centimes: debit, credit_centimes: debit, lignes: fec.length });
    // line by line, the same lines as the FEC, in its order
    const typed = records as Array<{ EcritureNum: string; CompteNum: string; debit_centimes: number; credit_centimes: number }>;
    expect(typed.map((r) => ({ num: r.EcritureNum, account: r.CompteNum, debit: r.debit_centimes, credit: r.credit_centimes }))).toEqual(fec);
    // the paid payable and its bank line carry their matching code and date; an unpaid one carries none
    const matched = records.filter((r) => (r as { EcritureLet: string | null }).EcritureLet !== null);
    expect(matched.length).toBeGreaterThanOrEqual(2);
    expect(matched[0]).toMatchObject({ EcritureLet: expect.stringMatching(/^[A-Z]+$/), DateLet: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
    expect(records[0]).toMatchObject({ JournalCode: 'OD', EcritureDate: '2026-10-14', ValidDate: '2026-10-14', Montantdevise: null, Idevise: null });
  });

  it('leaves an open month alone and sends nothing twice: a second run prepares and delivers nothing', async () => {
    const before = await ecrituresFiles();
    expect(before.some((f: { period_start: string }) => f.period_start === '2026-11-01')).toBe(false);
    const files = depot();
    expect(await flow.sendClosedMonths()).toEqual({ files: [], deliveries: [] });
    expect(await flow.sendMonth('2026-10')).toEqual({ files: [], deliveries: [] });
    expect(await ecrituresFiles()).toHaveLength(before.length);
    expect(depot()).toEqual(files);
  });

  it('refuses a month that is not closed, in words the accountant understands', async () => {
    await expect(flow.sendMonth('2026-11')).rejects.toThrow(
      'La période 11/2026 n’est pas close : ses écritures ne partent chez Action Logement qu’après la clôture du mois.',
    );
    await expect(flow.sendMonth('novembre')).rejects.toThrow(/AAAA-MM/);
    expect(await t.ctx.knex('funder_files').where({ flow: 'ECRITURES', period_start: '2026-11-01' })).toEqual([]);
  });

  it(`sends a month closed later exactly once even when two runs meet (${onPostgres() ? 'PostgreSQL, two runs at once' : 'PGlite, one connection'}), with the next sequence number`, async () => {
    at('2026-12-02T08:00:00Z');
    await close('2026-11');
    const runs = await Promise.all([flow.sendClosedMonths(), flow.sendClosedMonths()]);
    const made = runs.flatMap((r) => r.files);
    expect(made).toHaveLength(1);
    const files = await ecrituresFiles();
    expect(files.filter((f: { period_start: string }) => f.period_start === '2026-11-01')).toHaveLength(1);
    const sequences = files.map((f: { name: string }) => parseDataFileName(f.name)?.sequence);
    expect(sequences).toEqual([sequences[0], (sequences[0] as number) + 1]);
    const november = made[0] as (typeof made)[0];
    expect(november.file).toMatch(/^ENTRAIDE_ECRITURES_20261130_\d{6}\.jsonl$/);
    expect(depot()).toContain(november.manifest);
    const fec = await fecLinesOf('2026-11');
    expect(november.totals).toEqual({
      debit_centimes: fec.reduce((s, l) => s + l.debit, 0),
      credit_centimes: fec.reduce((s, l) => s + l.credit, 0),
      lignes: fec.length,
    });
    expect(november.records).toBe(fec.length);
  });
  it('cuts a month longer than a file may hold between two entries: each file balances, together they are the FEC of the month', async () => {
    at('2026-12-03T08:00:00Z');
    for (const [amount, instalments] of [
      [60000, 2],
      [24000, 1],
      [31000, 3],
      [12000, 1],
    ] as const)
      await grant(amount, instalments, '2027-01-15');
    at('2027-01-02T08:00:00Z');
    await close('2026-12');
    const small = new FunderLedgerFlow({ db: t.ctx.knex, ledger: new LedgerRepository(), outbound: t.ctx.services.funderOutbound, linesPerFile: 3 });
    const run = await small.sendMonth('2026-12');
    expect(run.files.length).toBeGreaterThan(1);
    const sequences = run.files.map((f) => parseDataFileName(f.file)?.sequence as number);
    expect(sequences).toEqual(sequences.map((_, i) => sequences[0]! + i));
    const lines: Array<{ EcritureNum: string; CompteNum: string; debit_centimes: number; credit_centimes: number }> = [];
    const entries: Array<Set<string>> = [];
    for (const file of run.files) {
      const data = read(file.file);
      expect(manifestProblem(read(file.manifest), data, { fileName: file.file, flow: 'ECRITURES', sender: 'ENTRAIDE' })).toBeNull();
      const records = parseJsonLines(data).map((l) => ('value' in l ? l.value : {})) as typeof lines;
      expect(file.totals).toEqual({
        debit_centimes: records.reduce((n, r) => n + r.debit_centimes, 0),
        credit_centimes: records.reduce((n, r) => n + r.credit_centimes, 0),
        lignes: records.length,
      });
      expect(file.totals?.debit_centimes).toBe(file.totals?.credit_centimes);
      lines.push(...records);
      entries.push(new Set(records.map((r) => r.EcritureNum)));
    }
    // an entry is never cut: each entry number lives in one file only
    expect(entries.reduce((n, e) => n + e.size, 0)).toBe(new Set(lines.map((l) => l.EcritureNum)).size);
    const fec = await fecLinesOf('2026-12');
    expect(lines.map((r) => ({ num: r.EcritureNum, account: r.CompteNum, debit: r.debit_centimes, credit: r.credit_centimes }))).toEqual(fec);
    // the month counts as sent: nothing leaves twice
    expect(await small.sendClosedMonths()).toEqual({ files: [], deliveries: [] });
  });
});

describe('the records of a month', () => {
  const row = (entryNumber: string, lineNo: number, debitCents: number, creditCents: number) => ({
    journalCode: 'OD',
    journalLabel: 'Opérations diverses',
    entryNumber,
    entryDate: '2026-10-14',
    accountNumber: debitCents > 0 ? '6571' : '4672',
    accountLabel: 'Compte',
    auxNumber: null,
    auxLabel: null,
    pieceRef: '2026-00001',
    pieceDate: '2026-10-14',
    label: 'Aide\tau loyer',
    debitCents: String(debitCents),
    creditCents: String(creditCents),
    matchCode: null,
    matchDate: null,
    validatedOn: '2026-10-14',
    lineNo,
  });

  it('refuses a month whose debits and credits differ: no file is built', () => {
    expect(() => monthFile('2026-10', [row('2026-000001', 1, 1000, 0), row('2026-000001', 2, 0, 999)])).toThrow(UnbalancedMonthError);
    expect(() => monthFile('2026-10', [row('2026-000001', 1, 1000, 0), row('2026-000001', 2, 0, 999)])).toThrow(
      'Les écritures de 10/2026 ne sont pas équilibrées (débit 10,00, crédit 9,99) : aucun fichier ECRITURES n’est préparé.',
    );
  });

  it('keeps the FEC’s texts, dates as AAAA-MM-JJ, amounts in integer cents, a stable id per line', () => {
    const file = monthFile('2026-02', [row('2026-000007', 1, 125050, 0), row('2026-000007', 2, 0, 125050)]);
    expect(file).toMatchObject({ periodStart: '2026-02-01', periodEnd: '2026-02-28', totals: { debit_centimes: 125050, credit_centimes: 125050, lignes: 2 } });
    expect(file.records[0]).toEqual({
      id: '2026-000007.1',
      JournalCode: 'OD',
      JournalLib: 'Opérations diverses',
      EcritureNum: '2026-000007',
      EcritureDate: '2026-10-14',
      CompteNum: '6571',
      CompteLib: 'Compte',
      CompAuxNum: null,
      CompAuxLib: null,
      PieceRef: '2026-00001',
      PieceDate: '2026-10-14',
      EcritureLib: 'Aide au loyer',
      debit_centimes: 125050,
      credit_centimes: 0,
      EcritureLet: null,
      DateLet: null,
      ValidDate: '2026-10-14',
      Montantdevise: null,
      Idevise: null,
    });
    for (const record of file.records) expect(schemaProblem('ecritures', record)).toBeNull();
    expect(schemaProblem('ecritures', { ...file.records[0], debit_centimes: 12.5 })).toMatch(/debit_centimes/);
    expect(schemaProblem('ecritures', { ...file.records[0], Debit: '1250,50' })).toMatch(/Debit : champ inconnu/);
  });
  it('cuts only between entries, and refuses an unbalanced month before cutting it', () => {
    const rows = [
      row('2026-000001', 1, 1000, 0),
      row('2026-000001', 2, 0, 1000),
      row('2026-000002', 1, 500, 0),
      row('2026-000002', 2, 0, 300),
      row('2026-000002', 3, 0, 200),
      row('2026-000003', 1, 700, 0),
      row('2026-000003', 2, 0, 700),
    ];
    expect(monthFiles('2026-10', rows, 7)).toHaveLength(1);
    const parts = monthFiles('2026-10', rows, 4);
    expect(parts.map((p) => p.records.map((r) => r.id))).toEqual([
      ['2026-000001.1', '2026-000001.2'],
      ['2026-000002.1', '2026-000002.2', '2026-000002.3'],
      ['2026-000003.1', '2026-000003.2'],
    ]);
    expect(parts.map((p) => p.totals)).toEqual([
      { debit_centimes: 1000, credit_centimes: 1000, lignes: 2 },
      { debit_centimes: 500, credit_centimes: 500, lignes: 3 },
      { debit_centimes: 700, credit_centimes: 700, lignes: 2 },
    ]);
    // an entry longer than a file goes whole in its own file
    expect(monthFiles('2026-10', rows, 2).map((p) => p.totals.lignes)).toEqual([2, 3, 2]);
    expect(() => monthFiles('2026-10', [...rows, row('2026-000004', 1, 1, 0)], 2)).toThrow(UnbalancedMonthError);
    // and by weight, whatever the count: long texts make fewer lines per file
    const lineBytes = Buffer.byteLength(JSON.stringify(monthFile('2026-10', rows).records[0])) + 1;
    expect(monthFiles('2026-10', rows, 1000, lineBytes * 3).map((p) => p.totals.lignes)).toEqual([2, 3, 2]);
  });
});
