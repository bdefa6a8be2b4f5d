import { toJsonLines } from './formats/jsonl';
import { schemaProblem } from './formats/schemas';

/** One line of an acknowledgement (docs/echanges/accuse.v1.schema.json). */
export type RecordAck =
  | { id: string; statut: 'accepte' }
  | { id: string; statut: 'rejete'; code: 'SCHEMA' | 'INCONNU' | 'ETAT' | 'AUTRE'; message: string }
  | { id: string; statut: 'doublon'; code: 'DOUBLON'; message: string };

export type FileAck =
  { fichier: string; statut: 'recu'; recu_le: string } | { fichier: string; statut: 'rejete'; recu_le: string; code: 'MANIFESTE' | 'AUTRE'; message: string };

const MESSAGE_MAX = 500;
const cut = (text: string) => (text.length > MESSAGE_MAX ? `${text.slice(0, MESSAGE_MAX - 1)}…` : text);

/** The `ACK_` file: the file-level line first, then one line per record; every line checked against the schema. */
export function acknowledgementFile(file: FileAck, records: readonly RecordAck[]): Buffer {
  const lines = [file, ...records].map((line) => ('message' in line ? { ...line, message: cut(line.message) } : line));
  for (const line of lines) {
    const problem = schemaProblem('accuse', line);
    if (problem) throw new Error(`accusé de réception invalide, rien n’est envoyé : ${problem}`);
  }
  return toJsonLines(lines);
}
