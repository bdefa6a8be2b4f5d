import { createServices } from '../../src/services';
import { describeIdentity, DEMO_SUBJECT, selfSignedIdentity } from '../../src/e-signature/signer';
import { startTestApp, TEST_NOW, type TestContext } from '../support/app';

/** The association's signing certificate: configured (SIGNING_P12_*), or made once for the demonstration and kept. */
describe('without SIGNING_P12_*: the demonstration certificate', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await startTestApp();
  });
  afterAll(() => ctx.close());

  test('is made at first use, kept encrypted at rest, and the same after a restart', async () => {
    const first = describeIdentity(await ctx.services.consentSignatures.identity());
    expect(first.subject).toBe(DEMO_SUBJECT);
    const row = await ctx.knex('signing_keys').where({ name: 'demo' }).first();
    expect(row.fingerprint_sha256).toBe(first.fingerprintSha256);
    const blob = await ctx.knex('blobs').where({ id: row.p12_blob_id }).first();
    expect(Buffer.from(blob.data).subarray(0, 3).toString('latin1')).toBe('ENC');
    // another process on the same database (a restart): the same certificate
    const restarted = createServices(ctx.db, ctx.services.config, ctx.clock, ctx.services.logger);
    expect(describeIdentity(await restarted.consentSignatures.identity()).fingerprintSha256).toBe(first.fingerprintSha256);
    expect(await ctx.knex('signing_keys')).toHaveLength(1);
  });
});

describe('with SIGNING_P12_BASE64', () => {
  const configured = selfSignedIdentity(TEST_NOW, 'phrase secrète', 'Association Entraide — cachet');
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await startTestApp({ SIGNING_P12_BASE64: configured.p12.toString('base64'), SIGNING_P12_PASSPHRASE: 'phrase secrète' });
  });
  afterAll(() => ctx.close());

  test('signs with the configured certificate and makes none', async () => {
    const used = describeIdentity(await ctx.services.consentSignatures.identity());
    expect(used).toEqual(describeIdentity(configured));
    expect(await ctx.knex('signing_keys')).toHaveLength(0);
  });
});
