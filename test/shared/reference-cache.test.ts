import { ReferenceCache } from '../../src/shared/reference-cache';
import { startTestApp, type TestContext } from '../support/app';
import { buildWorld, type World } from '../factories/world';
import { insertOrganisation } from '../factories/organisation';
import { $, loginAs, postForm } from '../support/http';

describe('ReferenceCache', () => {
  it('reads a list once within its time limit, then again once it has passed', async () => {
    let now = 0;
    const cache = new ReferenceCache({ ttlMs: 30_000, now: () => now });
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.get('k', ['organisation'], load)).toBe(1);
    now = 29_999;
    expect(await cache.get('k', ['organisation'], load)).toBe(1);
    now = 30_001;
    expect(await cache.get('k', ['organisation'], load)).toBe(2);
  });

  it('drops the entries made of an entity type when such an entity changes, and only those', async () => {
    const cache = new ReferenceCache({ ttlMs: 30_000, now: () => 0 });
    let loads = 0;
    const load = async () => ++loads;
    await cache.get('landlords', ['organisation'], load);
    await cache.get('aid-types', ['aid_type'], load);
    cache.changed('organisation');
    expect(await cache.get('landlords', ['organisation'], load)).toBe(3);
    expect(await cache.get('aid-types', ['aid_type'], load)).toBe(2);
  });

  it('does not keep a failed read', async () => {
    const cache = new ReferenceCache({ ttlMs: 30_000, now: () => 0 });
    await expect(cache.get('k', [], async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cache.get('k', [], async () => 'up')).toBe('up');
  });

  it('reads every time when its time limit is zero', async () => {
    const cache = new ReferenceCache({ ttlMs: 0 });
    let loads = 0;
    await cache.get('k', [], async () => ++loads);
    expect(await cache.get('k', [], async () => ++loads)).toBe(2);
  });
});

describe('reference lists of the pages, kept a while per process', () => {
  let ctx: TestContext;
  let world: World;
  beforeAll(async () => {
    ctx = await startTestApp({ REFERENCE_CACHE_SECONDS: '300' });
    world = await buildWorld(ctx.knex);
  });
  afterAll(() => ctx.close());

  const landlordFilter = async (agent: Awaited<ReturnType<typeof loginAs>>) => {
    const page = $((await agent.get('/instruction')).text);
    return page('#bailleur option')
      .map((_i, o) => page(o).text().trim())
      .get();
  };

  it('are kept: a landlord written behind the services’ back does not show before the time limit', async () => {
    const operator = await loginAs(ctx.app, world.users.operator.email);
    expect(await landlordFilter(operator)).toContain('Bailleur Alpha');
    await insertOrganisation(ctx.knex, { kind: 'landlord', name: 'Bailleur Hors Application' });
    expect(await landlordFilter(operator)).not.toContain('Bailleur Hors Application');
  });

  it('show a landlord created through the extranet at once', async () => {
    const operator = await loginAs(ctx.app, world.users.operator.email);
    await landlordFilter(operator);
    const admin = await loginAs(ctx.app, world.users.admin.email);
    const created = await postForm(
      admin,
      '/admin/membres',
      { kind: 'landlord', name: 'Habitat Nouveau', siren: '398765438', city: 'Lyon' },
      '/admin/membres/nouveau',
    );
    expect(created.status).toBe(302);
    expect(await landlordFilter(operator)).toContain('Habitat Nouveau');
  });
});
