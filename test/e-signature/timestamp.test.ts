import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { requestTimestamp } from '../../src/e-signature/tsa';
import { urls } from '../../src/urls';
import { insertAidTypes } from '../../seeds/demo';
import { startTestApp, type TestContext } from '../support/app';
import { buildWorld, type World } from '../factories/world';
import { insertHousehold, insertPerson } from '../factories/household';
import { insertDraftRequest } from '../factories/request';
import { householdAgent } from '../support/household';
import { download, loginAs, postForm } from '../support/http';
import { mailedSignatureCode, pdfsig } from './helpers';

/**
 * RFC 3161: with SIGNING_TSA_URL set, the signed PDF's digest is timestamped and the token kept in
 * the evidence. The TSA is a local one: a certificate made here with openssl, a small HTTP server
 * answering each query with `openssl ts -reply`.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'entraide-tsa-'));
const sh = (args: string[], input?: Buffer) => execFileSync('openssl', args, { cwd: dir, input, stdio: ['pipe', 'pipe', 'pipe'] });

function makeTsa(): void {
  fs.writeFileSync(
    path.join(dir, 'tsa.cnf'),
    [
      '[ tsa ]',
      'default_tsa = tsa1',
      '[ tsa1 ]',
      'serial = ./serial',
      'crypto_device = builtin',
      'signer_cert = ./tsa.crt',
      'signer_key = ./tsa.key',
      'signer_digest = sha256',
      'default_policy = 1.2.3.4.1',
      'digests = sha256',
      'accuracy = secs:1',
      'ordering = yes',
      'tsa_name = no',
      'ess_cert_id_chain = no',
      'ess_cert_id_alg = sha256',
      '[ v3_tsa ]',
      'basicConstraints = CA:FALSE',
      'keyUsage = critical, digitalSignature',
      'extendedKeyUsage = critical, timeStamping',
    ].join('\n'),
  );
  fs.writeFileSync(path.join(dir, 'serial'), '01\n');
  sh(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '30', '-subj', '/CN=Autorite de test']);
  sh(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'tsa.key', '-out', 'tsa.csr', '-subj', '/CN=Horodatage de test']);
  sh([
    'x509',
    '-req',
    '-in',
    'tsa.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'tsa.crt',
    '-days',
    '30',
    '-extfile',
    'tsa.cnf',
    '-extensions',
    'v3_tsa',
  ]);
}

let server: http.Server;
let tsaUrl: string;
let queries = 0;
beforeAll(async () => {
  makeTsa();
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      queries += 1;
      if (req.method !== 'POST' || req.headers['content-type'] !== 'application/timestamp-query') {
        res.statusCode = 400;
        return res.end();
      }
      const q = path.join(dir, `q${queries}.tsq`);
      const r = path.join(dir, `r${queries}.tsr`);
      fs.writeFileSync(q, Buffer.concat(chunks));
      sh(['ts', '-reply', '-config', 'tsa.cnf', '-queryfile', q, '-out', r]);
      res.setHeader('content-type', 'application/timestamp-reply');
      res.end(fs.readFileSync(r));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  tsaUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tsa`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const verifyToken = (token: Buffer, digestHex: string): string => {
  const file = path.join(dir, `t${Math.random().toString(36).slice(2)}.der`);
  fs.writeFileSync(file, token);
  return sh(['ts', '-verify', '-token_in', '-in', file, '-digest', digestHex, '-CAfile', 'ca.crt', '-untrusted', 'tsa.crt']).toString();
};

test('a digest timestamped by the TSA: a token openssl verifies against that digest, with its time', async () => {
  const digest = createHash('sha256').update('un document').digest();
  const stamp = await requestTimestamp(tsaUrl, digest);
  expect(stamp.genTime).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  expect(verifyToken(stamp.token, digest.toString('hex'))).toContain('Verification: OK');
  expect(() => verifyToken(stamp.token, createHash('sha256').update('un autre').digest('hex'))).toThrow();
});

describe('signing with SIGNING_TSA_URL set', () => {
  let ctx: TestContext;
  let world: World;
  beforeAll(async () => {
    ctx = await startTestApp({ SIGNING_TSA_URL: tsaUrl });
    world = await buildWorld(ctx.knex);
  });
  afterAll(() => ctx.close());

  test('the signed PDF’s digest is timestamped; the evidence keeps the token and the event', async () => {
    await insertAidTypes(ctx.knex);
    const aidTypeId = (await ctx.knex('aid_types').where({ code: 'AQ' }).first()).id;
    const email = 'horodatage@exemple.fr';
    const personId = await insertPerson(ctx.knex, { lastName: 'Horodate', firstNames: 'Léa', email });
    const householdId = (await insertHousehold(ctx.knex, world.landlordA.id, { members: [{ personId, relationship: 'holder' }] })).id;
    const requestId = await insertDraftRequest(ctx.knex, { organisationId: world.landlordA.id, householdId, aidTypeId, createdBy: world.users.instructorA.id });
    const landlord = await loginAs(ctx.app, world.users.instructorA.email);
    expect((await postForm(landlord, urls.requestConsentOnline(requestId), { signataire: personId }, urls.requestConsent(requestId))).status).toBe(302);
    const agent = await householdAgent(ctx, personId);
    expect((await postForm(agent, urls.householdConsentCode(requestId), { accord: 'on' }, urls.householdConsent(requestId))).status).toBe(302);
    const code = await mailedSignatureCode(ctx.knex, email);
    expect((await postForm(agent, urls.householdConsentSign(requestId), { code }, urls.householdConsent(requestId))).status).toBe(302);
    const sig = await ctx.knex('consent_signatures').where({ request_id: requestId }).first();
    expect(sig.timestamp_token).toBeTruthy();
    const document = await download(landlord, urls.requestConsentSignatureFile(requestId, sig.id, 'document.pdf'));
    expect(pdfsig(document.body)).toContain('Signature is Valid');
    const digest = createHash('sha256').update(document.body).digest('hex');
    const evidence = JSON.parse((await download(landlord, urls.requestConsentSignatureFile(requestId, sig.id, 'preuve.json'))).body.toString('utf8'));
    expect(evidence.timestamp.tsaUrl).toBe(tsaUrl);
    expect(evidence.signedDocument.sha256).toBe(digest);
    expect(verifyToken(Buffer.from(evidence.timestamp.tokenBase64, 'base64'), digest)).toContain('Verification: OK');
    expect(evidence.events.map((e: { kind: string }) => e.kind)).toContain('timestamped');
    expect(evidence.chain.valid).toBe(true);
  });
});
