/** Names of the variables global setup hands to the test workers. */
export const RUN_ENV = 'ENTRAIDE_TEST_RUN';
export const TEMPLATE_ENV = 'ENTRAIDE_TEST_TEMPLATE';
export const PGLITE_DUMP_ENV = 'ENTRAIDE_TEST_PGLITE_DUMP';

/** The same server URL pointing at another database. */
export function databaseUrl(serverUrl: string, database: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Where to run CREATE/DROP DATABASE: the database named in TEST_DATABASE_URL itself. */
export function adminUrl(serverUrl: string): string {
  return serverUrl;
}
