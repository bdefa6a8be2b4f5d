import type { Express } from 'express';
import type { Knex } from 'knex';
import request from 'supertest';
import type { Services } from '../../src/services';
import { type Agent, postForm } from './http';

/** The personal link in the last link mail sent to `email` (read from the outbox, as an inbox would): its path. */
export async function mailedLinkPath(knex: Knex, email: string): Promise<string> {
  const mail = await knex('mail_outbox')
    .where({ to_address: email, kind: 'household.link' })
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .first('text_body');
  const path = /https?:\/\/[^/\s]+(\/mon-espace\/lien\/[\w-]+)/.exec(mail?.text_body ?? '')?.[1];
  if (!path) throw new Error(`no household link mailed to ${email}`);
  return path;
}

/** The 6-digit code of the last household code mail sent to `email`. */
export async function mailedHouseholdCode(knex: Knex, email: string): Promise<string> {
  const mail = await knex('mail_outbox')
    .where({ to_address: email, kind: 'household.access_code' })
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .first('text_body');
  const code = /\n(\d{6})\n/.exec(mail?.text_body ?? '')?.[1];
  if (!code) throw new Error(`no household code mailed to ${email}`);
  return code;
}

/**
 * A browser-like agent inside the household space of `personId` (a current member of a household,
 * with an e-mail): a link made for them, the code asked and read from the outbox, typed. The whole
 * door, as the person goes through it.
 */
export async function householdAgent(ctx: { app: Express; knex: Knex; services: Services }, personId: string): Promise<Agent> {
  const person = await ctx.knex('persons').where({ id: personId }).first<{ email: string | null } | undefined>('email');
  if (!person?.email) throw new Error(`person ${personId} has no e-mail: no household link can reach them`);
  if (!(await ctx.services.householdSpace.access.issueFor(personId, 'staff'))) throw new Error(`person ${personId} is in no household`);
  const agent = request.agent(ctx.app);
  const link = await mailedLinkPath(ctx.knex, person.email);
  const sent = await postForm(agent, `${link}/code`, {}, link);
  if (sent.status !== 302) throw new Error(`asking a code failed with status ${sent.status}`);
  const code = await mailedHouseholdCode(ctx.knex, person.email);
  const entered = await postForm(agent, `${link}/verifier`, { accessCode: code }, link);
  if (entered.status !== 302 || entered.headers.location !== '/mon-espace') throw new Error(`the code was refused (status ${entered.status})`);
  return agent;
}
