import archiver from 'archiver';

/** One file of a ZIP archive: its path inside the archive and its bytes. */
export interface ZipEntry {
  name: string;
  data: Buffer | string;
}

/**
 * A ZIP archive of a few files, built in memory (a dossier's export: its JSON, documents and
 * letters — megabytes, not gigabytes). Names are kept inside the archive: no absolute path, no
 * `..`, no control character.
 */
export function zipArchive(entries: readonly ZipEntry[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const archive = archiver('zip', { zlib: { level: 6 } });
    const chunks: Buffer[] = [];
    archive.on('data', (chunk: Buffer) => chunks.push(chunk));
    archive.on('end', () => resolve(Buffer.concat(chunks)));
    archive.on('warning', reject);
    archive.on('error', reject);
    for (const entry of entries) archive.append(entry.data, { name: safeName(entry.name) });
    void archive.finalize();
  });
}

/** A path inside the archive: segments without `..`, separators or control characters. */
export function safeName(name: string): string {
  return name
    .split('/')
    .map((segment) =>
      [...segment]
        .map((c) => (c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127 || '\\:*?"<>|'.includes(c) ? '_' : c))
        .join('')
        .replace(/^\.+$/, '_')
        .slice(0, 120),
    )
    .filter((segment) => segment.length > 0)
    .join('/');
}
