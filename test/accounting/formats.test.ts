import { FEC_HEADER, fecAmount, fecDate, fecFileName, fecLine, fecText } from '../../src/accounting/fec';
import { fiscalYear, fiscalYearOf } from '../../src/accounting/settings';
import { CSV_PRESETS, csvHeader, csvRow, type CsvFormat } from '../../src/accounting/software-csv';
import { matchCode } from '../../src/accounting/repository';
import { checkFec } from '../support/fec-check';

const row = {
  journalCode: 'OD',
  journalLabel: 'Opérations diverses',
  entryNumber: '2026-000001',
  entryDate: '2026-03-05',
  accountNumber: '4672',
  accountLabel: 'Créditeurs divers',
  auxNumber: 'T000001',
  auxLabel: 'Société d’HLM | Nord',
  pieceRef: '2026-00042',
  pieceDate: '2026-03-05',
  label: 'Aide AQ 2026-00042\téchéance 1/3',
  debitCents: 0,
  creditCents: 125050,
  matchCode: 'A',
  matchDate: '2026-04-03',
  validatedOn: '2026-03-05',
};

describe('FEC format (A47 A-1)', () => {
  it('writes amounts with a decimal comma from cents, dates AAAAMMJJ, and no tab or pipe inside a field', () => {
    expect(fecAmount(125050)).toBe('1250,50');
    expect(fecAmount(5)).toBe('0,05');
    expect(fecAmount('-1200')).toBe('-12,00');
    expect(fecAmount(0)).toBe('0,00');
    expect(fecDate('2026-12-31')).toBe('20261231');
    expect(fecText('a\tb|c\nd')).toBe('a b c d');
    const line = fecLine(row).split('\t');
    expect(line).toHaveLength(18);
    expect(line).toEqual([
      'OD',
      'Opérations diverses',
      '2026-000001',
      '20260305',
      '4672',
      'Créditeurs divers',
      'T000001',
      'Société d’HLM Nord',
      '2026-00042',
      '20260305',
      'Aide AQ 2026-00042 échéance 1/3',
      '0,00',
      '1250,50',
      'A',
      '20260403',
      '20260305',
      '',
      '',
    ]);
    expect(FEC_HEADER.split('\t')).toHaveLength(18);
  });

  it('names the file after the SIREN and the closing date of the fiscal year', () => {
    expect(fecFileName('775672272', '2026-12-31')).toBe('775672272FEC20261231.txt');
    expect(fiscalYear(2026, 7)).toEqual({ year: 2026, start: '2026-07-01', end: '2027-06-30' });
    expect(fiscalYearOf('2027-03-10', 7).year).toBe(2026);
    expect(fiscalYearOf('2026-03-10', 1)).toEqual({ year: 2026, start: '2026-01-01', end: '2026-12-31' });
    expect(fiscalYear(2028, 3).end).toBe('2029-02-28');
  });

  it('is what the re-implemented DGFiP checks accept, and they catch each classic fault', () => {
    const good = `${FEC_HEADER}\n${fecLine({ ...row, debitCents: 125050, creditCents: 0, accountNumber: '6571', auxNumber: null, auxLabel: null, matchCode: null, matchDate: null })}\n${fecLine(row)}\n`;
    const fy = { start: '2026-01-01', end: '2026-12-31' };
    expect(checkFec('775672272FEC20261231.txt', good, fy)).toEqual([]);
    expect(checkFec('FEC2026.txt', good, fy)).toEqual([expect.stringContaining('nom de fichier')]);
    expect(checkFec('775672272FEC20261231.txt', good.replace('1250,50\t0,00', '1 250,50\t0,00'), fy).join()).toMatch(/n’est pas un montant/);
    expect(checkFec('775672272FEC20261231.txt', good.replace('0,00\t1250,50', '0,00\t1250,00'), fy).join()).toMatch(/non équilibrée/);
    expect(checkFec('775672272FEC20261231.txt', good.replace(/20260305\t6571/, '20270305\t6571'), fy).join()).toMatch(/hors de l’exercice/);
  });
});

describe('CSV for the accounting software', () => {
  const generic = (CSV_PRESETS.generic as { format: CsvFormat }).format;
  it('follows the generic preset: semicolons, JJ/MM/AAAA, decimal comma, a header', () => {
    expect(csvHeader(generic)).toBe('Code journal;Numéro d’écriture;Date;Compte;Compte auxiliaire;Pièce;Libellé;Débit;Crédit');
    expect(csvRow(row, generic)).toBe('OD;2026-000001;05/03/2026;4672;T000001;2026-00042;Aide AQ 2026-00042 échéance 1/3;0,00;1250,50');
  });

  it('follows the other presets and quotes what holds the separator', () => {
    const international = (CSV_PRESETS.international as { format: CsvFormat }).format;
    expect(csvRow({ ...row, label: 'Aide, quittance' }, international)).toContain(
      '2026-03-05,4672,Créditeurs divers,T000001,Société d’HLM | Nord,2026-00042,"Aide, quittance",0.00,1250.50,A',
    );
    const signed = (CSV_PRESETS.signed as { format: CsvFormat }).format;
    expect(csvHeader(signed)).toBeNull();
    expect(csvRow(row, signed).split('\t')).toEqual(['OD', '20260305', '4672', 'T000001', '2026-00042', 'Aide AQ 2026-00042 échéance 1/3', '-1250,50']);
    expect(csvRow({ ...row, label: '=SUM(A1)' }, generic)).toContain(";'=SUM(A1);");
  });

  it('carries the fund’s analytic code (the international preset ends with it; empty for an aid no fund pays)', () => {
    const international = (CSV_PRESETS.international as { format: CsvFormat }).format;
    expect(csvHeader(international)?.split(',').at(-1)).toBe('Code analytique (fonds)');
    expect(
      csvRow({ ...row, analyticCode: 'FE2026' }, international)
        .split(',')
        .at(-1),
    ).toBe('FE2026');
    expect(csvRow(row, international).split(',').at(-1)).toBe('');
  });

  it('letters matching codes A … Z, AA …', () => {
    expect([1, 26, 27, 52, 703].map(matchCode)).toEqual(['A', 'Z', 'AA', 'AZ', 'AAA']);
  });
});
