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
