/** A piece of a mail's text as the outbox shows it: plain text, or a link (http or https only). */
export interface BodySegment {
  text: string;
  href?: string;
}

const URL_CANDIDATE = /\bhttps?:\/\/[^\s<>"'«»]+/gi;
/** Punctuation that ends a sentence after a link rather than belonging to it. */
const TRAILING = /[.,;:!?)\]’]+$/;

/**
 * Splits a plain-text mail into text and links, so the outbox makes its links clickable without
 * ever rendering the mail as HTML: the template escapes every segment, and only absolute http(s)
 * URLs become links (no javascript:, data: or relative ones).
 */
export function bodySegments(text: string): BodySegment[] {
  const out: BodySegment[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_CANDIDATE)) {
    const start = match.index ?? 0;
    const candidate = match[0].replace(TRAILING, '');
    let href: string | null = null;
    try {
      const url = new URL(candidate);
      href = url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
    } catch {
      href = null;
    }
    if (!href || candidate === '') continue;
    if (start > last) out.push({ text: text.slice(last, start) });
    out.push({ text: candidate, href });
    last = start + candidate.length;
  }
  if (last < text.length) out.push({ text: text.slice(last) });
  return out;
}
