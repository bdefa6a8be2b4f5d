import { mkdir, open, readdir, readFile, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { TransportError, type FunderFolder, type FunderTransport } from './transport';

/** Suffix of a file being written (interface agreement §1): readers never see it. */
export const PART_SUFFIX = '.part';

/**
 * A name the agreement allows in a folder: one plain file name (no path, no control character),
 * neither a dot-file nor a `.part`.
 * Anything else is refused before touching the server (not retriable: trying again cannot help).
 */
export function assertFileName(name: string): void {
  // eslint-disable-next-line no-control-regex
  if (name === '' || name.length > 255 || /[/\\\x00-\x1f]/.test(name) || !isCompleteName(name)) {
    throw new TransportError(`Nom de fichier refusé pour l’échange avec le financeur : « ${name} »`, false);
  }
}

/** A complete file a reader may take: a plain name, neither a dot-file nor a `.part`. */
export function isCompleteName(name: string): boolean {
  return !name.startsWith('.') && !name.endsWith(PART_SUFFIX);
}

/** Local failures worth trying again later (full disk, too many open files, busy file). */
const RETRIABLE_FS_CODES = new Set(['ENOSPC', 'EMFILE', 'ENFILE', 'EBUSY', 'EAGAIN']);

function errorCode(err: unknown): string | undefined {
  // not `instanceof Error`: an error of Node's fs may come from another realm (a test sandbox's) and still carry its code
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

/**
 * Two local folders, `<dir>/depot` and `<dir>/retour`, play the funder's server (demo, tests):
 * same rules as over SFTP — `name.part` written and synced, then renamed to `name`; an existing
 * `name` is never replaced.
 */
export class FolderTransport implements FunderTransport {
  private readonly ready = new Map<FunderFolder, Promise<string>>();

  constructor(private readonly dir: string) {}

  async list(folder: FunderFolder): Promise<string[]> {
    const dir = await this.folder(folder);
    try {
      const entries = await readdir(dir, { withFileTypes: true });
      return entries
        .filter((e) => e.isFile() && isCompleteName(e.name))
        .map((e) => e.name)
        .sort();
    } catch (err) {
      throw this.failure(err, `lecture du dossier ${folder}`);
    }
  }

  async get(folder: FunderFolder, name: string): Promise<Buffer> {
    assertFileName(name);
    const file = path.join(await this.folder(folder), name);
    try {
      return await readFile(file);
    } catch (err) {
      if (errorCode(err) === 'ENOENT') throw new TransportError(`Fichier introuvable dans ${folder} : « ${name} »`, false);
      throw this.failure(err, `lecture de « ${name} » dans ${folder}`);
    }
  }

  async put(folder: FunderFolder, name: string, data: Buffer): Promise<void> {
    assertFileName(name);
    const dir = await this.folder(folder);
    const target = path.join(dir, name);
    const part = target + PART_SUFFIX;
    if (await this.exists(target)) {
      throw new TransportError(`Le fichier « ${name} » existe déjà dans ${folder} : il n’est pas remplacé`, false);
    }
    try {
      // 'w' truncates a `.part` left by an interrupted upload; synced before the rename makes it visible
      const handle = await open(part, 'w');
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(part, target);
    } catch (err) {
      throw this.failure(err, `dépôt de « ${name} » dans ${folder}`);
    }
  }

  async close(): Promise<void> {}

  private folder(folder: FunderFolder): Promise<string> {
    let ready = this.ready.get(folder);
    if (!ready) {
      const dir = path.join(this.dir, folder);
      ready = mkdir(dir, { recursive: true }).then(
        () => dir,
        (err: unknown) => {
          this.ready.delete(folder);
          throw this.failure(err, `création du dossier ${dir}`);
        },
      );
      this.ready.set(folder, ready);
    }
    return ready;
  }

  private async exists(file: string): Promise<boolean> {
    try {
      await stat(file);
      return true;
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return false;
      throw this.failure(err, `lecture de ${file}`);
    }
  }

  private failure(err: unknown, what: string): TransportError {
    if (err instanceof TransportError) return err;
    const code = errorCode(err);
    const detail = err instanceof Error ? err.message : String(err);
    return new TransportError(`Échec de l’échange avec le financeur (${what}) : ${detail}`, code !== undefined && RETRIABLE_FS_CODES.has(code));
  }
}
