import { createHash } from 'node:crypto';
import type { Flow, Sender } from './names';
import { schemaProblem } from './schemas';

/** The manifest beside every data file (docs/echanges/manifest.v1.schema.json). */
export interface Manifest {
  fichier: string;
  flux: Flow;
  version: 1;
  emetteur: Sender;
  periode_debut: string;
  periode_fin: string;
  genere_le: string;
  enregistrements: number;
  totaux?: Record<string, number>;
  sha256: string;
}

export const sha256Hex = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** The number of records of a JSON Lines file: its lines, the last one counted even without its LF. */
export const recordCount = (data: Buffer): number =>
  data.reduce((n, byte) => (byte === 0x0a ? n + 1 : n), 0) + (data.length > 0 && data[data.length - 1] !== 0x0a ? 1 : 0);

export function buildManifest(input: {
  fileName: string;
  flow: Flow;
  sender: Sender;
  periodStart: string;
  periodEnd: string;
  generatedAt: string;
  /** the records, in clear: their count */
  data: Buffer;
  /** the file as deposited when it differs (encrypted, `.jsonl.pgp`): its SHA-256 */
  sent?: Buffer;
  totals?: Record<string, number>;
}): Manifest {
  const manifest: Manifest = {
    fichier: input.fileName,
    flux: input.flow,
    version: 1,
    emetteur: input.sender,
    periode_debut: input.periodStart,
    periode_fin: input.periodEnd,
    genere_le: input.generatedAt,
    enregistrements: recordCount(input.data),
    ...(input.totals ? { totaux: input.totals } : {}),
    sha256: sha256Hex(input.sent ?? input.data),
  };
  const problem = schemaProblem('manifest', manifest);
  if (problem) throw new Error(`manifeste invalide, rien n’est envoyé : ${problem}`);
  return manifest;
}

/**
 * Why a received file must be refused whole, or null: the manifest breaks its schema, names
 * another file, flow or sender, or its count or hash disagree with the data. The hash is the
 * file's as received; the count is the records' — read in `plain` for an encrypted file.
 */
export function manifestProblem(
  manifestBytes: Buffer,
  data: Buffer,
  expected: { fileName: string; flow: Flow; sender: Sender },
  plain: Buffer = data,
): string | null {
  let manifest: unknown;
  try {
    manifest = JSON.parse(manifestBytes.toString('utf8'));
  } catch {
    return 'manifeste illisible (JSON invalide)';
  }
  const problem = schemaProblem('manifest', manifest);
  if (problem) return `manifeste invalide : ${problem}`;
  const m = manifest as Manifest;
  if (m.fichier !== expected.fileName) return `le manifeste décrit le fichier ${m.fichier}, pas ${expected.fileName}`;
  if (m.flux !== expected.flow || m.emetteur !== expected.sender) return `le manifeste annonce le flux ${m.flux} de ${m.emetteur}`;
  if (m.sha256 !== sha256Hex(data)) return 'l’empreinte SHA-256 du fichier ne correspond pas au manifeste (fichier incomplet ou modifié)';
  const count = recordCount(plain);
  if (m.enregistrements !== count) return `le manifeste annonce ${m.enregistrements} enregistrement(s), le fichier en contient ${count}`;
  return null;
}
