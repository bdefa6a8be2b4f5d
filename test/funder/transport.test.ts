import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SftpTransport, TransportError, createFunderTransport, type FunderTransport } from '../../src/funder/transport';
import type { SftpTransportConfig } from '../../src/funder/transport/sftp-transport';
import { startSftpServer, type TestSftpServer } from '../support/sftp-server';

/** One transport under test, and the folder on disk that plays the funder's side. */
interface Rig {
  transport: FunderTransport;
  /** The local folder behind `depot` or `retour`. */
  onDisk(folder: 'depot' | 'retour'): string;
  close(): Promise<void>;
}

function sftpConfig(server: TestSftpServer, overrides: Partial<SftpTransportConfig> = {}): SftpTransportConfig {
  return {
    kind: 'sftp',
    host: '127.0.0.1',
    port: server.port,
    username: server.username,
    privateKeyPath: server.privateKeyPath,
    hostKeySha256: server.hostKeySha256,
    depot: '/depot',
    retour: '/retour',
    ...overrides,
  };
}

async function folderRig(): Promise<Rig> {
  const dir = await mkdtemp(path.join(tmpdir(), 'entraide-funder-'));
  const transport = createFunderTransport({ kind: 'folder', dir });
  return {
    transport,
    onDisk: (folder) => path.join(dir, folder),
    close: async () => {
      await transport.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function sftpRig(): Promise<Rig> {
  const server = await startSftpServer();
  const transport = createFunderTransport(sftpConfig(server), { retryDelaysMs: [10, 20] });
  return {
    transport,
    onDisk: (folder) => path.join(server.root, folder),
    close: async () => {
      await transport.close();
      await server.close();
    },
  };
}

async function caught(promise: Promise<unknown>): Promise<TransportError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(TransportError);
    return err as TransportError;
  }
  throw new Error('aucune erreur levée');
}

describe.each([
  ['dossiers locaux', folderRig],
  ['SFTP (serveur réel en mémoire du test)', sftpRig],
])('transport vers le financeur : %s', (_kind, makeRig) => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await makeRig();
    // the folder transport creates its folders on first use
    await rig.transport.list('depot');
    await rig.transport.list('retour');
  });
  afterAll(async () => {
    await rig.close();
  });

  it('dépose, liste et relit les fichiers à l’identique, 5 Mo compris', async () => {
    const small = Buffer.from('{"id":"a-1","evenement":"orientation_recue"}\n', 'utf8');
    const big = randomBytes(5 * 1024 * 1024);
    await rig.transport.put('depot', 'ENTRAIDE_SUIVI_20261201_000001.jsonl', small);
    await rig.transport.put('depot', 'ENTRAIDE_REPORTING_20261130_000001.jsonl', big);
    expect(await rig.transport.list('depot')).toEqual(['ENTRAIDE_REPORTING_20261130_000001.jsonl', 'ENTRAIDE_SUIVI_20261201_000001.jsonl']);
    expect((await rig.transport.get('depot', 'ENTRAIDE_SUIVI_20261201_000001.jsonl')).equals(small)).toBe(true);
    expect((await rig.transport.get('depot', 'ENTRAIDE_REPORTING_20261130_000001.jsonl')).equals(big)).toBe(true);
    // what reached the server's disk, with no `.part` left behind
    expect((await readFile(path.join(rig.onDisk('depot'), 'ENTRAIDE_REPORTING_20261130_000001.jsonl'))).equals(big)).toBe(true);
    expect((await readdir(rig.onDisk('depot'))).filter((n) => n.endsWith('.part'))).toEqual([]);
  });

  it('ne liste ni les .part, ni les fichiers cachés, ni les sous-dossiers', async () => {
    const retour = rig.onDisk('retour');
    await writeFile(path.join(retour, 'ALS_ORIENTATIONS_20261201_000002.jsonl'), '{}\n');
    await writeFile(path.join(retour, 'ALS_ORIENTATIONS_20261201_000001.jsonl'), '{}\n');
    await writeFile(path.join(retour, 'ALS_ORIENTATIONS_20261201_000003.jsonl.part'), '{');
    await writeFile(path.join(retour, '.DS_Store'), 'x');
    await mkdir(path.join(retour, 'archives'));
    expect(await rig.transport.list('retour')).toEqual(['ALS_ORIENTATIONS_20261201_000001.jsonl', 'ALS_ORIENTATIONS_20261201_000002.jsonl']);
  });

  it('refuse de remplacer un fichier déjà déposé, qui garde ses octets', async () => {
    const name = 'ENTRAIDE_FACTURATION_20261130_000001.jsonl';
    await rig.transport.put('depot', name, Buffer.from('original\n'));
    const error = await caught(rig.transport.put('depot', name, Buffer.from('remplaçant\n')));
    expect(error.retriable).toBe(false);
    expect(error.message).toContain('existe déjà');
    expect(await readFile(path.join(rig.onDisk('depot'), name), 'utf8')).toBe('original\n');
    expect(existsSync(path.join(rig.onDisk('depot'), `${name}.part`))).toBe(false);
  });

  it('remplace le .part laissé par un envoi interrompu au dépôt suivant du même nom', async () => {
    const name = 'ENTRAIDE_ECRITURES_20261130_000001.jsonl';
    const depot = rig.onDisk('depot');
    await writeFile(path.join(depot, `${name}.part`), randomBytes(64 * 1024));
    expect(await rig.transport.list('depot')).not.toContain(name);
    const data = Buffer.from('{"JournalCode":"BQ"}\n');
    await rig.transport.put('depot', name, data);
    expect((await readFile(path.join(depot, name))).equals(data)).toBe(true);
    expect(existsSync(path.join(depot, `${name}.part`))).toBe(false);
  });

  it('refuse un nom qui sort du dossier ou désigne un .part', async () => {
    for (const name of ['../evade.jsonl', 'a/b.jsonl', '.cache', 'x.jsonl.part', '']) {
      expect((await caught(rig.transport.put('depot', name, Buffer.from('x')))).retriable).toBe(false);
    }
  });

  it('signale un fichier absent sans réessayer', async () => {
    const error = await caught(rig.transport.get('retour', 'ALS_ORIENTATIONS_20261201_999999.jsonl'));
    expect(error.retriable).toBe(false);
    expect(error.message).toContain('introuvable');
  });
});

describe('transport SFTP : clé d’hôte et pannes de réseau', () => {
  let server: TestSftpServer;
  const transports: FunderTransport[] = [];
  const transport = (overrides: Partial<SftpTransportConfig> = {}) => {
    const t = new SftpTransport(sftpConfig(server, overrides), { retryDelaysMs: [10, 20] });
    transports.push(t);
    return t;
  };
  beforeAll(async () => {
    server = await startSftpServer();
  });
  afterAll(async () => {
    for (const t of transports) await t.close();
    await server.close();
  });

  it('refuse un serveur dont la clé d’hôte n’est pas celle épinglée, sans rien écrire', async () => {
    const pinned = `SHA256:${randomBytes(32).toString('base64').replace(/=+$/, '')}`;
    const error = await caught(transport({ hostKeySha256: pinned }).put('depot', 'ENTRAIDE_SUIVI_20261202_000001.jsonl', Buffer.from('x')));
    expect(error.retriable).toBe(false);
    expect(error.message).toContain('clé d’hôte inconnue');
    expect(error.message).toContain(server.hostKeySha256);
    expect(error.message).toContain(pinned);
    expect(await readdir(path.join(server.root, 'depot'))).toEqual([]);
  });

  it('refuse une clé privée que le serveur ne connaît pas', async () => {
    const other = await startSftpServer();
    try {
      const error = await caught(transport({ privateKeyPath: other.privateKeyPath }).list('depot'));
      expect(error.retriable).toBe(false);
      expect(error.message).toContain('Authentification refusée');
    } finally {
      await other.close();
    }
  });

  it('réessaie quand le serveur coupe les deux premières connexions, et dépose une seule fois', async () => {
    const name = 'ENTRAIDE_SUIVI_20261202_000002.jsonl';
    const data = randomBytes(200 * 1024);
    const before = server.dropped();
    server.failNext(2);
    await transport().put('depot', name, data);
    expect(server.dropped() - before).toBe(2);
    expect((await readFile(path.join(server.root, 'depot', name))).equals(data)).toBe(true);
    expect((await readdir(path.join(server.root, 'depot'))).filter((n) => n.startsWith(name))).toEqual([name]);
  });

  it('abandonne après trois tentatives coupées : erreur réessayable, aucun fichier final', async () => {
    const name = 'ENTRAIDE_SUIVI_20261202_000003.jsonl';
    const before = server.dropped();
    server.failNext(3);
    const error = await caught(transport().put('depot', name, Buffer.from('x')));
    expect(server.dropped() - before).toBe(3);
    expect(error.retriable).toBe(true);
    expect(error.message).toContain('injoignable');
    expect(existsSync(path.join(server.root, 'depot', name))).toBe(false);
    // the server is back: the next run sends it
    await transport().put('depot', name, Buffer.from('x'));
    expect(await readFile(path.join(server.root, 'depot', name), 'utf8')).toBe('x');
  });

  it('rend une erreur réessayable quand le serveur ne répond pas du tout', async () => {
    const closed = await startSftpServer();
    const port = closed.port;
    await closed.close();
    const started = Date.now();
    const error = await caught(transport({ port }).list('retour'));
    expect(error.retriable).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
