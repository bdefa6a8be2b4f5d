import { AuditRepository } from '../../src/audit/repository';
import { AuditService } from '../../src/audit/service';
import { OrganisationRepository } from '../../src/organisations/repository';
import { systemClock } from '../../src/shared/clock';
import { ValidationError } from '../../src/shared/errors';
import { bootstrapAdmin } from '../../src/users/bootstrap-admin';
import { UserRepository } from '../../src/accounts/repository';
import { seedDemo, DEMO_PASSWORD } from '../../seeds/demo';
import { verifyPassword } from '../../src/auth/passwords';
import { createTestDatabase } from '../support/database';
import type { Database } from '../../src/db/database';

const deps = () => ({
  users: new UserRepository(),
  organisations: new OrganisationRepository(),
  audit: new AuditService({ repository: new AuditRepository(), clock: systemClock }),
  clock: systemClock,
});

describe('create-admin (command line)', () => {
  let db: Database;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.close());

  it('creates the association and its first administrator in an empty database, audited', async () => {
    const result = await bootstrapAdmin(db.knex, deps(), {
      email: 'Directrice@Association.fr',
      firstName: 'Anne',
      lastName: 'Roche',
      password: 'une longue phrase secrète',
      organisationName: 'Soli Asso',
    });
    expect(result.createdOrganisation).toBe(true);
    const user = await db.knex('users').where({ id: result.userId }).first();
    expect(user).toMatchObject({ email: 'directrice@association.fr', role: 'admin', status: 'active' });
    expect(await verifyPassword(user.password_hash, 'une longue phrase secrète')).toBe(true);
    const audit = await db.knex('audit_events').where({ entity_id: result.userId }).first();
    expect(audit.actor_label).toBe('Ligne de commande');
  });

  it('reuses the existing association and refuses a weak password or a taken e-mail', async () => {
    const second = await bootstrapAdmin(db.knex, deps(), {
      email: 'deux@association.fr',
      firstName: 'B',
      lastName: 'C',
      password: 'encore une phrase longue',
      organisationName: 'Autre',
    });
    expect(second.createdOrganisation).toBe(false);
    await expect(
      bootstrapAdmin(db.knex, deps(), { email: 'trois@association.fr', firstName: 'B', lastName: 'C', password: 'court', organisationName: 'x' }),
    ).rejects.toThrow(ValidationError);
    await expect(
      bootstrapAdmin(db.knex, deps(), {
        email: 'DEUX@association.fr',
        firstName: 'B',
        lastName: 'C',
        password: 'encore une phrase longue',
        organisationName: 'x',
      }),
    ).rejects.toThrow(/existe déjà/);
  });
});

describe('demo data', () => {
  let db: Database;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.close());

  it('creates the demo logins of every role, and only into an empty database', async () => {
    const logins = await seedDemo(db.knex);
    expect(logins.map((l) => l.email)).toEqual(
      expect.arrayContaining([
        'admin@asso.demo',
        'operateur@asso.demo',
        'conseiller@asso.demo',
        'auditeur@asso.demo',
        'admin@bailleur-a.demo',
        'instructeur@bailleur-a.demo',
        'admin@bailleur-b.demo',
        'instructeur@bailleur-b.demo',
      ]),
    );
    const hash = (await db.knex('users').where({ email: 'admin@asso.demo' }).first()).password_hash;
    expect(await verifyPassword(hash, DEMO_PASSWORD)).toBe(true);
    await expect(seedDemo(db.knex)).rejects.toThrow(/empty database/);
  });
});
