import type { Knex } from 'knex';
import { authenticator } from 'otplib';
import request from 'supertest';
import type { Express } from 'express';
import { TEST_PASSWORD } from '../factories/user';
import { $, type Agent, postForm } from './http';
import type { FakeClock } from '../../src/shared/clock';

export const CODE_PAGE = '/connexion/second-facteur';
export const MAIL_CODE = '/connexion/second-facteur/code-courriel';

/** The TOTP code an authenticator app shows now (by the test's clock) for `key`. */
export const totp = (clock: FakeClock, key: string) => authenticator.clone({ epoch: clock.now().getTime() }).generate(key);

/** The 6-digit code of the last enrolment mail sent to `email` (read from the outbox, as an inbox would). */
export async function mailedCode(knex: Knex, email: string): Promise<string> {
  const mail = await knex('mail_outbox')
    .where({ to_address: email, kind: 'user.second_factor_code' })
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .first('text_body');
  const code = /\n(\d{6})\n/.exec(mail?.text_body ?? '')?.[1];
  if (!code) throw new Error(`no enrolment code mailed to ${email}`);
  return code;
}

export interface Enrolled {
  agent: Agent;
  /** the TOTP key, as shown on the enrolment page (type it into `totp`) */
  key: string;
  recoveryCodes: string[];
}

/**
 * The whole first login of a user whose role requires a second factor: password, code mailed,
 * key shown, first TOTP code, recovery codes noted. Returns the logged-in agent and the key.
 */
export async function enrolAndLogIn(ctx: { app: Express; knex: Knex; clock: FakeClock }, email: string, password = TEST_PASSWORD): Promise<Enrolled> {
  const agent = request.agent(ctx.app);
  const login = await postForm(agent, '/connexion', { email, password });
  if (login.headers.location !== CODE_PAGE) throw new Error(`login of ${email} did not ask for a second factor (${login.status} ${login.headers.location})`);
  const mail = await postForm(agent, MAIL_CODE, { code: await mailedCode(ctx.knex, email) }, CODE_PAGE);
  if (mail.status !== 302) throw new Error(`the mailed code of ${email} was refused (${mail.status})`);
  const key = $((await agent.get(CODE_PAGE)).text)('#totp-key')
    .text()
    .replace(/\s/g, '');
  if (!key) throw new Error(`no key shown to ${email}`);
  const done = await postForm(agent, CODE_PAGE, { code: totp(ctx.clock, key) }, CODE_PAGE);
  if (done.status !== 200) throw new Error(`enrolment of ${email} failed (${done.status})`);
  const recoveryCodes = $(done.text)('#recovery-codes li')
    .map((_i, el) => $(done.text)(el).text().trim())
    .get();
  await postForm(agent, '/mon-compte/codes-de-secours/notes', {}, '/mon-compte');
  return { agent, key, recoveryCodes };
}

/** A later login of an enrolled user: password then the current code. */
export async function logInWithCode(ctx: { app: Express; clock: FakeClock }, email: string, key: string, password = TEST_PASSWORD): Promise<Agent> {
  const agent = request.agent(ctx.app);
  const login = await postForm(agent, '/connexion', { email, password });
  if (login.headers.location !== CODE_PAGE) throw new Error(`login of ${email} did not ask for a code`);
  const res = await postForm(agent, CODE_PAGE, { code: totp(ctx.clock, key) }, CODE_PAGE);
  if (res.status !== 302) throw new Error(`code of ${email} refused (${res.status})`);
  return agent;
}

/**
 * The re-authentication fields of a sensitive form (ASVS 3.7.1): the password, and the current
 * code for a user who enrolled a key (`code`).
 */
export function withIdentity(fields: Record<string, string>, options: { password?: string; code?: string } = {}): Record<string, string> {
  return { ...fields, confirmPassword: options.password ?? TEST_PASSWORD, ...(options.code ? { confirmCode: options.code } : {}) };
}
