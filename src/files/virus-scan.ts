import net from 'node:net';
import type { UploadScanConfig } from '../config';

/** What a scanner says of one file: clean, or infected with the signature that matched. */
export type ScanResult = { clean: true } | { clean: false; signature: string };

/** The virus scanner every upload goes through (src/files/upload-screen.ts), whatever the form. */
export interface VirusScanner {
  /** `name` is the file's name as sent, for the scanner's own messages: it is never sent to clamd. */
  scan(buffer: Buffer, name: string): Promise<ScanResult>;
}

/** Why a file could not be scanned: the upload is then refused (fail closed). */
export type UnavailableReason = 'unreachable' | 'timeout' | 'size_limit' | 'closed' | 'unexpected_reply';

export class ScannerUnavailableError extends Error {
  constructor(
    readonly reason: UnavailableReason,
    detail: string,
  ) {
    super(`virus scanner unavailable (${reason}): ${detail}`);
  }
}

/** Where clamd listens: its Unix socket (`LocalSocket`) or its TCP address (`TCPSocket`, `TCPAddr`). */
export type ClamdAddress = { readonly socket: string } | { readonly host: string; readonly port: number };

export interface ClamdOptions {
  readonly address: ClamdAddress;
  /** For the whole exchange (connection, sending, scanning, reply). */
  readonly timeoutMs: number;
  /** Bytes per INSTREAM chunk (clamd reads them one by one). */
  readonly chunkBytes?: number;
}

const DEFAULT_CHUNK = 64 * 1024;

/**
 * A client of clamd's INSTREAM command (clamd(8)): `zINSTREAM\0`, then the file in chunks each
 * preceded by its length (4 bytes, big-endian), then a zero length; clamd answers one line ended
 * by `\0`: `stream: OK`, `stream: <signature> FOUND`, or `INSTREAM size limit exceeded. ERROR`
 * when the file passes its StreamMaxLength. A connection refused, a missing socket, a timeout or
 * any other answer is a ScannerUnavailableError: the caller refuses the upload.
 */
export class ClamdScanner implements VirusScanner {
  constructor(private readonly options: ClamdOptions) {}

  scan(buffer: Buffer, _name?: string): Promise<ScanResult> {
    return this.exchange((socket) => this.stream(socket, buffer), parseScanReply);
  }

  /** `PING` → `PONG`: whether clamd answers (the operator's check, the tests' wait). */
  async ping(): Promise<boolean> {
    try {
      return await this.exchange(
        (socket) => socket.write('zPING\0'),
        (reply) => reply === 'PONG',
      );
    } catch (err) {
      if (err instanceof ScannerUnavailableError) return false;
      throw err;
    }
  }

  private exchange<T>(send: (socket: net.Socket) => unknown, read: (reply: string) => T): Promise<T> {
    const { address, timeoutMs } = this.options;
    return new Promise<T>((resolve, reject) => {
      const socket = 'socket' in address ? net.createConnection({ path: address.socket }) : net.createConnection({ host: address.host, port: address.port });
      let reply = Buffer.alloc(0);
      let settled = false;
      const finish = (outcome: () => T) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        try {
          resolve(outcome());
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      };
      const fail = (reason: UnavailableReason, detail: string) =>
        finish(() => {
          throw new ScannerUnavailableError(reason, detail);
        });
      const answered = () => {
        const end = reply.indexOf(0);
        const text = (end >= 0 ? reply.subarray(0, end) : reply).toString('utf8').trim();
        finish(() => read(text));
      };
      const timer = setTimeout(() => fail('timeout', `no answer within ${timeoutMs} ms`), timeoutMs);
      socket.on('connect', () => {
        Promise.resolve(send(socket)).catch(() => undefined); // a write refused: the 'error' or 'close' event tells why
      });
      socket.on('data', (chunk: Buffer) => {
        reply = Buffer.concat([reply, chunk]);
        if (reply.includes(0)) answered();
      });
      socket.on('error', (err: NodeJS.ErrnoException) => {
        // clamd may answer (size limit) and close while the file is still being sent: its answer wins
        if (reply.length > 0) return answered();
        const connecting = ['ECONNREFUSED', 'ENOENT', 'EACCES', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'].includes(err.code ?? '');
        // EPIPE/ECONNRESET while sending: clamd hung up, often on a file above its StreamMaxLength (its answer may be lost)
        fail(
          connecting ? 'unreachable' : 'closed',
          `${err.code ?? 'error'} ${describe(address)}${connecting ? '' : ' (StreamMaxLength of clamd.conf below the file’s size?)'}`,
        );
      });
      socket.on('close', () => {
        if (reply.length > 0) answered();
        else fail('closed', `connection closed without an answer by ${describe(address)}`);
      });
    });
  }

  private async stream(socket: net.Socket, buffer: Buffer): Promise<void> {
    const chunkBytes = this.options.chunkBytes ?? DEFAULT_CHUNK;
    await write(socket, Buffer.from('zINSTREAM\0', 'latin1'));
    for (let offset = 0; offset < buffer.length; offset += chunkBytes) {
      const chunk = buffer.subarray(offset, offset + chunkBytes);
      const size = Buffer.alloc(4);
      size.writeUInt32BE(chunk.length);
      await write(socket, size);
      await write(socket, chunk);
    }
    await write(socket, Buffer.alloc(4)); // a zero length: the end of the file
  }
}

/** Writes and waits for the socket to take more, or to be closed (clamd answered early). */
function write(socket: net.Socket, data: Buffer): Promise<void> {
  if (socket.destroyed) return Promise.reject(new Error('socket closed'));
  if (socket.write(data)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const drained = () => {
      socket.off('close', closed);
      resolve();
    };
    const closed = () => {
      socket.off('drain', drained);
      reject(new Error('socket closed'));
    };
    socket.once('drain', drained);
    socket.once('close', closed);
  });
}

function describe(address: ClamdAddress): string {
  return 'socket' in address ? `at ${address.socket}` : `at ${address.host}:${address.port}`;
}

/** clamd's answer to INSTREAM. */
export function parseScanReply(reply: string): ScanResult {
  if (reply === 'stream: OK') return { clean: true };
  const found = /^stream: (.+) FOUND$/.exec(reply);
  if (found) return { clean: false, signature: found[1]!.slice(0, 200) };
  if (/size limit exceeded/i.test(reply)) throw new ScannerUnavailableError('size_limit', `${reply} (raise StreamMaxLength in clamd.conf)`);
  throw new ScannerUnavailableError('unexpected_reply', reply.slice(0, 200));
}

/** UPLOAD_SCAN=off (outside production only): every file is taken as clean. */
export class NoVirusScan implements VirusScanner {
  scan(): Promise<ScanResult> {
    return Promise.resolve({ clean: true });
  }
}

export type { UploadScanConfig } from '../config';

export function virusScannerFor(config: UploadScanConfig): VirusScanner {
  return config.mode === 'clamav' ? new ClamdScanner({ address: config.address, timeoutMs: config.timeoutMs }) : new NoVirusScan();
}
