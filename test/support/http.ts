import * as cheerio from 'cheerio';
import type { Express } from 'express';
import request from 'supertest';
import { TEST_PASSWORD } from '../factories/user';

export type Agent = ReturnType<typeof request.agent>;

/** The CSRF token of a page (the layout's meta tag, or the first form's hidden field). */
export async function csrfToken(agent: Agent, path = '/connexion'): Promise<string> {
  const res = await agent.get(path);
  const $ = cheerio.load(res.text);
  const token = $('meta[name="csrf-token"]').attr('content') || $('input[name="_csrf"]').first().attr('value');
  if (!token) throw new Error(`no CSRF token on ${path} (status ${res.status})`);
  return token;
}

/** Posts a form the way a browser does: urlencoded, with the page's CSRF token. */
export async function postForm(agent: Agent, path: string, fields: Record<string, string>, tokenFrom = path) {
  const token = await csrfToken(agent, tokenFrom);
  return agent
    .post(path)
    .type('form')
    .send({ _csrf: token, ...fields });
}

/** The words of the page a POST refused for its CSRF token gets (src/http/errors.ts). */
export const CSRF_REFUSAL = 'ne provient pas d’Entraide';

const keptTokens = new WeakMap<Agent, string>();

/**
 * Posts a form like postForm, with the agent's CSRF token read once from `tokenFrom` and kept (the
 * token is bound to the session, so it stays valid while the session does): a page render less per
 * post. Should the token have gone stale (a new session), the refusal is never taken for the
 * answer: the token is read again and the form posted once more, as postForm would have.
 */
export async function postFormKeepingToken(agent: Agent, path: string, fields: Record<string, string>, tokenFrom: string) {
  const send = (token: string) =>
    agent
      .post(path)
      .type('form')
      .send({ _csrf: token, ...fields });
  const kept = keptTokens.get(agent);
  if (kept !== undefined) {
    const res = await send(kept);
    if (!(res.status === 403 && res.text.includes(CSRF_REFUSAL))) return res;
  }
  const token = await csrfToken(agent, tokenFrom);
  keptTokens.set(agent, token);
  return send(token);
}

/** A logged-in browser-like agent. */
export async function loginAs(app: Express, email: string, password = TEST_PASSWORD): Promise<Agent> {
  const agent = request.agent(app);
  const res = await postForm(agent, '/connexion', { email, password });
  if (res.status !== 302) throw new Error(`login of ${email} failed with status ${res.status}`);
  return agent;
}

export const $ = (html: string) => cheerio.load(html);

/** Text of a field's inline error, by field name. */
export function fieldError(html: string, name: string): string {
  return cheerio.load(html)(`#${name}-error`).text().replace('Erreur :', '').trim();
}

/** GETs a download and keeps its body as bytes (PDF, XLSX, CSV with its BOM). */
export async function download(agent: Agent, path: string) {
  const res = await agent
    .get(path)
    .buffer(true)
    .parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
  return { status: res.status, headers: res.headers, body: res.body as Buffer };
}
