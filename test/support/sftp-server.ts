/**
 * The funder's server for the tests, as smtp-server is for mail: a real SFTP server (ssh2 in
 * server mode) in the test process, on 127.0.0.1 and a free port. Its host key and the client's
 * key are generated for each server (ed25519); only that client key is accepted. Its root is a
 * temporary folder holding `/depot` and `/retour`; the SFTP requests the transport sends are
 * carried out on that folder, so a test reads and writes the server's files with `fs`.
 * `failNext(n)` drops the next n connections before the SSH handshake (a server down, a reset).
 */
import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, open, readdir, rename, rm, stat, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Server, utils, type Attributes, type Connection, type ParsedKey, type SFTPWrapper } from 'ssh2';

const { STATUS_CODE, flagsToString } = utils.sftp;

export interface TestSftpServer {
  port: number;
  /** The folder served as `/`. */
  root: string;
  /** `SHA256:…` of the server's host key, as `ssh-keygen -lf` prints it. */
  hostKeySha256: string;
  /** The client's private key (OpenSSH format), the only one the server accepts. */
  privateKeyPath: string;
  username: string;
  close(): Promise<void>;
  /** The next n connections are dropped as soon as they arrive. */
  failNext(n: number): void;
  /** How many connections `failNext` has dropped so far. */
  dropped(): number;
}

function parsed(key: string): ParsedKey {
  const result = utils.parseKey(key);
  if (result instanceof Error) throw result;
  return Array.isArray(result) ? (result[0] as ParsedKey) : result;
}

export async function startSftpServer(): Promise<TestSftpServer> {
  const username = 'entraide';
  const root = await mkdtemp(path.join(tmpdir(), 'entraide-sftp-root-'));
  const keyDir = await mkdtemp(path.join(tmpdir(), 'entraide-sftp-key-'));
  await mkdir(path.join(root, 'depot'));
  await mkdir(path.join(root, 'retour'));
  const hostKey = utils.generateKeyPairSync('ed25519');
  const clientKey = utils.generateKeyPairSync('ed25519');
  const privateKeyPath = path.join(keyDir, 'id_ed25519');
  await writeFile(privateKeyPath, clientKey.private, { mode: 0o600 });
  await chmod(keyDir, 0o700);
  const allowed = parsed(clientKey.public);
  const hostKeySha256 = `SHA256:${createHash('sha256').update(parsed(hostKey.public).getPublicSSH()).digest('base64').replace(/=+$/, '')}`;

  const clients = new Set<Connection>();
  const ssh = new Server({ hostKeys: [hostKey.private] }, (client) => {
    clients.add(client);
    client.on('close', () => clients.delete(client));
    client.on('error', () => undefined); // a client that goes away is not the test's failure
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey' || ctx.username !== username) return ctx.reject(['publickey']);
      const sameKey = ctx.key.algo === allowed.type && ctx.key.data.equals(allowed.getPublicSSH());
      // without a signature the client only asks whether the key would do; with one, it proves it holds it
      if (!sameKey || (ctx.signature && ctx.blob && allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true)) return ctx.reject(['publickey']);
      ctx.accept();
    });
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        acceptSession().on('sftp', (acceptSftp) => serveFolder(acceptSftp(), root));
      });
    });
  });

  let failures = 0;
  let dropped = 0;
  const sockets = new Set<Socket>();
  // Nagle off, as for the transport's socket: ssh2's replies are several writes per packet without its native binding
  const tcp = createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    if (failures > 0) {
      failures -= 1;
      dropped += 1;
      socket.destroy();
      return;
    }
    ssh.injectSocket(socket);
  });
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  const { port } = tcp.address() as AddressInfo;

  return {
    port,
    root,
    hostKeySha256,
    privateKeyPath,
    username,
    failNext(n) {
      failures = n;
    },
    dropped: () => dropped,
    async close() {
      for (const client of clients) client.end();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
      await rm(root, { recursive: true, force: true });
      await rm(keyDir, { recursive: true, force: true });
    },
  };
}

type Handle = { kind: 'file'; file: FileHandle } | { kind: 'dir'; dir: string; done: boolean };

function attributes(s: Stats): Attributes {
  return { mode: s.mode, uid: s.uid, gid: s.gid, size: s.size, atime: Math.floor(s.atimeMs / 1000), mtime: Math.floor(s.mtimeMs / 1000) };
}

/** `ls -l`'s line, whose first letter ssh2-sftp-client's list reads as the entry's type. */
function longname(name: string, s: Stats): string {
  const type = s.isDirectory() ? 'd' : s.isSymbolicLink() ? 'l' : '-';
  return `${type}rw-r--r-- 1 ${s.uid} ${s.gid} ${s.size} Jan  1 00:00 ${name}`;
}

/** Maps each SFTP request onto the folder `root` (a path never leaves it: `..` stops at `/`). */
function serveFolder(sftp: SFTPWrapper, root: string): void {
  const handles = new Map<number, Handle>();
  let nextHandle = 1;
  const local = (remote: string) => path.join(root, path.posix.normalize(`/${remote}`));
  const newHandle = (h: Handle) => {
    const id = nextHandle++;
    handles.set(id, h);
    const buffer = Buffer.alloc(4);
    buffer.writeUInt32BE(id);
    return buffer;
  };
  const lookup = (buffer: Buffer) => (buffer.length === 4 ? handles.get(buffer.readUInt32BE(0)) : undefined);

  /** Runs one request; a filesystem error becomes the SFTP status closest to it. */
  const respond = (reqId: number, work: () => Promise<void>) => {
    work().catch((err: NodeJS.ErrnoException) => {
      const code =
        err.code === 'ENOENT' ? STATUS_CODE.NO_SUCH_FILE : err.code === 'EACCES' || err.code === 'EPERM' ? STATUS_CODE.PERMISSION_DENIED : STATUS_CODE.FAILURE;
      sftp.status(reqId, code, err.message.replaceAll(root, ''));
    });
  };
  const fileOf = (buffer: Buffer) => {
    const h = lookup(buffer);
    if (h?.kind !== 'file') throw Object.assign(new Error('poignée inconnue'), { code: 'EBADF' });
    return h.file;
  };

  sftp.on('REALPATH', (reqId, remote) => {
    const normal = path.posix.normalize(`/${remote}`);
    sftp.name(reqId, [{ filename: normal, longname: normal, attrs: {} as Attributes }]);
  });
  sftp.on('OPEN', (reqId, remote, flags) =>
    respond(reqId, async () => {
      const mode = flagsToString(flags);
      if (!mode) return void sftp.status(reqId, STATUS_CODE.OP_UNSUPPORTED);
      const file = await open(local(remote), mode);
      sftp.handle(reqId, newHandle({ kind: 'file', file }));
    }),
  );
  sftp.on('READ', (reqId, handle, offset, length) =>
    respond(reqId, async () => {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await fileOf(handle).read(buffer, 0, length, offset);
      if (bytesRead === 0) sftp.status(reqId, STATUS_CODE.EOF);
      else sftp.data(reqId, buffer.subarray(0, bytesRead));
    }),
  );
  sftp.on('WRITE', (reqId, handle, offset, data) =>
    respond(reqId, async () => {
      await fileOf(handle).write(data, 0, data.length, offset);
      sftp.status(reqId, STATUS_CODE.OK);
    }),
  );
  sftp.on('FSTAT', (reqId, handle) => respond(reqId, async () => void sftp.attrs(reqId, attributes(await fileOf(handle).stat()))));
  sftp.on('STAT', (reqId, remote) => respond(reqId, async () => void sftp.attrs(reqId, attributes(await stat(local(remote))))));
  sftp.on('LSTAT', (reqId, remote) => respond(reqId, async () => void sftp.attrs(reqId, attributes(await lstat(local(remote))))));
  sftp.on('CLOSE', (reqId, handle) =>
    respond(reqId, async () => {
      const h = lookup(handle);
      if (!h) return void sftp.status(reqId, STATUS_CODE.FAILURE, 'poignée inconnue');
      handles.delete(handle.readUInt32BE(0));
      if (h.kind === 'file') await h.file.close();
      sftp.status(reqId, STATUS_CODE.OK);
    }),
  );
  sftp.on('OPENDIR', (reqId, remote) =>
    respond(reqId, async () => {
      const dir = local(remote);
      if (!(await stat(dir)).isDirectory()) return void sftp.status(reqId, STATUS_CODE.FAILURE, 'pas un dossier');
      sftp.handle(reqId, newHandle({ kind: 'dir', dir, done: false }));
    }),
  );
  sftp.on('READDIR', (reqId, handle) =>
    respond(reqId, async () => {
      const h = lookup(handle);
      if (h?.kind !== 'dir') return void sftp.status(reqId, STATUS_CODE.FAILURE, 'poignée inconnue');
      // the whole folder in one answer, then EOF
      if (h.done) return void sftp.status(reqId, STATUS_CODE.EOF);
      h.done = true;
      const names = await readdir(h.dir);
      const entries = await Promise.all(
        names.map(async (filename) => {
          const s = await lstat(path.join(h.dir, filename));
          return { filename, longname: longname(filename, s), attrs: attributes(s) };
        }),
      );
      if (entries.length === 0) sftp.status(reqId, STATUS_CODE.EOF);
      else sftp.name(reqId, entries);
    }),
  );
  sftp.on('REMOVE', (reqId, remote) => respond(reqId, () => unlink(local(remote)).then(() => void sftp.status(reqId, STATUS_CODE.OK))));
  sftp.on('MKDIR', (reqId, remote) => respond(reqId, () => mkdir(local(remote)).then(() => void sftp.status(reqId, STATUS_CODE.OK))));
  sftp.on('RENAME', (reqId, from, to) =>
    respond(reqId, async () => {
      // SFTP v3 (draft-ietf-secsh-filexfer-02 §6.5): renaming onto an existing name is an error, as OpenSSH does
      const exists = await lstat(local(to)).then(
        () => true,
        () => false,
      );
      if (exists) return void sftp.status(reqId, STATUS_CODE.FAILURE, 'le fichier de destination existe');
      await rename(local(from), local(to));
      sftp.status(reqId, STATUS_CODE.OK);
    }),
  );
  sftp.on('close', () => {
    for (const h of handles.values()) if (h.kind === 'file') void h.file.close().catch(() => undefined);
    handles.clear();
  });
}

/** The configuration that points the app's funder transport at this server. */
export const sftpEnv = (server: TestSftpServer): Record<string, string> => ({
  FUNDER_TRANSPORT: 'sftp',
  FUNDER_SFTP_HOST: '127.0.0.1',
  FUNDER_SFTP_PORT: String(server.port),
  FUNDER_SFTP_USER: server.username,
  FUNDER_SFTP_KEY: server.privateKeyPath,
  FUNDER_SFTP_HOST_KEY: server.hostKeySha256,
});
