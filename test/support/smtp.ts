import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { startTestApp, type TestContext } from './app';
import { buildWorld, type World } from '../factories/world';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

/** A real SMTP server in the test process: mails go over the wire and arrive here. */
export async function startSmtpServer(): Promise<{ port: number; mails: ReceivedMail[]; stop(): Promise<void> }> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return { port, mails, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Undoes quoted-printable soft breaks and escapes, enough to read links and French text in a raw mail. */
export function decodeBody(raw: string): string {
  return raw.replace(/=\r?\n/g, '').replace(/(=[0-9A-F]{2})+/g, (m) => Buffer.from(m.replace(/=/g, ''), 'hex').toString('utf8'));
}

/**
 * The real app delivering its mails over SMTP to a server in the test process, with the world of
 * two landlords: what a test of mailed links and codes starts from.
 */
export async function startAppWithSmtp(
  env: Record<string, string> = {},
): Promise<{ ctx: TestContext; world: World; smtp: Awaited<ReturnType<typeof startSmtpServer>>; close(): Promise<void> }> {
  const smtp = await startSmtpServer();
  const ctx = await startTestApp({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port), MAIL_FROM: 'Entraide <ne-pas-repondre@entraide.test>', ...env });
  const world = await buildWorld(ctx.knex);
  return {
    ctx,
    world,
    smtp,
    close: async () => {
      await ctx.close();
      await smtp.stop();
    },
  };
}
