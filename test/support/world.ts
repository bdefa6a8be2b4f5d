import { buildWorld, type World } from '../factories/world';
import { startTestApp, type TestContext } from './app';

/**
 * Registers beforeAll/afterAll for a test file: the real app on a fresh database holding the
 * small authorisation world (association roles, two landlords). Read `t.ctx` and `t.world` in tests.
 */
export function useWorld(env: Record<string, string> = {}): { readonly ctx: TestContext; readonly world: World } {
  const holder = {} as { ctx: TestContext; world: World };
  beforeAll(async () => {
    holder.ctx = await startTestApp(env);
    holder.world = await buildWorld(holder.ctx.knex);
  });
  afterAll(() => holder.ctx.close());
  return holder;
}
