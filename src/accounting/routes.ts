import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { sendAttachment } from '../http/download';
import { backWithErrors, emptyForm, type FormState, postForm } from '../http/forms';
import { actor, requirePermission } from '../http/guards';
import { can } from '../permissions';
import type { Services } from '../services';
import { sendCsv, toAsync } from '../shared/csv';
import { optionalDate } from '../shared/form-fields';
import { centsToInput } from '../shared/money';
import { sendXlsx } from '../shared/xlsx';
import { routes, urls } from '../urls';
import { CSV_FIELDS, CSV_PRESETS } from './software-csv';
import { accountingSettingsSchema, accountSchema, aidTypeAccountsSchema, closePeriodSchema, settingsVersion } from './settings';
import type { LedgerLine } from './repository';

const maybeDate = optionalDate().catch(undefined);
const filterQuery = z.object({
  du: maybeDate,
  au: maybeDate,
  journal: z.string().trim().max(6).optional().catch(undefined),
  compte: z.string().trim().max(20).optional().catch(undefined),
  tiers: z.string().trim().max(20).optional().catch(undefined),
  piece: z.string().trim().max(40).optional().catch(undefined),
  nonlettrees: z.string().optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100000).catch(1).default(1),
});
const yearQuery = z.object({ annee: z.coerce.number().int().min(2000).max(2100).optional().catch(undefined) });
const MONTHS = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'];

/** The accountant's screens: journal, trial balance, payee balances, entries, periods, settings, exports. */
export function accountingRoutes(services: Services): Router {
  const router = Router();
  const { accounting, logger, clock } = services;
  const id = (req: Request) => String(req.params.id);
  const euros = (cents: number) => cents / 100;

  const filtersOf = async (req: Request) => {
    const q = filterQuery.parse(req.query);
    const fy = await accounting.currentYear();
    return {
      q,
      filter: {
        from: q.du ?? fy.start,
        to: q.au ?? fy.end,
        journal: q.journal || undefined,
        account: q.compte || undefined,
        aux: q.tiers || undefined,
        piece: q.piece || undefined,
        unmatched: Boolean(q.nonlettrees),
      },
    };
  };
  const queryString = (req: Request) => {
    const p = new URLSearchParams(req.query as Record<string, string>);
    p.delete('page');
    return p.toString();
  };

  router.get(urls.accounting(), ...requirePermission('accounting:read'), async (req, res) => {
    const { q, filter } = await filtersOf(req);
    res.render('accounting/journal', {
      page: await accounting.journal(actor(req), filter, q.page),
      filter,
      query: q,
      queryString: queryString(req),
      journals: (await accounting.settingsView(actor(req))).journals,
    });
  });

  const lineCells = (l: LedgerLine) => [
    l.journalCode,
    l.entryNumber,
    l.entryDate,
    l.accountNumber,
    l.accountLabel,
    l.auxNumber ?? '',
    l.auxLabel ?? '',
    l.pieceRef,
    l.label,
  ];
  const lineHeader = ['Journal', 'Écriture', 'Date', 'Compte', 'Libellé du compte', 'Tiers', 'Libellé du tiers', 'Pièce', 'Libellé'];
  router.get(urls.accountingCsv(), ...requirePermission('accounting:read'), async (req, res) => {
    const { filter } = await filtersOf(req);
    await sendCsv(res, 'journal.csv', [...lineHeader, 'Débit', 'Crédit', 'Lettrage'], accounting.allLines(actor(req), filter), (l) => [
      ...lineCells(l),
      centsToInput(l.debitCents),
      centsToInput(l.creditCents),
      l.matchCode ?? '',
    ]);
  });
  router.get(urls.accountingXlsx(), ...requirePermission('accounting:read'), async (req, res) => {
    const { filter } = await filtersOf(req);
    await sendXlsx(
      res,
      'journal.xlsx',
      'Journal',
      [
        ...lineHeader.map((header) => ({ header, format: 'text' as const })),
        { header: 'Débit', format: 'euros' },
        { header: 'Crédit', format: 'euros' },
        { header: 'Lettrage', format: 'text' },
      ],
      accounting.allLines(actor(req), filter),
      (l) => [...lineCells(l), euros(l.debitCents), euros(l.creditCents), l.matchCode ?? ''],
    );
  });

  router.get(routes.accountingEntry, ...requirePermission('accounting:read'), async (req, res) => {
    const a = actor(req);
    res.render('accounting/entry', {
      ...(await accounting.entry(a, id(req))),
      canReadRequests: can(a, 'requests:read'),
      canReadPayments: can(a, 'payments:read'),
    });
  });

  const balanceOf = async (req: Request) => {
    const { filter } = await filtersOf(req);
    return { filter, rows: await accounting.trialBalance(actor(req), filter.from, filter.to) };
  };
  router.get(urls.accountingBalance(), ...requirePermission('accounting:read'), async (req, res) => {
    res.render('accounting/balance', { ...(await balanceOf(req)), queryString: queryString(req) });
  });
  router.get(urls.accountingBalanceCsv(), ...requirePermission('accounting:read'), async (req, res) => {
    const { rows } = await balanceOf(req);
    await sendCsv(res, 'balance.csv', ['Compte', 'Libellé', 'Débit', 'Crédit', 'Solde'], toAsync(rows), (r) => [
      r.account,
      r.label,
      centsToInput(r.debitCents),
      centsToInput(r.creditCents),
      centsToInput(r.debitCents - r.creditCents),
    ]);
  });
  router.get(urls.accountingBalanceXlsx(), ...requirePermission('accounting:read'), async (req, res) => {
    const { rows } = await balanceOf(req);
    await sendXlsx(
      res,
      'balance.xlsx',
      'Balance',
      [
        { header: 'Compte', format: 'text' },
        { header: 'Libellé', format: 'text' },
        { header: 'Débit', format: 'euros' },
        { header: 'Crédit', format: 'euros' },
        { header: 'Solde', format: 'euros' },
      ],
      toAsync(rows),
      (r) => [r.account, r.label, euros(r.debitCents), euros(r.creditCents), euros(r.debitCents - r.creditCents)],
    );
  });

  const payeesOf = async (req: Request) => {
    const { filter } = await filtersOf(req);
    return { filter, rows: await accounting.payeeBalances(actor(req), filter.to) };
  };
  router.get(urls.accountingPayees(), ...requirePermission('accounting:read'), async (req, res) => {
    res.render('accounting/payees', { ...(await payeesOf(req)), queryString: queryString(req) });
  });
  router.get(urls.accountingPayeesCsv(), ...requirePermission('accounting:read'), async (req, res) => {
    const { rows } = await payeesOf(req);
    await sendCsv(res, 'tiers.csv', ['Tiers', 'Nom', 'Débit', 'Crédit', 'Reste dû', 'Lignes non lettrées'], toAsync(rows), (r) => [
      r.aux,
      r.label,
      centsToInput(r.debitCents),
      centsToInput(r.creditCents),
      centsToInput(r.creditCents - r.debitCents),
      r.unmatched,
    ]);
  });
  router.get(urls.accountingPayeesXlsx(), ...requirePermission('accounting:read'), async (req, res) => {
    const { rows } = await payeesOf(req);
    await sendXlsx(
      res,
      'tiers.xlsx',
      'Tiers',
      [
        { header: 'Tiers', format: 'text' },
        { header: 'Nom', format: 'text' },
        { header: 'Débit', format: 'euros' },
        { header: 'Crédit', format: 'euros' },
        { header: 'Reste dû', format: 'euros' },
        { header: 'Lignes non lettrées', format: 'integer' },
      ],
      toAsync(rows),
      (r) => [r.aux, r.label, euros(r.debitCents), euros(r.creditCents), euros(r.creditCents - r.debitCents), r.unmatched],
    );
  });

  // periods: the accountant closes a month that is over
  const renderPeriods = async (req: Request, res: Response, form: FormState) => {
    const a = actor(req);
    const closed = await accounting.periods(a);
    const today = new Date(clock.now());
    const months = Array.from({ length: 18 }, (_, k) => {
      const d = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 1 - k, 1));
      const value = `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
      return { value, text: `${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}` };
    }).filter((m) => !closed.some((c) => c.period === m.value));
    res.render('accounting/periods', { closed, months, form, canClose: can(a, 'accounting:close') });
  };
  router.get(urls.accountingPeriods(), ...requirePermission('accounting:read'), (req, res) => renderPeriods(req, res, emptyForm(req)));
  postForm(router, urls.accountingPeriods(), logger, {
    permission: 'accounting:close',
    schema: closePeriodSchema,
    render: renderPeriods,
    handle: async (req, res, data) => {
      await accounting.closePeriod(actor(req), data.period);
      req.flash('success', `La période ${data.period} est close : plus aucune écriture ne peut y être datée.`);
      res.redirect(urls.accountingPeriods());
    },
  });

  // settings: SIREN, fiscal year, journals, accounts, aid type mapping, CSV format
  const renderSettings = async (req: Request, res: Response, form: FormState) => {
    const a = actor(req);
    const view = await accounting.settingsView(a);
    const s = view.settings;
    const values = {
      siren: s.siren,
      fiscalYearStartMonth: s.fiscalYearStartMonth,
      numbering: s.numbering,
      grantsJournal: s.journals.grants,
      bankJournal: s.journals.bank,
      expenseAccount: s.accounts.expense,
      payableAccount: s.accounts.payable,
      bankAccount: s.accounts.bank,
      csvColumns: s.csv.columns.join(', '),
      csvSeparator: s.csv.separator === '\t' ? 'tab' : s.csv.separator,
      csvDateFormat: s.csv.dateFormat,
      csvDecimal: s.csv.decimal,
      csvHeader: s.csv.header,
      version: view.version,
    };
    const aidTypes = await services.aidRequests.aidTypeCodes();
    res.render('accounting/settings', {
      ...view,
      form: { ...form, values: { ...values, ...form.values } },
      months: MONTHS.map((text, i) => ({ value: i + 1, text })),
      csvFieldList: Object.entries(CSV_FIELDS)
        .map(([k, v]) => `${k} (${v})`)
        .join(', '),
      presets: CSV_PRESETS,
      aidTypes: aidTypes.map((t) => ({ ...t, accounts: s.aidTypeAccounts[t.code] ?? null })),
      canManage: can(a, 'accounting:manage'),
    });
  };
  router.get(urls.accountingSettings(), ...requirePermission('accounting:read'), (req, res) => renderSettings(req, res, emptyForm(req)));
  postForm(router, urls.accountingSettings(), logger, {
    permission: 'accounting:manage',
    schema: accountingSettingsSchema,
    render: renderSettings,
    handle: async (req, res, data) => {
      await accounting.saveSettings(actor(req), data);
      req.flash('success', 'Paramètres comptables enregistrés.');
      res.redirect(urls.accountingSettings());
    },
  });
  postForm(router, urls.accountingAccounts(), logger, {
    permission: 'accounting:manage',
    schema: accountSchema,
    render: renderSettings,
    handle: async (req, res, data) => {
      await accounting.saveAccount(actor(req), data.number, data.label);
      req.flash('success', `Compte ${data.number} enregistré.`);
      res.redirect(urls.accountingSettings());
    },
  });
  postForm(router, urls.accountingAidTypes(), logger, {
    permission: 'accounting:manage',
    schema: aidTypeAccountsSchema.extend({ version: settingsVersion }),
    render: backWithErrors(() => urls.accountingSettings()),
    handle: async (req, res, data) => {
      await accounting.setAidTypeAccounts(actor(req), data.code, { expense: data.expense, payable: data.payable }, data.version);
      req.flash('success', `Comptes de l’aide ${data.code} enregistrés.`);
      res.redirect(urls.accountingSettings());
    },
  });

  // exports: the FEC of a fiscal year (streamed), the nightly exports for the accounting software
  router.get(urls.accountingExports(), ...requirePermission('accounting:read'), async (req, res) => {
    const fy = await accounting.currentYear();
    res.render('accounting/exports', { exports: await accounting.exports(actor(req)), years: [fy.year, fy.year - 1, fy.year - 2] });
  });
  router.get(routes.accountingExport, ...requirePermission('accounting:read'), async (req, res) => {
    const file = await accounting.exportFile(actor(req), id(req));
    sendAttachment(res, file.fileName, 'text/csv; charset=utf-8', file.data);
  });
  router.get(urls.accountingFec(), ...requirePermission('accounting:read'), async (req, res) => {
    const year = yearQuery.parse(req.query).annee ?? (await accounting.currentYear()).year;
    const fec = await accounting.fec(actor(req), year);
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${fec.fileName}"`);
    for await (const line of fec.lines) if (!res.write(line)) await new Promise<void>((r) => res.once('drain', () => r()));
    res.end();
  });

  return router;
}
