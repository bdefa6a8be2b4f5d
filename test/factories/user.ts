import type { Knex } from 'knex';
import { hashPassword } from '../../src/auth/passwords';
import type { Role } from '../../src/permissions';

export const TEST_PASSWORD = 'correct-horse-battery-staple';

let hashed: Promise<string> | null = null;
/** One argon2id hash per worker (hashing costs ~50 ms; tests log in often). */
export const testPasswordHash = (): Promise<string> => (hashed ??= hashPassword(TEST_PASSWORD));

let sequence = 0;

export interface UserOverrides {
  organisationId: string;
  role: Role;
  email?: string;
  firstName?: string;
  lastName?: string;
  status?: 'active' | 'deactivated';
  agencyId?: string | null;
  withPassword?: boolean;
}

export interface TestUser {
  id: string;
  email: string;
  organisationId: string;
  role: Role;
}

export async function insertUser(knex: Knex, o: UserOverrides): Promise<TestUser> {
  sequence += 1;
  const email = o.email ?? `utilisateur${sequence}.${o.role}@exemple.fr`;
  const [row] = await knex('users')
    .insert({
      organisation_id: o.organisationId,
      agency_id: o.agencyId ?? null,
      role: o.role,
      email,
      first_name: o.firstName ?? 'Camille',
      last_name: o.lastName ?? `Durand${sequence}`,
      password_hash: o.withPassword === false ? null : await testPasswordHash(),
      status: o.status ?? 'active',
    })
    .returning('id');
  return { id: (row as { id: string }).id, email, organisationId: o.organisationId, role: o.role };
}
