import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import * as openpgp from 'openpgp';
import type { Config } from '../../config';
import { formatDate } from '../../shared/format';
import { parisDate } from '../../shared/dates';
import { type Check, type CheckItem, type CheckStatus, daysBetween, worst } from './types';

/** A certificate or key that expires within this many days is to renew. */
export const EXPIRY_WARNING_DAYS = 30;

/** A key or certificate file the configuration points to. */
export interface KeyFile {
  label: string;
  path: string;
}

/** Every key or certificate file of the configuration: the funder's SFTP key and OpenPGP keys, the backups' OpenPGP keys. */
export function configuredKeyFiles(config: Config): KeyFile[] {
  const files: KeyFile[] = [];
  const transport = config.funder.transport;
  if (transport.kind === 'sftp') files.push({ label: 'Clé SSH du dépôt Action Logement (FUNDER_SFTP_KEY)', path: transport.privateKeyPath });
  if (config.funder.pgp) {
    files.push({ label: 'Clé OpenPGP publique d’Action Logement (FUNDER_PGP_FUNDER_KEY)', path: config.funder.pgp.funderPublicKeyPath });
    files.push({ label: 'Clé OpenPGP d’Entraide pour Action Logement (FUNDER_PGP_OWN_KEY)', path: config.funder.pgp.ownPrivateKeyPath });
  }
  const backup = config.backupEncryption;
  if (backup?.kind === 'pgp') {
    if (backup.publicKeyPath) files.push({ label: 'Clé OpenPGP publique des sauvegardes (BACKUP_PGP_PUBLIC_KEY)', path: backup.publicKeyPath });
    if (backup.privateKeyPath) files.push({ label: 'Clé OpenPGP privée des sauvegardes (BACKUP_PGP_PRIVATE_KEY)', path: backup.privateKeyPath });
  }
  return files;
}

/** When a file's certificate or key expires: a date, 'never' for a key without expiry, or why it could not be read. */
export async function expiryOf(file: string): Promise<{ expires: Date | 'never'; kind: string } | { error: string }> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return { error: 'fichier introuvable ou illisible' };
  }
  try {
    if (text.includes('-----BEGIN CERTIFICATE-----')) return { expires: new Date(new X509Certificate(text).validTo), kind: 'certificat X.509' };
    if (text.includes('-----BEGIN PGP PUBLIC KEY BLOCK-----') || text.includes('-----BEGIN PGP PRIVATE KEY BLOCK-----')) {
      const key = text.includes('PRIVATE KEY BLOCK') ? await openpgp.readPrivateKey({ armoredKey: text }) : await openpgp.readKey({ armoredKey: text });
      const at = await key.getExpirationTime();
      return { expires: at instanceof Date ? at : 'never', kind: 'clé OpenPGP' };
    }
    return { expires: 'never', kind: text.includes('PRIVATE KEY') ? 'clé privée (SSH ou autre)' : 'clé' };
  } catch {
    return { error: 'contenu illisible (ni certificat X.509 ni clé OpenPGP armurée)' };
  }
}

/** The certificates and keys of the configuration with their expiry: within EXPIRY_WARNING_DAYS is to renew, past is an alert. */
export async function keysCheck(files: KeyFile[], now: Date): Promise<Check> {
  const base = { code: 'certificats', title: 'Expiration des certificats et des clés' };
  if (files.length === 0)
    return {
      ...base,
      status: 'ok',
      explanation: 'Aucun certificat configuré (le TLS est porté par le proxy, hors d’Entraide) ni aucune clé de la configuration.',
    };
  const items: CheckItem[] = [];
  for (const f of files) {
    const found = await expiryOf(f.path);
    if ('error' in found) {
      items.push({ label: f.label, detail: found.error, status: 'alerte' });
      continue;
    }
    if (found.expires === 'never') {
      items.push({ label: f.label, detail: `${found.kind}, sans date d’expiration`, status: 'ok' });
      continue;
    }
    const days = daysBetween(now, found.expires);
    const status: CheckStatus = found.expires <= now ? 'alerte' : days < EXPIRY_WARNING_DAYS ? 'a_revoir' : 'ok';
    const on = formatDate(parisDate(found.expires));
    items.push({
      label: f.label,
      detail: `${found.kind}, ${found.expires <= now ? `expirée depuis le ${on}` : `expire le ${on} (dans ${days} jour(s))`}`,
      status,
    });
  }
  const status = worst(items.map((i) => i.status ?? 'ok'));
  return {
    ...base,
    status,
    explanation:
      status === 'ok'
        ? `Aucun certificat ni aucune clé de la configuration n’expire dans les ${EXPIRY_WARNING_DAYS} jours.`
        : status === 'a_revoir'
          ? `Un certificat ou une clé expire dans moins de ${EXPIRY_WARNING_DAYS} jours : renouvelez-le et échangez-le avec le partenaire concerné.`
          : 'Un certificat ou une clé est expiré ou illisible : les échanges ou les sauvegardes qui en dépendent échouent.',
    items,
  };
}
