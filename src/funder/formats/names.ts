/** File names of the interface agreement (docs/echanges/README.md §1). */
export const FLOWS = ['ORIENTATIONS', 'SUIVI', 'FACTURATION', 'ECRITURES', 'REPORTING'] as const;
export type Flow = (typeof FLOWS)[number];
export type Sender = 'ENTRAIDE' | 'ALS';

export interface FileName {
  sender: Sender;
  flow: Flow;
  /** The period's last day, `AAAA-MM-JJ`. */
  periodEnd: string;
  sequence: number;
  /** `.jsonl.pgp`: encrypted to the receiver. */
  encrypted: boolean;
}

const DATA_FILE = /^(ENTRAIDE|ALS)_(ORIENTATIONS|SUIVI|FACTURATION|ECRITURES|REPORTING)_(\d{4})(\d{2})(\d{2})_(\d{6})\.jsonl(\.pgp)?$/;

/** `<SENDER>_<FLOW>_<AAAAMMJJ>_<NNNNNN>.jsonl`: the sequence is per sender and flow, never reused. */
export function dataFileName(name: Omit<FileName, 'encrypted'> & { encrypted?: boolean }): string {
  if (!Number.isInteger(name.sequence) || name.sequence < 1 || name.sequence > 999_999)
    throw new RangeError(`numéro de séquence hors limites : ${name.sequence}`);
  const day = name.periodEnd.replace(/-/g, '');
  if (!/^\d{8}$/.test(day)) throw new RangeError(`date de fin de période invalide : ${name.periodEnd}`);
  return `${name.sender}_${name.flow}_${day}_${String(name.sequence).padStart(6, '0')}.jsonl${name.encrypted ? '.pgp' : ''}`;
}

/** The parts of a data file's name, or null when the name is not one. */
export function parseDataFileName(name: string): FileName | null {
  const m = DATA_FILE.exec(name);
  if (!m) return null;
  return {
    sender: m[1] as Sender,
    flow: m[2] as Flow,
    periodEnd: `${m[3]}-${m[4]}-${m[5]}`,
    sequence: Number(m[6]),
    encrypted: Boolean(m[7]),
  };
}

export const manifestName = (dataFile: string): string => `${dataFile}.manifest.json`;
export const acknowledgementName = (dataFile: string): string => `ACK_${dataFile}`;
/** The data file an acknowledgement answers, or null. */
export const acknowledgedFile = (name: string): string | null => (name.startsWith('ACK_') && parseDataFileName(name.slice(4)) ? name.slice(4) : null);
