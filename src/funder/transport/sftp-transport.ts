import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { connect as tcpConnect } from 'node:net';
import path from 'node:path';
import SftpClient from 'ssh2-sftp-client';
import type { FunderTransportConfig } from '../../config';
import { PART_SUFFIX, assertFileName, isCompleteName } from './folder-transport';
import { TransportError, type FunderFolder, type FunderTransport } from './transport';

export type SftpTransportConfig = Extract<FunderTransportConfig, { kind: 'sftp' }>;

export interface SftpTransportOptions {
  /** Waits before the second and third attempts of an operation that failed on the network. */
  retryDelaysMs?: readonly number[];
  /** How long the SSH handshake and authentication may take. */
  readyTimeoutMs?: number;
}

/** `SHA256:<base64 without padding>` of a raw SSH public key blob, as `ssh-keygen -lf` prints it. */
export function sshFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** Network failures: the next attempt (or the next run) may succeed. */
const RETRIABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ERR_NOT_CONNECTED']);
const RETRIABLE_MESSAGES =
  /Connection lost before handshake|Timed out while waiting for handshake|Unexpected (close|end) event|No SFTP connection|not connected|socket hang up|ECONNRESET|No response from server/i;
/** SFTP status codes: NO_SUCH_FILE, and NO_CONNECTION / CONNECTION_LOST. */
const SFTP_NO_SUCH_FILE = 2;
const SFTP_CONNECTION_CODES = new Set([6, 7]);

interface ClientError {
  message: string;
  code: unknown;
}

function asClientError(err: unknown): ClientError {
  if (err instanceof Error) return { message: err.message, code: (err as Error & { code?: unknown }).code };
  return { message: String(err), code: undefined };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The funder's SFTP server (interface agreement §1): key authentication, host key pinned,
 * `name.part` uploaded then renamed to `name`, never over an existing `name`. Connects on first
 * use and keeps the connection until `close()`; a network failure is tried again (three attempts
 * in all) on a new connection. Nothing but a TransportError leaves this class.
 */
export class SftpTransport implements FunderTransport {
  private readonly retryDelaysMs: readonly number[];
  private readonly readyTimeoutMs: number;
  private connection: Promise<SftpClient> | undefined;
  private connected: SftpClient | undefined;

  constructor(
    private readonly config: SftpTransportConfig,
    options: SftpTransportOptions = {},
  ) {
    this.retryDelaysMs = options.retryDelaysMs ?? [1000, 4000];
    this.readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
  }

  list(folder: FunderFolder): Promise<string[]> {
    return this.withRetries(`lecture du dossier ${folder}`, async (client) => {
      const entries = await client.list(this.dir(folder));
      return entries
        .filter((e) => e.type === '-' && isCompleteName(e.name))
        .map((e) => e.name)
        .sort();
    });
  }

  async get(folder: FunderFolder, name: string): Promise<Buffer> {
    assertFileName(name);
    return this.withRetries(`lecture de « ${name} » dans ${folder}`, async (client) => {
      const data = await client.get(this.remote(folder, name));
      if (!Buffer.isBuffer(data)) throw new TransportError(`Réponse inattendue du serveur SFTP pour « ${name} »`, false);
      return data;
    });
  }

  async put(folder: FunderFolder, name: string, data: Buffer): Promise<void> {
    assertFileName(name);
    const target = this.remote(folder, name);
    const part = target + PART_SUFFIX;
    let renameSent = false;
    return this.withRetries(`dépôt de « ${name} » dans ${folder}`, async (client) => {
      if (await client.exists(target)) {
        // the connection fell after our rename reached the server: the file is there, sent once
        if (renameSent && data.equals((await client.get(target)) as Buffer)) return;
        throw new TransportError(`Le fichier « ${name} » existe déjà dans ${folder} sur le serveur du financeur : il n’est pas remplacé`, false);
      }
      // a `.part` left by an interrupted upload is replaced; SFTP's rename never overwrites `name`
      await client.delete(part, true);
      await client.put(data, part);
      renameSent = true;
      await client.rename(part, target);
    });
  }

  async close(): Promise<void> {
    await this.disconnect();
  }

  private dir(folder: FunderFolder): string {
    return folder === 'depot' ? this.config.depot : this.config.retour;
  }

  private remote(folder: FunderFolder, name: string): string {
    return path.posix.join(this.dir(folder), name);
  }

  private async withRetries<T>(what: string, operation: (client: SftpClient) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await operation(await this.connect());
      } catch (err) {
        const failure = this.toTransportError(err, what);
        const delay = this.retryDelaysMs[attempt];
        if (!failure.retriable || delay === undefined) {
          if (failure.retriable) await this.disconnect();
          throw failure;
        }
        await this.disconnect();
        await sleep(delay);
      }
    }
  }

  private connect(): Promise<SftpClient> {
    if (this.connection) return this.connection;
    const connection: Promise<SftpClient> = this.open().catch((err: unknown) => {
      if (this.connection === connection) this.connection = undefined;
      throw err;
    });
    this.connection = connection;
    return connection;
  }

  private async open(): Promise<SftpClient> {
    const { host, port, username, privateKeyPath, hostKeySha256 } = this.config;
    let privateKey: Buffer;
    try {
      privateKey = await readFile(privateKeyPath);
    } catch (err) {
      throw new TransportError(`Clé privée SFTP illisible (${privateKeyPath}) : ${asClientError(err).message}`, false);
    }
    let refusedKey: string | undefined;
    // the library's default listeners print to the console; here a connection that falls is forgotten, the next use reconnects
    const forget = () => {
      if (this.connected !== client) return;
      this.connected = undefined;
      this.connection = undefined;
      void client.end().catch(() => undefined);
    };
    const client: SftpClient = new SftpClient('financeur', { error: forget, end: forget, close: forget });
    try {
      await client.connect({
        host,
        port,
        // Nagle off: without its optional native crypto binding (no compiler in the image, or built for
        // another Node), ssh2 writes each SSH packet in several socket writes and Nagle holds the later
        // ones until the server's delayed ACK: ~40 ms per SFTP request, seconds for a 5 MB file
        sock: tcpConnect({ host, port, noDelay: true }),
        username,
        privateKey,
        readyTimeout: this.readyTimeoutMs,
        keepaliveInterval: 15_000,
        hostVerifier: (key: Buffer) => {
          const seen = sshFingerprint(key);
          if (seen === hostKeySha256) return true;
          refusedKey = seen;
          return false;
        },
      });
      this.connected = client;
      return client;
    } catch (err) {
      await client.end().catch(() => undefined);
      if (refusedKey !== undefined) {
        throw new TransportError(`Serveur SFTP du financeur refusé (${host}:${port}) : clé d’hôte inconnue ${refusedKey}, attendue ${hostKeySha256}`, false);
      }
      throw err;
    }
  }

  private async disconnect(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    this.connected = undefined;
    if (!connection) return;
    try {
      await (await connection).end();
    } catch {
      // a connection that failed or already fell has nothing left to release
    }
  }

  private toTransportError(err: unknown, what: string): TransportError {
    if (err instanceof TransportError) return err;
    const { message, code } = asClientError(err);
    const where = `${this.config.host}:${this.config.port}`;
    if (code === SFTP_NO_SUCH_FILE || code === 'ENOENT') {
      return new TransportError(`Fichier ou dossier introuvable sur le serveur SFTP du financeur (${what}) : ${message}`, false);
    }
    if (/authentication methods failed/i.test(message)) {
      return new TransportError(`Authentification refusée par le serveur SFTP du financeur (${where}, utilisateur ${this.config.username})`, false);
    }
    const retriable =
      (typeof code === 'string' && RETRIABLE_CODES.has(code)) ||
      (typeof code === 'number' && SFTP_CONNECTION_CODES.has(code)) ||
      RETRIABLE_MESSAGES.test(message);
    if (retriable) return new TransportError(`Serveur SFTP du financeur injoignable (${where}, ${what}) : ${message}`, true);
    return new TransportError(`Échec de l’échange SFTP avec le financeur (${where}, ${what}) : ${message}`, false);
  }
}
