/**
 * The type of an uploaded file from its first bytes, never from its name or the browser's claim
 * (ASVS 12.2.1). Three signatures are all we accept: PDF, JPEG, PNG.
 */
export type AcceptedType = 'application/pdf' | 'image/jpeg' | 'image/png';

const SIGNATURES: Array<[AcceptedType, number[]]> = [
  ['application/pdf', [0x25, 0x50, 0x44, 0x46, 0x2d]], // %PDF-
  ['image/jpeg', [0xff, 0xd8, 0xff]],
  ['image/png', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
];

export function sniffType(data: Buffer): AcceptedType | null {
  for (const [type, magic] of SIGNATURES) {
    if (data.length >= magic.length && magic.every((b, i) => data[i] === b)) return type;
  }
  return null;
}

export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

/** A file name kept for display and download: letters, digits and a few signs, 120 characters at most. */
export function safeFilename(name: string, fallback = 'document'): string {
  return name.replace(/[^\p{L}\p{N} ._()’'-]/gu, '_').slice(0, 120) || fallback;
}

/**
 * The checked type of an uploaded file, or why it is refused, in French: empty, or not a PDF, JPEG
 * or PNG by its content (whatever its name says). One rule for documents and message attachments.
 */
export function uploadProblem(file: { originalname: string; buffer: Buffer }): { type: AcceptedType } | { problem: string } {
  if (file.buffer.length === 0) return { problem: `« ${safeFilename(file.originalname)} » est vide` };
  const type = sniffType(file.buffer);
  return type
    ? { type }
    : { problem: `« ${safeFilename(file.originalname)} » n’est ni un PDF, ni une image JPEG ou PNG (son contenu a été vérifié, pas seulement son nom)` };
}
