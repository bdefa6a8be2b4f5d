import { sepaBatches } from '../../src/jobs/definitions/sepa-batches';
import { accountingExport } from '../../src/jobs/definitions/accounting-export';
import { insertHousehold } from '../factories/household';
import { actorOf, grantedRequest, paymentSetup } from '../factories/payment';
import { onPostgres } from '../support/database';
import { checkFec } from '../support/fec-check';
import { $, download, fieldError, loginAs, postForm } from '../support/http';
import { useWorld } from '../support/world';

const t = useWorld();
let setup: { aqId: string; householdId: string };

beforeAll(async () => {
  setup = await paymentSetup(t.ctx.services, t.ctx.knex, t.world);
});

const grant = async (amountCents: number, instalments: number, firstDueDate: string) =>
  grantedRequest(t.ctx.services, t.ctx.knex, t.world, {
    aqId: setup.aqId,
    householdId: (await insertHousehold(t.ctx.knex, t.world.landlordA.id)).id,
    amountCents,
    instalments,
    firstDueDate,
  });
const entriesOf = (requestId: string) => t.ctx.knex('ledger_entries').where({ request_id: requestId }).orderBy('number');
const linesOf = (entryId: string) =>
  t.ctx
    .knex('ledger_lines as l')
    .leftJoin('ledger_matches as m', 'm.line_id', 'l.id')
    .where('l.entry_id', entryId)
    .orderBy('l.line_no')
    .select('l.*', 'm.code as match_code');
const payeeCode = async () => (await t.ctx.knex('payees').where({ organisation_id: t.world.landlordA.id }).first('account_code')).account_code as string;
/** Generates, approves and transmits the batch of a night. */
async function payNight(period: string): Promise<string> {
  await t.ctx.services.jobs.run(sepaBatches, t.ctx.services, 'Planificateur', period);
  const batch = await t.ctx.knex('payment_batches').where({ status: 'generated' }).orderBy('number', 'desc').first();
  const accountant = await actorOf(t.ctx.knex, t.world.users.accountant.id);
  await t.ctx.services.batches.approve(accountant, batch.id, batch.version);
  await t.ctx.services.batches.transmit(accountant, batch.id, batch.version + 1);
  return batch.id as string;
}

describe('entries written with the business events', () => {
  it('a grant books the expense and what is owed to the payee, one third-party line per instalment', async () => {
    const id = await grant(90000, 3, '2026-12-01');
    const [entry] = await entriesOf(id);
    expect(entry).toMatchObject({
      journal_code: 'OD',
      source_type: 'grant',
      entry_date: '2026-11-23',
      piece_ref: expect.stringMatching(/^2099-/),
      fiscal_year: 2026,
    });
    const lines = await linesOf(entry.id);
    expect(
      lines.map((l: { account_number: string; debit_cents: string; credit_cents: string; aux_number: string | null }) => [
        l.account_number,
        Number(l.debit_cents),
        Number(l.credit_cents),
        l.aux_number,
      ]),
    ).toEqual([
      ['6571', 90000, 0, null],
      ['4672', 0, 30000, await payeeCode()],
      ['4672', 0, 30000, await payeeCode()],
      ['4672', 0, 30000, await payeeCode()],
    ]);
  });

  it('a transmitted batch pays each payable from the bank, one entry per transfer matched with its payable; a rejection reverses it; the re-issue pays it again', async () => {
    const id = await grant(60000, 2, '2026-11-24');
    await payNight('2026-11-23');
    const [grantEntry, bankEntry] = await entriesOf(id);
    expect(bankEntry).toMatchObject({ journal_code: 'BQ', source_type: 'batch', piece_ref: expect.stringMatching(/^ENTRAIDE-/) });
    const bank = await linesOf(bankEntry.id);
    expect(
      bank.map((l: { account_number: string; debit_cents: string; credit_cents: string }) => [l.account_number, Number(l.debit_cents), Number(l.credit_cents)]),
    ).toEqual([
      ['4672', 30000, 0],
      ['512', 0, 30000],
    ]);
    const payable = (await linesOf(grantEntry.id))[1];
    expect(payable.match_code).toMatch(/^[A-Z]+$/);
    expect(bank[0].match_code).toBe(payable.match_code);
    // rejected: the bank line is reversed, the payable is owed again (open)
    const [payment] = await t.ctx.knex('payments').where({ request_id: id }).orderBy('instalment');
    await t.ctx.services.rejections.reject(await actorOf(t.ctx.knex, t.world.users.operator.id), payment.id, 'AC01', null);
    const reversal = (await entriesOf(id)).find((e: { source_type: string }) => e.source_type === 'rejection');
    expect(reversal).toMatchObject({ journal_code: 'BQ', reverses_entry_id: bankEntry.id });
    const back = await linesOf(reversal.id);
    expect(
      back.map((l: { account_number: string; debit_cents: string; credit_cents: string; match_code: string | null }) => [
        l.account_number,
        Number(l.debit_cents),
        Number(l.credit_cents),
        l.match_code,
      ]),
    ).toEqual([
      ['512', 30000, 0, null],
      ['4672', 0, 30000, null],
    ]);
    // re-issued and paid: it pays the reversal's payable, under the grant's code
    const rejected = await t.ctx.knex('payments').where({ id: payment.id }).first();
    await t.ctx.services.rejections.reissue(await actorOf(t.ctx.knex, t.world.users.operator.id), payment.id, rejected.version);
    await payNight('2026-11-24');
    expect((await linesOf(reversal.id))[1].match_code).toBe(payable.match_code);
  });

  it('cancelled instalments reverse the unpaid part of the expense, matched with what was owed; the payee then owes nothing on this grant', async () => {
    const id = await grant(45000, 3, '2026-11-25');
    await payNight('2026-11-25');
    await t.ctx.services.rejections.cancelRemaining(await actorOf(t.ctx.knex, t.world.users.operator.id), id, 'Le locataire a quitté le logement');
    const cancellation = (await entriesOf(id)).find((e: { source_type: string }) => e.source_type === 'cancellation');
    const lines = await linesOf(cancellation.id);
    expect(
      lines.map((l: { account_number: string; debit_cents: string; credit_cents: string }) => [
        l.account_number,
        Number(l.debit_cents),
        Number(l.credit_cents),
      ]),
    ).toEqual([
      ['4672', 15000, 0],
      ['4672', 15000, 0],
      ['6571', 0, 30000],
    ]);
    const payableLines = await t.ctx
      .knex('ledger_lines as l')
      .join('ledger_entries as e', 'e.id', 'l.entry_id')
      .leftJoin('ledger_matches as m', 'm.line_id', 'l.id')
      .where({ 'e.request_id': id, 'l.account_number': '4672' })
      .select('l.debit_cents', 'l.credit_cents', 'm.code');
    expect(payableLines.reduce((s: number, l: { debit_cents: string; credit_cents: string }) => s + Number(l.credit_cents) - Number(l.debit_cents), 0)).toBe(0);
    expect(new Set(payableLines.map((l: { code: string }) => l.code)).size).toBe(1);
    const expense = await t.ctx
      .knex('ledger_lines as l')
      .join('ledger_entries as e', 'e.id', 'l.entry_id')
      .where({ 'e.request_id': id, 'l.account_number': '6571' })
      .select('l.debit_cents', 'l.credit_cents');
    expect(expense.reduce((s: number, l: { debit_cents: string; credit_cents: string }) => s + Number(l.debit_cents) - Number(l.credit_cents), 0)).toBe(15000);
  });
});

describe('what the database guarantees', () => {
  it('refuses to change or delete a validated entry, an unbalanced entry, an entry of one line', async () => {
    const entry = await t.ctx.knex('ledger_entries').first();
    await expect(t.ctx.knex('ledger_entries').where({ id: entry.id }).update({ label: 'corrigé' })).rejects.toThrow(/never changed or deleted/);
    await expect(t.ctx.knex('ledger_lines').where({ entry_id: entry.id }).delete()).rejects.toThrow(/never changed or deleted/);
    const write = (lines: Array<[string, number, number]>) =>
      t.ctx.knex.transaction(async (trx) => {
        const [e] = await trx('ledger_entries')
          .insert({
            fiscal_year: 2026,
            journal_code: 'OD',
            number: 999000 + lines.length,
            number_text: `TEST-${lines.length}-${Date.now()}`,
            entry_date: '2026-11-23',
            piece_ref: 'X',
            piece_date: '2026-11-23',
            label: 'test',
            validated_at: new Date(),
            source_type: 'grant',
            created_by_label: 'Test',
          })
          .returning('id');
        await trx('ledger_lines').insert(
          lines.map(([a, d, c], i) => ({
            entry_id: (e as { id: string }).id,
            line_no: i + 1,
            account_number: a,
            account_label: a,
            label: 'test',
            debit_cents: d,
            credit_cents: c,
          })),
        );
      });
    await expect(
      write([
        ['6571', 1000, 0],
        ['4672', 0, 999],
      ]),
    ).rejects.toThrow(/not balanced/);
    await expect(write([['6571', 1000, 0]])).rejects.toThrow(/not balanced/);
    await expect(
      write([
        ['6571', 1000, 1000],
        ['4672', 0, 0],
      ]),
    ).rejects.toThrow(/ledger_lines_one_side/);
  });

  it('closes a month for the accountant only, once over, audited; nothing can then be dated in it', async () => {
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    expect((await postForm(admin, '/comptabilite/periodes', { period: '2026-10' }, '/comptabilite/periodes')).status).toBe(403);
    const accountant = await loginAs(t.ctx.app, t.world.users.accountant.email);
    const current = await postForm(accountant, '/comptabilite/periodes', { period: '2026-11' }, '/comptabilite/periodes');
    expect(current.status).toBe(400);
    expect(fieldError(current.text, 'period')).toMatch(/mois terminé/);
    expect((await postForm(accountant, '/comptabilite/periodes', { period: '2026-10' }, '/comptabilite/periodes')).status).toBe(302);
    expect(await t.ctx.knex('audit_events').where({ entity_id: '2026-10', action: 'accounting.period_closed' })).toHaveLength(1);
    await expect(
      t.ctx.knex.transaction(async (trx) => {
        await trx('ledger_entries').insert({
          fiscal_year: 2026,
          journal_code: 'OD',
          number: 998001,
          number_text: 'TEST-CLOS',
          entry_date: '2026-10-15',
          piece_ref: 'X',
          piece_date: '2026-10-15',
          label: 'test',
          validated_at: new Date(),
          source_type: 'grant',
          created_by_label: 'Test',
        });
      }),
    ).rejects.toThrow(/period 2026-10 is closed/);
    const s = await t.ctx.services.accountingSettings.accounting();
    await expect(
      t.ctx.knex.transaction((trx) =>
        t.ctx.services.ledger.post(
          trx,
          [
            {
              journalCode: 'OD',
              entryDate: '2026-10-20',
              pieceRef: 'X',
              pieceDate: '2026-10-20',
              label: 'x',
              sourceType: 'grant',
              createdByLabel: 'Test',
              lines: [
                { accountNumber: '6571', label: 'x', debitCents: 1, creditCents: 0 },
                { accountNumber: '4672', label: 'x', debitCents: 0, creditCents: 1 },
              ],
            },
          ],
          s,
          t.ctx.clock.now(),
        ),
      ),
    ).rejects.toThrow('La période 10/2026 est close en comptabilité');
  });

  it(`numbers entries without a gap even when transactions roll back (${onPostgres() ? 'PostgreSQL, 24 at once' : 'PGlite, one after the other'})`, async () => {
    const s = await t.ctx.services.accountingSettings.accounting();
    const before = Number((await t.ctx.knex('ledger_counters').where({ fiscal_year: 2026, journal_code: '*' }).first())?.last_number ?? 0);
    const post = (k: number) =>
      t.ctx.knex
        .transaction(async (trx) => {
          await t.ctx.services.ledger.post(
            trx,
            [
              {
                journalCode: 'OD',
                entryDate: '2026-11-23',
                pieceRef: `P${k}`,
                pieceDate: '2026-11-23',
                label: `concurrence ${k}`,
                sourceType: 'grant',
                createdByLabel: 'Test',
                lines: [
                  { accountNumber: '6571', label: 'x', debitCents: 100 + k, creditCents: 0 },
                  { accountNumber: '4672', label: 'x', debitCents: 0, creditCents: 100 + k },
                ],
              },
            ],
            s,
            t.ctx.clock.now(),
          );
          if (k % 4 === 0) throw new Error('abandon');
        })
        .then(
          () => 'ok',
          () => 'rolled back',
        );
    const outcomes = onPostgres()
      ? await Promise.all(Array.from({ length: 24 }, (_, k) => post(k)))
      : await (async () => {
          const out: string[] = [];
          for (let k = 0; k < 24; k++) out.push(await post(k));
          return out;
        })();
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(18);
    const numbers = (await t.ctx.knex('ledger_entries').where('label', 'like', 'concurrence %').orderBy('number').select('number')).map(
      (r: { number: number }) => r.number,
    );
    expect(numbers).toEqual(Array.from({ length: 18 }, (_, i) => before + 1 + i));
  });
});

describe('the accountant’s screens and exports', () => {
  it('gives a FEC of the fiscal year that passes every check of the DGFiP tool', async () => {
    const accountant = await loginAs(t.ctx.app, t.world.users.accountant.email);
    await t.ctx.knex('settings').where({ key: 'accounting' }).delete();
    const settings = await postForm(
      accountant,
      '/comptabilite/parametres',
      {
        siren: '775 672 272',
        fiscalYearStartMonth: '1',
        numbering: 'year',
        grantsJournal: 'od',
        bankJournal: 'BQ',
        expenseAccount: '6571',
        payableAccount: '4672',
        bankAccount: '512',
        csvColumns: 'journal, number, date, account, aux, piece, label, debit, credit',
        csvSeparator: ';',
        csvDateFormat: 'DD/MM/YYYY',
        csvDecimal: ',',
        csvHeader: 'on',
        version: '0',
      },
      '/comptabilite/parametres',
    );
    expect({ status: settings.status, errors: $(settings.text)('.invalid-feedback, .alert-danger').text() }).toEqual({ status: 302, errors: '' });
    const fec = await download(accountant, '/comptabilite/fec?annee=2026');
    expect(fec.status).toBe(200);
    const name = /filename="([^"]+)"/.exec(fec.headers['content-disposition'] as string)?.[1] as string;
    expect(name).toBe('775672272FEC20261231.txt');
    const text = fec.body.toString('utf8');
    const errors = checkFec(name, text, { start: '2026-01-01', end: '2026-12-31' });
    // the concurrency test above rolled some numbers back: the rest are continuous
    expect(errors).toEqual([]);
    expect(text.split('\n').length).toBeGreaterThan(20);
  });

  it('refuses wrong settings next to their fields, keeping what was typed', async () => {
    const accountant = await loginAs(t.ctx.app, t.world.users.accountant.email);
    const version = String((await t.ctx.knex('settings').where({ key: 'accounting' }).first()).version);
    const res = await postForm(
      accountant,
      '/comptabilite/parametres',
      {
        siren: '12345',
        fiscalYearStartMonth: '1',
        numbering: 'year',
        grantsJournal: 'OD',
        bankJournal: 'BQ',
        expenseAccount: 'ABC',
        payableAccount: '4672',
        bankAccount: '512',
        csvColumns: 'journal, inconnue',
        csvSeparator: ';',
        csvDateFormat: 'DD/MM/YYYY',
        csvDecimal: ',',
        version,
      },
      '/comptabilite/parametres',
    );
    expect(res.status).toBe(400);
    expect(fieldError(res.text, 'siren')).toMatch(/9 chiffres/);
    expect(fieldError(res.text, 'expenseAccount')).toMatch(/trois chiffres/);
    expect(fieldError(res.text, 'csvColumns')).toMatch(/Colonne inconnue/);
    expect($(res.text)('#siren').attr('value')).toBe('12345');
  });

  it('shows the journal, the trial balance and the payee balances, filtered and exported', async () => {
    const accountant = await loginAs(t.ctx.app, t.world.users.accountant.email);
    const code = await payeeCode();
    const journal = $((await accountant.get(`/comptabilite?tiers=${code}&nonlettrees=1`)).text);
    expect(journal('tbody tr').length).toBeGreaterThan(0);
    expect(journal('tbody').text()).not.toMatch(/\b512\b/);
    const balance = $((await accountant.get('/comptabilite/balance?du=01/01/2026&au=31/12/2026')).text);
    const total = balance('tfoot td')
      .map((_i, e) => balance(e).text().trim())
      .get();
    expect(total[0]).toBe(total[1]);
    expect(total[2]).toMatch(/^0,00/);
    const payees = $((await accountant.get('/comptabilite/tiers')).text);
    expect(payees('tbody').text()).toContain(code);
    for (const url of [
      '/comptabilite/journal.csv',
      '/comptabilite/journal.xlsx',
      '/comptabilite/balance.csv',
      '/comptabilite/balance.xlsx',
      '/comptabilite/tiers.csv',
      '/comptabilite/tiers.xlsx',
    ]) {
      expect({ url, status: (await download(accountant, url)).status }).toEqual({ url, status: 200 });
    }
    const entryId = (await t.ctx.knex('ledger_entries').where({ source_type: 'batch' }).first('id')).id;
    const entry = $((await accountant.get(`/comptabilite/ecritures/${entryId}`)).text);
    expect(entry('main').text()).toContain('le lot de virements');
    expect(entry('main').text()).not.toContain('la demande'); // no social details for the accountant
    expect((await accountant.get('/demandes')).status).toBe(403);
  });

  it('exports each entry once for the accounting software, whatever runs again', async () => {
    const first = await t.ctx.services.jobs.run(accountingExport, t.ctx.services, 'Planificateur', '2026-11-23');
    expect(first.status).toBe('succeeded');
    const all = Number((await t.ctx.knex('ledger_entries').count<{ n: string }[]>('* as n'))[0]?.n);
    expect(first).toMatchObject({ counts: { entries: all } });
    expect(await t.ctx.services.jobs.run(accountingExport, t.ctx.services, 'Planificateur', '2026-11-23')).toMatchObject({ status: 'skipped' });
    expect(await t.ctx.services.jobs.run(accountingExport, t.ctx.services, 'Planificateur', '2026-11-24')).toMatchObject({
      status: 'succeeded',
      counts: { entries: 0 },
    });
    await grant(12000, 1, '2026-12-15');
    const next = await t.ctx.services.jobs.run(accountingExport, t.ctx.services, 'Planificateur', '2026-11-25');
    expect(next).toMatchObject({ status: 'succeeded', counts: { entries: 1, lines: 2 } });
    const exported = await t.ctx.knex('accounting_export_entries').select('entry_id');
    expect(new Set(exported.map((r: { entry_id: string }) => r.entry_id)).size).toBe(all + 1);
    const accountant = await loginAs(t.ctx.app, t.world.users.accountant.email);
    const page = $((await accountant.get('/comptabilite/exports')).text);
    const link = page('a[href^="/comptabilite/exports/"]').first().attr('href') as string;
    const file = await download(accountant, link);
    expect(file.body.toString('utf8').trim().split('\r\n')).toHaveLength(3); // header and the two lines of the new grant
  });
});
