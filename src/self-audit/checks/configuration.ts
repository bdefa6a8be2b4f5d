import { createHash } from 'node:crypto';
import { type Config, PLACEHOLDER_SECRETS } from '../../config';
import { type Check, type CheckItem, worst } from './types';

/** The session secret used when SESSION_SECRET is not set (development and tests only). */
const DEVELOPMENT_SESSION_SECRET = 'entraide-development-secret-not-for-production-use';
const EXAMPLE_WORDS = /change-?me|changez|exemple|example|placeholder/i;

const isPlaceholder = (value: string): boolean => PLACEHOLDER_SECRETS.includes(value) || EXAMPLE_WORDS.test(value);
/** The key material of a placeholder `<id>:<base64>` key, to compare with a key already decoded. */
const placeholderKeys = PLACEHOLDER_SECRETS.filter((p) => /^[a-z0-9]{1,12}:[A-Za-z0-9+/]{43}=$/.test(p)).map((p) => p.slice(p.indexOf(':') + 1));

/**
 * The secrets, read through the frozen configuration and never written out: each is said set,
 * left to its development default, or equal to an example value of the documentation.
 */
export function secretsCheck(config: Config): Check {
  const items: CheckItem[] = [];
  const session = config.session.secret;
  if (session === DEVELOPMENT_SESSION_SECRET)
    items.push({ label: 'SESSION_SECRET', detail: 'non défini : valeur par défaut de développement', status: 'alerte' });
  else if (isPlaceholder(session)) items.push({ label: 'SESSION_SECRET', detail: 'valeur d’exemple de la documentation', status: 'alerte' });
  else items.push({ label: 'SESSION_SECRET', detail: 'défini', status: 'ok' });

  const keyId = config.dataEncryption.currentKeyId;
  const key = config.dataEncryption.keys[keyId]?.toString('base64') ?? '';
  const older = Object.keys(config.dataEncryption.keys).filter((id) => id !== keyId && id !== 'demo').length;
  if (keyId === 'demo')
    items.push({ label: 'DATA_ENCRYPTION_KEY', detail: 'non défini : clé de démonstration (écrite dans le code source)', status: 'alerte' });
  else if (placeholderKeys.includes(key)) items.push({ label: 'DATA_ENCRYPTION_KEY', detail: 'valeur d’exemple de la documentation', status: 'alerte' });
  else
    items.push({
      label: 'DATA_ENCRYPTION_KEY',
      detail: `défini (clé « ${keyId} »${older ? `, ${older} ancienne(s) clé(s) gardée(s) pour relire` : ''})`,
      status: 'ok',
    });

  const derived = `links:${createHash('sha256').update(session).digest('hex')}`;
  if (config.linkSigningSecret === derived) items.push({ label: 'LINK_SIGNING_SECRET', detail: 'non défini : dérivé de SESSION_SECRET', status: 'a_revoir' });
  else if (isPlaceholder(config.linkSigningSecret))
    items.push({ label: 'LINK_SIGNING_SECRET', detail: 'valeur d’exemple de la documentation', status: 'alerte' });
  else items.push({ label: 'LINK_SIGNING_SECRET', detail: 'défini', status: 'ok' });

  const token = config.metrics.token;
  if (token === null)
    items.push({
      label: 'METRICS_TOKEN',
      detail: config.metrics.allow.length ? 'non défini : /metrics répond aux seules adresses de METRICS_ALLOW' : 'non défini : /metrics est fermé',
      status: 'ok',
    });
  else if (isPlaceholder(token)) items.push({ label: 'METRICS_TOKEN', detail: 'valeur d’exemple de la documentation', status: 'alerte' });
  else items.push({ label: 'METRICS_TOKEN', detail: 'défini', status: 'ok' });

  if (config.smtp?.password !== undefined && config.smtp.password !== '' && isPlaceholder(config.smtp.password))
    items.push({ label: 'SMTP_PASSWORD', detail: 'valeur d’exemple de la documentation', status: 'alerte' });

  const status = worst(items.map((i) => i.status ?? 'ok'));
  return {
    code: 'secrets',
    title: 'Secrets de la configuration',
    status,
    explanation:
      status === 'ok'
        ? 'Chaque secret est défini et ne vaut ni une valeur par défaut ni une valeur d’exemple (les valeurs ne sont jamais affichées).'
        : `Un secret manque ou vaut une valeur connue de tous (valeur par défaut ou exemple de la documentation)${config.env === 'production' ? '' : ` — attendu hors production (NODE_ENV=${config.env}), jamais en production`} : générez-en un (README, « En production »). Les valeurs ne sont jamais affichées.`,
    items,
  };
}

/** Behind the TLS proxy, cookies must be Secure and HSTS sent (TRUST_PROXY), the public address in https. */
export function proxyCheck(config: Config): Check {
  const items: CheckItem[] = [
    {
      label: 'TRUST_PROXY',
      detail: config.trustProxy
        ? 'true : l’adresse du client et le https viennent du proxy, cookies de session Secure, HSTS envoyé'
        : 'false : cookies de session sans l’attribut Secure, pas de HSTS',
      status: config.trustProxy ? 'ok' : config.env === 'production' ? 'alerte' : 'a_revoir',
    },
    {
      label: 'BASE_URL',
      detail: config.baseUrl.startsWith('https://') ? `${config.baseUrl} (https)` : `${config.baseUrl} : pas en https`,
      status: config.baseUrl.startsWith('https://') ? 'ok' : config.env === 'production' ? 'alerte' : 'a_revoir',
    },
    {
      label: 'NODE_ENV',
      detail: config.env,
      status: config.env === 'production' ? 'ok' : 'a_revoir',
    },
  ];
  const status = worst(items.map((i) => i.status ?? 'ok'));
  return {
    code: 'proxy-cookies',
    title: 'Proxy et cookies',
    status,
    explanation:
      status === 'ok'
        ? 'Entraide tourne en production derrière son proxy TLS : cookies de session Secure, HttpOnly et SameSite, HSTS envoyé.'
        : 'Les cookies de session ne sont pas marqués Secure ou l’adresse publique n’est pas en https : normal sur un poste de développement, à corriger sur un serveur (TRUST_PROXY=true, BASE_URL en https://, NODE_ENV=production).',
    items,
  };
}
