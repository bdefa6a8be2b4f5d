import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import type { AuditService } from '../audit/service';
import { type Db, isUuid, type Page } from '../db/types';
import type { BlobStore } from '../files/storage';
import { type Actor, scopeFor } from '../permissions';
import type { AccountingSettingsStore } from './settings-store';
import type { Clock } from '../shared/clock';
import { parisDate } from '../shared/dates';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors';
import { FEC_HEADER, type FecRow, fecDescription, fecFileName, fecLine } from './fec';
import type { LedgerFilter, LedgerLine, LedgerRepository } from './repository';
import { type AccountingSettings, type AccountingSettingsInput, fiscalYear, fiscalYearOf } from './settings';
import { csvHeader, csvRow } from './software-csv';

/** The accountant's screens, settings, period closing and exports (FEC, accounting software CSV). */
export class AccountingService {
  private readonly db: Knex;
  private readonly ledger: LedgerRepository;
  private readonly settings: AccountingSettingsStore;
  private readonly blobs: BlobStore;
  private readonly audit: AuditService;
  private readonly clock: Clock;
  private readonly exportDir: string;

  constructor(deps: {
    db: Knex;
    ledger: LedgerRepository;
    settings: AccountingSettingsStore;
    blobs: BlobStore;
    audit: AuditService;
    clock: Clock;
    exportDir: string;
  }) {
    this.db = deps.db;
    this.ledger = deps.ledger;
    this.settings = deps.settings;
    this.blobs = deps.blobs;
    this.audit = deps.audit;
    this.clock = deps.clock;
    this.exportDir = deps.exportDir;
  }

  journal(actor: Actor, filter: LedgerFilter, page: number): Promise<Page<LedgerLine>> {
    scopeFor(actor, 'accounting:read');
    return this.ledger.lines(this.db, filter, page);
  }

  allLines(actor: Actor, filter: LedgerFilter): AsyncGenerator<LedgerLine> {
    scopeFor(actor, 'accounting:read');
    return this.ledger.allLines(this.db, filter);
  }

  async entry(actor: Actor, id: string) {
    scopeFor(actor, 'accounting:read');
    const found = isUuid(id) ? await this.ledger.entry(this.db, id) : null;
    if (!found) throw new NotFoundError();
    return found;
  }

  async trialBalance(actor: Actor, from: string, to: string) {
    scopeFor(actor, 'accounting:read');
    return this.ledger.trialBalance(this.db, from, to);
  }

  async payeeBalances(actor: Actor, until: string) {
    scopeFor(actor, 'accounting:read');
    const s = await this.settings.accounting();
    return this.ledger.payeeBalances(this.db, s.accounts.payable, until);
  }

  /** The current fiscal year (today's), for default filters. */
  async currentYear(): Promise<{ year: number; start: string; end: string }> {
    return fiscalYearOf(parisDate(this.clock.now()), (await this.settings.accounting()).fiscalYearStartMonth);
  }

  async settingsView(actor: Actor) {
    scopeFor(actor, 'accounting:read');
    const [current, accounts, journals] = await Promise.all([this.settings.accountingCurrent(), this.ledger.accounts(this.db), this.ledger.journals(this.db)]);
    return { ...current, accounts, journals };
  }

  async saveSettings(actor: Actor, input: AccountingSettingsInput): Promise<void> {
    scopeFor(actor, 'accounting:manage');
    await this.db.transaction(async (trx) => {
      const { settings: before } = await this.settings.accountingCurrent(trx);
      const next: AccountingSettings = {
        ...before,
        siren: input.siren,
        fiscalYearStartMonth: input.fiscalYearStartMonth,
        numbering: input.numbering,
        journals: { grants: input.grantsJournal, bank: input.bankJournal },
        accounts: { expense: input.expenseAccount, payable: input.payableAccount, bank: input.bankAccount },
        csv: {
          columns: input.csvColumns,
          separator: input.csvSeparator === 'tab' ? '\t' : input.csvSeparator,
          dateFormat: input.csvDateFormat,
          decimal: input.csvDecimal,
          header: input.csvHeader,
        },
      };
      // the fiscal year and the numbering cannot change under entries already numbered in the current year
      if ((next.fiscalYearStartMonth !== before.fiscalYearStartMonth || next.numbering !== before.numbering) && (await this.ledger.hasEntries(trx))) {
        throw new ValidationError({
          numbering: 'Des écritures sont déjà numérotées : l’exercice et la numérotation ne changent qu’avant la première écriture.',
        });
      }
      for (const code of [next.journals.grants, next.journals.bank])
        await this.ledger.ensureJournal(
          trx,
          code,
          code === before.journals.grants ? 'Opérations diverses' : code === before.journals.bank ? 'Banque' : `Journal ${code}`,
        );
      for (const a of Object.values(next.accounts)) await this.ledger.ensureAccount(trx, a);
      await this.settings.saveAccounting(trx, actor, next, input.version);
    });
  }

  async saveAccount(actor: Actor, number: string, label: string): Promise<void> {
    scopeFor(actor, 'accounting:manage');
    await this.db.transaction(async (trx) => {
      const { before } = await this.ledger.saveAccount(trx, number, label);
      await this.audit.record(trx, actor, {
        entityType: 'account',
        entityId: number,
        organisationId: actor.organisationId,
        action: before === null ? 'account.created' : 'account.updated',
        before: before === null ? null : { label: before },
        after: { label },
      });
    });
  }

  /** Accounts of one aid type over its rules (blank: the rules' own accounts). */
  async setAidTypeAccounts(
    actor: Actor,
    code: string,
    accounts: { expense?: string | undefined; payable?: string | undefined },
    version: number,
  ): Promise<void> {
    scopeFor(actor, 'accounting:manage');
    await this.db.transaction(async (trx) => {
      const { settings: s } = await this.settings.accountingCurrent(trx);
      const aidTypeAccounts = { ...s.aidTypeAccounts };
      if (accounts.expense || accounts.payable)
        aidTypeAccounts[code] = { expense: accounts.expense ?? s.accounts.expense, payable: accounts.payable ?? s.accounts.payable };
      else delete aidTypeAccounts[code];
      for (const a of [accounts.expense, accounts.payable]) if (a) await this.ledger.ensureAccount(trx, a);
      await this.settings.saveAccounting(trx, actor, { ...s, aidTypeAccounts }, version);
    });
  }

  async periods(actor: Actor) {
    scopeFor(actor, 'accounting:read');
    return this.ledger.closedPeriods(this.db);
  }

  /** Closes a month (the accountant): no entry may be dated in it any more. Only a month already over. */
  async closePeriod(actor: Actor, period: string): Promise<void> {
    scopeFor(actor, 'accounting:close');
    const current = parisDate(this.clock.now()).slice(0, 7);
    if (period >= current) throw new ValidationError({ period: 'Seul un mois terminé peut être clos : les écritures du jour y sont datées.' });
    await this.db.transaction(async (trx) => {
      if (!(await this.ledger.close(trx, period, { id: actor.userId, label: actor.name }, this.clock.now())))
        throw new ConflictError(`La période ${period} est déjà close.`);
      await this.audit.record(trx, actor, {
        entityType: 'accounting_period',
        entityId: period,
        organisationId: actor.organisationId,
        action: 'accounting.period_closed',
        after: { period },
      });
    });
  }

  /**
   * The FEC of a fiscal year, line by line from a database cursor (never all lines in memory):
   * the header, then every line in validation order.
   */
  async fec(actor: Actor | null, year: number): Promise<{ fileName: string; lines: AsyncGenerator<string>; description(lines: number): string }> {
    if (actor) scopeFor(actor, 'accounting:read');
    const s = await this.settings.accounting();
    const fy = fiscalYear(year, s.fiscalYearStartMonth);
    const query = this.ledger.fecQuery(this.db, year);
    async function* lines(): AsyncGenerator<string> {
      yield `${FEC_HEADER}\n`;
      const stream = query.stream({ highWaterMark: 1000 });
      for await (const row of stream) yield `${fecLine(row as FecRow)}\n`;
    }
    return { fileName: fecFileName(s.siren, fy.end), lines: lines(), description: (n) => fecDescription(s.siren, fy, n) };
  }

  /**
   * The nightly export for the accounting software: every entry validated and not exported yet,
   * in the CSV format of the settings, in one transaction with its marks (a re-run finds nothing
   * left, a failure leaves nothing marked), then delivered to the outbox folder.
   */
  async exportForSoftware(
    until: Date,
    jobRunId: string | null,
  ): Promise<{ exportId: string | null; entries: number; lines: number; blobId: string | null; fileName: string | null }> {
    const made = await this.db.transaction(async (trx) => {
      await trx.raw("select pg_advisory_xact_lock(hashtext('entraide:accounting-export'))");
      const ids = await this.ledger.unexportedEntryIds(trx, until);
      if (ids.length === 0) return null;
      const s = await this.settings.accounting(trx);
      const rows = await this.ledger.rowsOfEntries(trx, ids);
      const header = csvHeader(s.csv);
      const text = `${header ? `${header}\r\n` : ''}${rows.map((r) => csvRow(r, s.csv)).join('\r\n')}\r\n`;
      const debit = rows.reduce((a, r) => a + BigInt(r.debitCents), 0n);
      const credit = rows.reduce((a, r) => a + BigInt(r.creditCents), 0n);
      if (debit !== credit) throw new Error(`accounting export unbalanced: ${debit} / ${credit}`);
      const number = await this.nextExportNumber(trx);
      const fileName = `ecritures-${String(number).padStart(5, '0')}-${parisDate(until).replace(/-/g, '')}.csv`;
      const blob = await this.blobs.put(trx, Buffer.from(text, 'utf8'), 'text/csv');
      const exportId = await this.ledger.insertExport(
        trx,
        {
          number,
          now: this.clock.now(),
          jobRunId,
          fileBlobId: blob.id,
          fileName,
          entries: ids.length,
          lines: rows.length,
          debit,
          credit,
          deliveredTo: `outbox/${fileName}`,
        },
        ids,
      );
      return { exportId, entries: ids.length, lines: rows.length, blobId: blob.id, fileName, data: text };
    });
    if (!made) return { exportId: null, entries: 0, lines: 0, blobId: null, fileName: null };
    // the transport: the local outbox folder (a file written whole or not at all)
    const outbox = path.join(this.exportDir, 'accounting', 'outbox');
    fs.mkdirSync(outbox, { recursive: true });
    fs.writeFileSync(path.join(outbox, `${made.fileName}.part`), made.data);
    fs.renameSync(path.join(outbox, `${made.fileName}.part`), path.join(outbox, made.fileName));
    return { exportId: made.exportId, entries: made.entries, lines: made.lines, blobId: made.blobId, fileName: made.fileName };
  }

  async exports(actor: Actor) {
    scopeFor(actor, 'accounting:read');
    return this.ledger.exports(this.db);
  }

  async exportFile(actor: Actor, id: string): Promise<{ fileName: string; data: Buffer }> {
    scopeFor(actor, 'accounting:read');
    const x = isUuid(id) ? await this.ledger.exportById(this.db, id) : null;
    const blob = x ? await this.blobs.get(this.db, x.file_blob_id as string) : null;
    if (!x || !blob) throw new NotFoundError();
    return { fileName: x.file_name as string, data: blob.data };
  }

  private async nextExportNumber(trx: Db): Promise<number> {
    return this.ledger.nextNumbers(trx, 0, 'EXPORT');
  }
}
