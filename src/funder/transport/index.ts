import type { FunderTransportConfig } from '../../config';
import { FolderTransport } from './folder-transport';
import { SftpTransport, type SftpTransportOptions } from './sftp-transport';
import type { FunderTransport } from './transport';

export { TransportError, type FunderFolder, type FunderTransport } from './transport';
export { FolderTransport } from './folder-transport';
export { SftpTransport, sshFingerprint, type SftpTransportConfig, type SftpTransportOptions } from './sftp-transport';

/** The transport the configuration names: local folders (demo, tests) or the funder's SFTP server. */
export function createFunderTransport(config: FunderTransportConfig, options: SftpTransportOptions = {}): FunderTransport {
  return config.kind === 'folder' ? new FolderTransport(config.dir) : new SftpTransport(config, options);
}
