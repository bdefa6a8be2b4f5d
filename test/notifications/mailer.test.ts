import { startTestApp, type TestContext } from '../support/app';
import { loginAs, postForm, $ } from '../support/http';
import { buildWorld, type World } from '../factories/world';

describe('mail outbox without SMTP (development default)', () => {
  let ctx: TestContext;
  let world: World;
  beforeAll(async () => {
    ctx = await startTestApp();
    world = await buildWorld(ctx.knex);
  });
  afterAll(() => ctx.close());

  it('stores the mail and shows it to association admins only', async () => {
    const admin = await loginAs(ctx.app, world.users.admin.email);
    await postForm(admin, `/utilisateurs/${world.users.instructorA.id}/envoyer-lien`, {}, `/utilisateurs/${world.users.instructorA.id}`);
    const mail = await ctx.knex('mail_outbox').where({ to_address: world.users.instructorA.email }).first();
    expect(mail.status).toBe('stored');
    const list = $((await admin.get('/admin/courriels')).text);
    expect(list('tbody').text()).toContain(world.users.instructorA.email);
    expect(list('.alert-info').text()).toContain('Aucun serveur SMTP');
    const show = $((await admin.get(`/admin/courriels/${mail.id}`)).text);
    expect(show('.mail-body').text()).toContain('/mot-de-passe/definir/');
    const landlordAdmin = await loginAs(ctx.app, world.users.adminA.email);
    expect((await landlordAdmin.get(`/admin/courriels/${mail.id}`)).status).toBe(403);
  });
});

describe('mail delivery failure', () => {
  let ctx: TestContext;
  let world: World;
  beforeAll(async () => {
    // nothing listens on this port: the SMTP connection is refused
    ctx = await startTestApp({ SMTP_HOST: '127.0.0.1', SMTP_PORT: '1' });
    world = await buildWorld(ctx.knex);
  });
  afterAll(() => ctx.close());

  it('records the failure on the mail, keeps the change, and never shows an error to the user', async () => {
    const admin = await loginAs(ctx.app, world.users.admin.email);
    const res = await postForm(admin, `/utilisateurs/${world.users.operator.id}/envoyer-lien`, {}, `/utilisateurs/${world.users.operator.id}`);
    expect(res.status).toBe(302);
    const mail = await ctx.knex('mail_outbox').where({ to_address: world.users.operator.email }).first();
    expect(mail.status).toBe('failed');
    expect(mail.attempts).toBe(1);
    expect(mail.last_error).toBeTruthy();
    expect(await ctx.knex('password_tokens').where({ user_id: world.users.operator.id }).first()).toBeTruthy();
  });
});
