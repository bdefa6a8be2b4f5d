import { createHash } from 'node:crypto';
import request from 'supertest';
import type { TestContext } from '../support/app';
import { loginAs, postForm } from '../support/http';
import { decodeBody, startAppWithSmtp, type startSmtpServer } from '../support/smtp';
import type { World } from '../factories/world';

/**
 * ASVS 2.3.1: an invitation is a random one-time link, never an initial password; it expires after
 * 72 hours, and only its SHA-256 is kept.
 */
let ctx: TestContext;
let world: World;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ ctx, world, smtp, close } = await startAppWithSmtp());
});
afterAll(() => close());

const invite = async (email: string): Promise<string> => {
  const admin = await loginAs(ctx.app, world.users.admin.email);
  const res = await postForm(
    admin,
    '/utilisateurs',
    { organisationId: world.landlordA.id, firstName: 'Inès', lastName: 'Martin', email, role: 'landlord_instructor', agencyId: world.landlordA.agencyId },
    `/utilisateurs/nouveau?organisation=${world.landlordA.id}`,
  );
  expect(res.status).toBe(302);
  const mail = [...smtp.mails].reverse().find((m) => m.to.includes(email));
  const link = /http:\/\/entraide\.test(\/mot-de-passe\/definir\/([\w-]+))/.exec(decodeBody(mail?.raw ?? ''));
  if (!link?.[1] || !link[2]) throw new Error(`no invitation link mailed to ${email}`);
  return link[1];
};

describe('an invitation link', () => {
  it('opens until 72 hours after it was sent, then answers 404; the account has no password meanwhile', async () => {
    const link = await invite('ines.martin@alpha.test');
    const user = await ctx.knex('users').where({ email: 'ines.martin@alpha.test' }).first('id', 'password_hash');
    expect(user.password_hash).toBeNull();
    ctx.clock.advanceMinutes(72 * 60 - 1);
    expect((await request(ctx.app).get(link)).status).toBe(200);
    ctx.clock.advanceMinutes(2);
    const expired = await request(ctx.app).get(link);
    expect(expired.status).toBe(404);
    expect(expired.text).toContain('Ce lien n’est plus valable');
  });

  it('is random, different for each invitation, and stored only as its SHA-256', async () => {
    const first = (await invite('jade.petit@alpha.test')).split('/').pop() as string;
    const second = (await invite('lou.roux@alpha.test')).split('/').pop() as string;
    expect(first).not.toBe(second);
    expect(Buffer.from(first, 'base64url').length).toBeGreaterThanOrEqual(32);
    const stored = await ctx.knex('password_tokens').select('token_hash');
    expect(stored.map((r) => r.token_hash)).toEqual(expect.arrayContaining([createHash('sha256').update(first).digest('hex')]));
    expect(JSON.stringify(stored)).not.toContain(first);
  });
});
