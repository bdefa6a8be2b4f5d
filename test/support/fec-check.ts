/**
 * The checks of the DGFiP's "Test Compta Demat" tool on a flat FEC, re-implemented for our tests
 * (from docs/standards/fec/README.md): file name, header, field count, empty lines, mandatory
 * fields, number and date formats, one side per line, each entry balanced with one journal, date,
 * piece and matching code, dates within the fiscal year, continuous increasing numbering.
 */
export const FEC_FIELDS = [
  'JournalCode',
  'JournalLib',
  'EcritureNum',
  'EcritureDate',
  'CompteNum',
  'CompteLib',
  'CompAuxNum',
  'CompAuxLib',
  'PieceRef',
  'PieceDate',
  'EcritureLib',
  'Debit',
  'Credit',
  'EcritureLet',
  'DateLet',
  'ValidDate',
  'Montantdevise',
  'Idevise',
];

const NUMBER = /^ *[+-]*[0-9.,]+ *[+-]* *$/;

function validDate(v: string): boolean {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(v);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return y >= 1900 && y <= 2099 && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

const cents = (v: string): bigint => {
  const [i, f = ''] = v.replace(/\s/g, '').replace('.', ',').split(',');
  return BigInt(i || '0') * 100n + BigInt((f + '00').slice(0, 2)) * (i?.startsWith('-') ? -1n : 1n);
};

export function checkFec(fileName: string, text: string, fiscalYear: { start: string; end: string }): string[] {
  const errors: string[] = [];
  if (!/^\d{9}FEC(20\d{2}[01]\d[0-3]\d)\.txt$/.test(fileName)) errors.push(`nom de fichier ${fileName} : attendu sirenFECAAAAMMJJ`);
  if (text.startsWith('\uFEFF')) errors.push('BOM en tête');
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines[0] !== FEC_FIELDS.join('\t')) errors.push(`en-tête inattendu : ${lines[0]}`);
  const start = fiscalYear.start.replace(/-/g, '');
  const end = fiscalYear.end.replace(/-/g, '');
  const entries = new Map<
    string,
    {
      debit: bigint;
      credit: bigint;
      journal: Set<string>;
      date: Set<string>;
      piece: Set<string>;
      pieceDate: Set<string>;
      lettering: Set<string>;
      lines: number;
    }
  >();
  const order: string[] = [];
  lines.slice(1).forEach((line, k) => {
    const n = k + 2;
    if (line.trim() === '') return errors.push(`ligne ${n} vide`);
    const f = line.split('\t');
    if (f.length !== 18) return errors.push(`ligne ${n} : ${f.length} champs au lieu de 18`);
    const [journal, , num, date, account, , , , piece, pieceDate, label, debit, credit, lettering, dateLet, validDateField] = f;
    for (const [name, v] of [
      ['EcritureNum', num],
      ['EcritureDate', date],
      ['CompteNum', account],
      ['Debit', debit],
      ['Credit', credit],
      ['JournalCode', journal],
      ['EcritureLib', label],
      ['ValidDate', validDateField],
    ] as const) {
      if (!v?.trim()) errors.push(`ligne ${n} : ${name} obligatoire`);
    }
    for (const [name, v] of [
      ['Debit', debit],
      ['Credit', credit],
    ] as const) {
      if (v && (!NUMBER.test(v) || / \d/.test(v.trim()))) errors.push(`ligne ${n} : ${name} « ${v} » n’est pas un montant`);
    }
    for (const [name, v, required] of [
      ['EcritureDate', date, true],
      ['PieceDate', pieceDate, false],
      ['DateLet', dateLet, false],
      ['ValidDate', validDateField, true],
    ] as const) {
      if ((required || v) && !validDate(v ?? '')) errors.push(`ligne ${n} : ${name} « ${v} » n’est pas une date AAAAMMJJ`);
    }
    if (date && (date < start || date > end)) errors.push(`ligne ${n} : EcritureDate ${date} hors de l’exercice`);
    if (account && !/^[0-9]{3}/.test(account)) errors.push(`ligne ${n} : CompteNum ${account} ne commence pas par 3 chiffres`);
    const d = cents(debit ?? '0');
    const c = cents(credit ?? '0');
    if ((d !== 0n) === (c !== 0n)) errors.push(`ligne ${n} : débit et crédit tous deux ${d === 0n ? 'nuls' : 'renseignés'}`);
    let e = entries.get(num as string);
    if (!e) {
      e = { debit: 0n, credit: 0n, journal: new Set(), date: new Set(), piece: new Set(), pieceDate: new Set(), lettering: new Set(), lines: 0 };
      entries.set(num as string, e);
      order.push(num as string);
    }
    e.debit += d;
    e.credit += c;
    e.journal.add(journal as string);
    e.date.add(date as string);
    e.piece.add(piece as string);
    e.pieceDate.add(pieceDate as string);
    if (lettering) e.lettering.add(lettering);
    e.lines++;
  });
  for (const [num, e] of entries) {
    if (e.debit !== e.credit) errors.push(`écriture ${num} non équilibrée (${e.debit} / ${e.credit})`);
    if (e.lines < 2) errors.push(`écriture ${num} : une seule ligne`);
    for (const [what, set] of [
      ['journaux', e.journal],
      ['dates comptables', e.date],
      ['numéros de pièce', e.piece],
      ['dates de pièce', e.pieceDate],
      ['lettrages', e.lettering],
    ] as const) {
      if (set.size > 1) errors.push(`écriture ${num} : différents ${what}`);
    }
  }
  // numbering: continuous and increasing in the order of the file, lines of an entry together
  const seq = order.map((num) => Number(num.split('-').pop()));
  seq.forEach((v, i) => {
    if (i > 0 && v !== (seq[i - 1] as number) + 1) errors.push(`numérotation : ${order[i]} après ${order[i - 1]} (rupture)`);
  });
  const seen = new Set<string>();
  let previous = '';
  for (const line of lines.slice(1)) {
    const num = line.split('\t')[2] as string;
    if (num !== previous && seen.has(num)) errors.push(`écriture ${num} en plusieurs morceaux`);
    seen.add(num);
    previous = num;
  }
  return errors;
}
