import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'entraide-esign-'));
const tmp = (data: Buffer, ext: string) => {
  const file = path.join(dir, `${Math.random().toString(36).slice(2)}.${ext}`);
  fs.writeFileSync(file, data);
  return file;
};

/** The text of a PDF, by poppler's pdftotext. */
export function pdfText(pdf: Buffer): string {
  return execFileSync('pdftotext', ['-layout', tmp(pdf, 'pdf'), '-']).toString('utf8');
}

/** pdfsig's report on a PDF's signatures (certificate trust not checked: the demonstration certificate is self-signed). */
export function pdfsig(pdf: Buffer): string {
  try {
    return execFileSync('pdfsig', ['-nocert', tmp(pdf, 'pdf')], { stdio: ['ignore', 'pipe', 'pipe'] }).toString('utf8');
  } catch (e) {
    return String((e as { stdout?: Buffer }).stdout ?? '');
  }
}

/** The 6-digit code of the last signature code mail sent to `email`. */
export async function mailedSignatureCode(knex: Knex, email: string): Promise<string> {
  const mail = await knex('mail_outbox')
    .where({ to_address: email, kind: 'consent.signature_code' })
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .first('text_body');
  const code = /\n(\d{6})\n/.exec(mail?.text_body ?? '')?.[1];
  if (!code) throw new Error(`no signature code mailed to ${email}`);
  return code;
}
