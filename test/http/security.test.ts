import request from 'supertest';
import { startTestApp } from '../support/app';
import { useWorld } from '../support/world';
import { buildWorld } from '../factories/world';
import { $, csrfToken, loginAs } from '../support/http';

const t = useWorld();

describe('CSRF', () => {
  it('refuses a logged-in POST without a token with a French 403, and changes nothing', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.admin.email);
    const res = await agent.post('/admin/membres').type('form').send({ kind: 'landlord', name: 'Sans jeton', siren: '412345670' });
    expect(res.status).toBe(403);
    expect($(res.text)('h1').text()).toBe('Accès refusé');
    expect(await t.ctx.knex('organisations').where({ name: 'Sans jeton' }).first()).toBeUndefined();
    expect(t.ctx.logs.some((l) => l.includes('security.csrf_rejected'))).toBe(true);
  });

  it('refuses a token from another session', async () => {
    const other = await loginAs(t.ctx.app, t.world.users.operator.email);
    const foreignToken = await csrfToken(other, '/');
    const agent = await loginAs(t.ctx.app, t.world.users.admin.email);
    const res = await agent.post(`/utilisateurs/${t.world.users.instructorA.id}/desactiver`).type('form').send({ _csrf: foreignToken });
    expect(res.status).toBe(403);
    const user = await t.ctx.knex('users').where({ id: t.world.users.instructorA.id }).first('status');
    expect(user.status).toBe('active');
  });

  it('accepts the token in the X-CSRF-Token header (htmx)', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.admin.email);
    const token = await csrfToken(agent, '/');
    const res = await agent.post(`/utilisateurs/${t.world.users.instructorA.id}/envoyer-lien`).set('X-CSRF-Token', token).type('form').send({});
    expect(res.status).toBe(302);
  });

  it('refuses the login form without a token', async () => {
    const res = await request(t.ctx.app).post('/connexion').type('form').send({ email: t.world.users.admin.email, password: 'x' });
    expect(res.status).toBe(403);
  });
});

describe('security headers', () => {
  it('sends a strict Content-Security-Policy without unsafe-inline on every page', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.admin.email);
    for (const path of ['/connexion', '/', '/admin/membres', '/utilisateurs', '/page-inexistante']) {
      const res = await (path === '/connexion' ? request(t.ctx.app) : agent).get(path);
      const csp = res.headers['content-security-policy'];
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toContain('unsafe-eval');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('same-origin');
      expect(res.headers['cache-control']).toBe('no-store');
    }
  });

  it('has no inline script or style attribute in the pages', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.admin.email);
    for (const path of ['/', '/admin/membres', `/admin/membres/${t.world.landlordA.id}`, '/utilisateurs', `/utilisateurs/${t.world.users.adminA.id}`]) {
      const page = $((await agent.get(path)).text);
      page('script').each((_i, el) => {
        expect(page(el).attr('src')).toMatch(/^\/(vendor|public)\//);
      });
      expect(page('[style]').length).toBe(0);
      expect(page('[onclick],[onload],[onsubmit]').length).toBe(0);
    }
  });

  it('serves Bootstrap and htmx locally', async () => {
    expect((await request(t.ctx.app).get('/vendor/bootstrap/css/bootstrap.min.css')).status).toBe(200);
    const htmx = await request(t.ctx.app).get('/vendor/htmx/htmx.min.js');
    expect(htmx.status).toBe(200);
    expect(htmx.text).toContain('htmx');
  });

  it('does not say it is Express', async () => {
    const res = await request(t.ctx.app).get('/connexion');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});

describe('error pages', () => {
  it('answers an unknown page with a French 404', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.operator.email);
    const res = await agent.get('/nulle-part');
    expect(res.status).toBe(404);
    expect($(res.text)('h1').text()).toBe('Page introuvable');
  });

  it('escapes what people type (stored XSS renders inert)', async () => {
    await t.ctx.knex('organisations').where({ id: t.world.landlordA.id }).update({ city: '<script>alert(1)</script>' });
    const agent = await loginAs(t.ctx.app, t.world.users.admin.email);
    const res = await agent.get(`/admin/membres/${t.world.landlordA.id}`);
    expect(res.text).not.toContain('<script>alert(1)</script>');
    expect(res.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('answers malformed or oversized bodies with a French 4xx, never a 500', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.admin.email);
    const token = await csrfToken(agent, '/');
    const big = await agent
      .post('/admin/membres')
      .set('X-CSRF-Token', token)
      .type('form')
      .send(`name=${'x'.repeat(300_000)}`);
    expect(big.status).toBe(413);
    const json = await agent.post('/admin/membres').set('X-CSRF-Token', token).set('Content-Type', 'application/json').send('{"broken');
    expect(json.status).toBe(400);
  });
});

describe('a server error', () => {
  it('shows a French 500 page with only the request id, and logs the stack with it', async () => {
    const broken = await startTestApp();
    const org = await buildWorld(broken.knex);
    const agent = await loginAs(broken.app, org.users.admin.email);
    await broken.knex.raw('alter table organisations rename to organisations_gone');
    const res = await agent.get('/admin/membres');
    expect(res.status).toBe(500);
    const requestId = res.headers['x-request-id'];
    expect($(res.text)('.request-id').text()).toBe(requestId);
    expect(res.text).not.toContain('organisations_gone');
    const line = broken.logs.find((l) => l.includes('unhandled error'));
    expect(line).toContain(requestId);
    expect(line).toContain('stack');
    await broken.close();
  });
});
