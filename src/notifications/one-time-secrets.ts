/**
 * Mails that carry a one-time secret: the link that sets a password (invitation, reset) and the
 * code that enrols a second factor. Whoever reads them can take over the account, so once an SMTP
 * relay has delivered them the outbox keeps them masked, and the outbox page never shows them
 * while a relay is configured (without a relay — the embedded demo — the outbox is the only
 * place to read them, and shows them).
 */
export const ONE_TIME_SECRET_KINDS: ReadonlySet<string> = new Set([
  'user.invitation',
  'user.password_reset',
  'user.second_factor_code',
  'household.access_code',
  'consent.signature_code',
  // the household's personal link (with the code it opens the space) and the satisfaction questionnaire's link (answers once)
  'household.link',
  'satisfaction.invitation',
]);

export const MASKED_LINK = '[lien à usage unique masqué : seul le destinataire l’a reçu]';
export const MASKED_CODE = '[code à usage unique masqué]';

/** The mail's text with its one-time links and codes masked (other mails unchanged). */
export function maskOneTimeSecrets(kind: string, text: string): string {
  if (!ONE_TIME_SECRET_KINDS.has(kind)) return text;
  return text
    .replace(/https?:\/\/\S*\/(?:mot-de-passe\/definir|mon-espace\/lien|mon-espace\/questionnaires)\/[\w-]+/g, MASKED_LINK)
    .replace(/^(\s*)\d{6}(\s*)$/gm, `$1${MASKED_CODE}$2`);
}
