import { useWorld } from '../support/world';
import { onPostgres } from '../support/database';
import { actorOf } from '../../src/http/current-user';
import { ConflictError, NotFoundError } from '../../src/shared/errors';
import { PasswordTokenRepository } from '../../src/auth/tokens';

/**
 * Races that matter: one-time links used twice at once, two people saving the same record.
 * Meaningful on PostgreSQL (row locks between connections); CI always runs them there.
 * On PGlite (one connection) the same calls run one after the other and must give the same result.
 */
const t = useWorld();

const asActor = async (userId: string) => {
  const user = await t.ctx.services.auth.sessionUser(userId);
  if (!user) throw new Error('no user');
  return actorOf(user, '127.0.0.1', 'test');
};

describe(`concurrent requests (${onPostgres() ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('a one-time password link used twice at the same moment sets the password once', async () => {
    const token = await new PasswordTokenRepository().issue(t.ctx.knex, t.world.users.operator.id, 'reset', t.ctx.clock.now(), null);
    const results = await Promise.allSettled([
      t.ctx.services.auth.setPasswordWithToken(token, { newPassword: 'premier mot de passe', confirmPassword: 'premier mot de passe' }),
      t.ctx.services.auth.setPasswordWithToken(token, { newPassword: 'second mot de passe!', confirmPassword: 'second mot de passe!' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(NotFoundError);
    const audits = await t.ctx.knex('audit_events').where({ entity_id: t.world.users.operator.id, action: 'user.password_reset' });
    expect(audits).toHaveLength(1);
  });

  it('two admins saving the same user from the same version: one wins, the other gets a conflict', async () => {
    const admin = await asActor(t.world.users.admin.id);
    const adminA = await asActor(t.world.users.adminA.id);
    const current = await t.ctx.knex('users').where({ id: t.world.users.instructorA.id }).first();
    const base = {
      firstName: current.first_name,
      lastName: current.last_name,
      email: current.email,
      role: current.role,
      agencyRestricted: false,
      version: current.version,
    };
    const results = await Promise.allSettled([
      t.ctx.services.users.update(admin, current.id, { ...base, lastName: 'Première' }),
      t.ctx.services.users.update(adminA, current.id, { ...base, lastName: 'Seconde' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    const after = await t.ctx.knex('users').where({ id: current.id }).first();
    expect(after.version).toBe(current.version + 1);
    expect(await t.ctx.knex('audit_events').where({ entity_id: current.id, action: 'user.updated' })).toHaveLength(1);
  });
});
