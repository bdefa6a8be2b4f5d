/**
 * JSON Lines as the agreement writes them: UTF-8 without BOM, LF, one JSON object per line, no
 * blank line (each line, the last included, ends with LF).
 */
export function toJsonLines(records: readonly unknown[]): Buffer {
  return Buffer.from(records.map((r) => `${JSON.stringify(r)}\n`).join(''), 'utf8');
}

export type JsonLine = { line: number; value: Record<string, unknown> } | { line: number; problem: string };

export class JsonLinesError extends Error {}

/**
 * The lines of a file, each an object or the reason it is not one. The file as a whole is refused
 * (JsonLinesError) when it is not UTF-8, starts with a BOM, uses CR or holds a blank line.
 */
export function parseJsonLines(data: Buffer): JsonLine[] {
  if (data.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))) throw new JsonLinesError('le fichier commence par une marque d’ordre (BOM)');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    throw new JsonLinesError('le fichier n’est pas en UTF-8');
  }
  if (text.includes('\r')) throw new JsonLinesError('fins de ligne CR : seules les fins de ligne LF sont admises');
  if (text === '') return [];
  const lines = (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
  return lines.map((raw, i): JsonLine => {
    const line = i + 1;
    if (raw.trim() === '') throw new JsonLinesError(`ligne ${line} vide`);
    try {
      const value: unknown = JSON.parse(raw);
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return { line, problem: 'la ligne n’est pas un objet JSON' };
      return { line, value: value as Record<string, unknown> };
    } catch {
      return { line, problem: 'JSON illisible' };
    }
  });
}
