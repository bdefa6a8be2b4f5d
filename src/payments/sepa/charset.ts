import { EPC217_CONVERSIONS } from './epc217-table';

/** The EPC/CFONB Latin character set: the only characters a SEPA text field may hold. */
const ALLOWED = /^[a-zA-Z0-9/\-?:().,'+ ]$/;

/**
 * Our own mapping, applied before the EPC table: typographic quotes and dashes become the plain
 * apostrophe and hyphen they stand for (the table would turn them into dots), and the XML special
 * characters the table leaves to us: `&` becomes `+`, `"`, `<` and `>` are dropped.
 */
const BEFORE_TABLE: Readonly<Record<string, string>> = {
  '\u2018': "'",
  '\u2019': "'",
  '\u201A': "'",
  '\u2032': "'",
  '\u02BC': "'",
  '\u201C': "'",
  '\u201D': "'",
  '\u201E': "'",
  '\u00AB': "'",
  '\u00BB': "'",
  '\u2010': '-',
  '\u2011': '-',
  '\u2012': '-',
  '\u2013': '-',
  '\u2014': '-',
  '\u2015': '-',
  '\u2212': '-',
  '&': '+',
  '"': '',
  '<': '',
  '>': '',
};

/**
 * A text in the EPC Latin set (EPC217-08 basic Latin conversion): `Société d'HLM Île-de-France —
 * Œuvre` → `Societe d'HLM Ile-de-France - Ouvre`. Whitespace is collapsed; nothing outside the
 * set can come out.
 */
export function toEpcLatin(text: string): string {
  let out = '';
  for (const ch of text.normalize('NFC')) {
    const mapped = BEFORE_TABLE[ch] ?? ch;
    if (mapped.length !== 1 || ALLOWED.test(mapped)) {
      out += mapped;
      continue;
    }
    const cp = mapped.codePointAt(0) as number;
    if (cp < 0x20 || cp === 0x7f) out += ' ';
    else if (EPC217_CONVERSIONS[mapped] !== undefined) out += EPC217_CONVERSIONS[mapped];
    // the table's ranges: the euro sign is E, everything from U+0460 upward a dot
    else if (cp === 0x20ac) out += 'E';
    else out += '.';
  }
  // a conversion may itself fall outside the set (never in the published table): filter once more
  return [...out]
    .filter((c) => ALLOWED.test(c))
    .join('')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A SEPA text field: converted, then cut to its maximum length (after conversion, never before). */
export function epcText(text: string, max: number): string {
  return toEpcLatin(text).slice(0, max).trim();
}

/** Identifiers (MsgId, PmtInfId, EndToEndId) are generated from `[A-Z0-9-]` only. */
export function isSepaIdentifier(id: string): boolean {
  return /^[A-Z0-9-]{1,35}$/.test(id);
}
