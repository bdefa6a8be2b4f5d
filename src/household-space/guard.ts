/** The guard of every non-public household page (see session.ts). */
export { requireHousehold } from './session';
