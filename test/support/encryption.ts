import type { Services } from '../../src/services';
import { FieldCipher } from '../../src/shared/field-cipher';

/** The cipher the app under test encrypts with: tests reading raw rows decrypt or hash with it. */
export function cipherOf(services: Pick<Services, 'config'>): FieldCipher {
  return new FieldCipher(services.config.dataEncryption);
}
