import type { Response } from 'express';

/** Sends a file to download, with its name as the browser should save it. */
export function sendAttachment(res: Response, filename: string, contentType: string, data: Buffer): void {
  res.setHeader('Content-Type', contentType);
  // an ASCII name for old clients, the exact UTF-8 name for the others (RFC 6266): a header never carries raw UTF-8
  const ascii =
    filename
      .normalize('NFD')
      .replace(/[^\x20-\x7e]/g, '')
      .replace(/["\\]/g, '') || 'document';
  res.setHeader(
    'Content-Disposition',
    `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`,
  );
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.send(data);
}
