import request from 'supertest';
import { startTestApp, type TestContext } from '../support/app';
import { $, loginAs } from '../support/http';
import { buildWorld, type World } from '../factories/world';

let ctx: TestContext;
let world: World;
beforeAll(async () => {
  ctx = await startTestApp();
  world = await buildWorld(ctx.knex);
});
afterAll(() => ctx.close());

describe('the favicon', () => {
  it('every page names an icon that the app serves, and /favicon.ico answers too (no 404 on each page)', async () => {
    const login = $((await request(ctx.app).get('/connexion')).text);
    const href = login('link[rel="icon"]').attr('href') as string;
    expect(href).toBe('/public/favicon.svg');
    const svg = await request(ctx.app).get(href);
    expect(svg.status).toBe(200);
    expect(svg.headers['content-type']).toMatch(/^image\/svg\+xml/);
    const ico = await request(ctx.app).get('/favicon.ico');
    expect(ico.status).toBe(200);
    expect(ico.headers['content-type']).toMatch(/^image\/(x-icon|vnd\.microsoft\.icon)/);
    expect(ico.headers['set-cookie']).toBeUndefined();
  });
});

describe('the 403 page', () => {
  it('says "Vous n’avez pas accès à cette page." with a typographic apostrophe and a full stop', async () => {
    const instructor = await loginAs(ctx.app, world.users.instructorA.email);
    const res = await instructor.get('/admin/membres');
    expect(res.status).toBe(403);
    const page = $(res.text);
    expect(page('h1').text()).toBe('Accès refusé');
    expect(page('main p').first().text()).toBe('Vous n’avez pas accès à cette page.');
  });
});

describe('the navigation', () => {
  it('is one list of links inside a menu that opens without JavaScript (<details>), with the account and the logout button', async () => {
    const admin = await loginAs(ctx.app, world.users.admin.email);
    const page = $((await admin.get('/')).text);
    const nav = page('nav[aria-label="Navigation principale"]');
    expect(nav.find('details.nav-menu > summary').text().trim()).toBe('Menu');
    expect(nav.find('details.nav-menu .nav-link').length).toBeGreaterThan(8);
    expect(nav.find('details.nav-menu button').text()).toBe('Se déconnecter');
  });
});
