import type { FieldCipher } from '../shared/field-cipher';
import { UserRepository } from './repository';

/** The account store (users, their second-factor keys encrypted at rest): read by auth, users, notifications and the areas that mail people. */
export function createAccountsModule(deps: { cipher: FieldCipher }) {
  return { accounts: new UserRepository(deps.cipher) };
}
