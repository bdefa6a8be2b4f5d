import { OrganisationRepository } from '../../src/organisations/repository';
import { SubjectExportRepository } from '../../src/rights/subject-export-repository';
import { createHash } from 'node:crypto';
import type { Express } from 'express';
import winston from 'winston';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { rotateKeys } from '../../src/db/rotate-key';
import { sepaBatches } from '../../src/jobs/definitions/sepa-batches';
import { validatePain001 } from '../../src/payments/sepa/xsd';
import { subjectExport } from '../../src/rights/subject-export';
import { createServices, type Services } from '../../src/services';
import { FieldCipher } from '../../src/shared/field-cipher';
import { formatIban } from '../../src/shared/iban';
import { UserRepository } from '../../src/accounts/repository';
import { MissionRepository } from '../../src/missions/repository';
import { insertHousehold } from '../factories/household';
import { acceptedMission, missionSetup } from '../factories/mission';
import { IBAN, actorOf, paymentSetup, ribFile } from '../factories/payment';
import { TEST_NOW } from '../support/app';
import { MANDATORY, fileRequest } from '../support/filing';
import { $, loginAs } from '../support/http';
import { useWorld } from '../support/world';

/**
 * ASVS 6.1.1 / 6.2: IBANs, second-factor keys and the association's notes are encrypted at rest
 * (AES-256-GCM, a key id per value) and IBAN lookups go through keyed hashes. After real journeys,
 * the rows hold none of them in clear while every page and file still shows them; a key rotation
 * (new key current, old one still readable) runs while the app keeps reading and matching IBANs.
 */
const K1 = `k1:${Buffer.alloc(32, 11).toString('base64')}`;
const K2 = `k2:${Buffer.alloc(32, 22).toString('base64')}`;
const t = useWorld({ DATA_ENCRYPTION_KEY: K1 });

const NOTE = 'Le bailleur signale des violences conjugales : ne pas contacter Monsieur';
const SUMMARY = 'Budget reconstitué avec Madame Durand, dossier de surendettement envisagé';
const PRIVATE = 'Madame évoque une dépression depuis le départ de son fils';
const ASSISTANCE = 'Corriger la date de naissance de Madame Durand : elle est née le 3 mars 1971';
const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const spaced = (iban: string) => formatIban(iban);

/** The tables whose rows contain a text (any text, json or binary column), to prove where a secret is stored in clear. */
async function tablesHolding(text: string): Promise<string[]> {
  const knex = t.ctx.knex;
  const columns = await knex('information_schema.columns')
    .where({ table_schema: 'public' })
    .whereIn('data_type', ['text', 'character varying', 'jsonb', 'json', 'bytea'])
    .select('table_name', 'column_name', 'data_type');
  const found = new Set<string>();
  for (const c of columns as Array<{ table_name: string; column_name: string; data_type: string }>) {
    if (found.has(c.table_name)) continue;
    const hit =
      c.data_type === 'bytea'
        ? await knex(c.table_name).whereRaw("position(convert_to(?, 'UTF8') in ??) > 0", [text, c.column_name]).first(knex.raw('1 as x'))
        : await knex(c.table_name)
            .whereRaw('??::text like ?', [c.column_name, `%${text}%`])
            .first(knex.raw('1 as x'));
    if (hit) found.add(c.table_name);
  }
  return [...found].sort();
}

/** The services and app of a replica configured with other keys, on the same database. */
function replica(env: Record<string, string>): Services {
  const config = loadConfig({
    NODE_ENV: 'test',
    SESSION_SECRET: 'test-secret-test-secret-test-secret-0123456789',
    BASE_URL: 'http://entraide.test',
    DATA_DIR: '/tmp/entraide-test-data',
    ...env,
  });
  return createServices(t.ctx.db, config, t.ctx.clock, winston.createLogger({ silent: true }));
}

const ids = {} as { aq: string; aeFirst: string; aeSecond: string; mission: string; batch: string; supplier: string; person: string };

/** A request filed by landlord A's instructor through the wizard, paid to a supplier: the association sees it submitted. */
async function supplierRequest(app: Express): Promise<string> {
  const landlord = await loginAs(app, t.world.users.instructorA.email);
  const householdId = (await insertHousehold(t.ctx.knex, t.world.landlordA.id)).id;
  const aeId = (await t.ctx.knex('aid_types').where({ code: 'AE' }).first('id')).id as string;
  return fileRequest(landlord, {
    householdId,
    aidTypeId: aeId,
    situation: { cause: 'income_drop', chargesRegularisation: '1 200' },
    amount: '350',
    payeeKind: 'supplier',
    payeeName: 'Énergie Solidaire SA',
    iban: spaced(IBAN.supplier),
    documents: MANDATORY.AE,
  });
}

describe('secrets at rest', () => {
  beforeAll(async () => {
    const { services, knex } = t.ctx;
    const { aqId, householdId } = await paymentSetup(services, knex, t.world); // debtor account, landlord A's account given and confirmed
    const operator = await actorOf(knex, t.world.users.operator.id);
    ids.supplier = await services.payees.createSupplier(
      operator,
      { name: 'Énergie Solidaire', holderName: 'Énergie Solidaire SA', iban: IBAN.supplier, bic: undefined },
      ribFile(),
    );

    // a request paid to landlord A, filed through the wizard, granted, its first instalment put in a SEPA batch
    const landlord = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    ids.aq = await fileRequest(landlord, { householdId, aidTypeId: aqId, amount: '900', months: '3', iban: spaced(IBAN.alpha), documents: MANDATORY.AQ });
    await services.instruction.assign(operator, [ids.aq], undefined);
    await services.instruction.addNote(operator, ids.aq, NOTE);
    const version = Number((await knex('aid_requests').where({ id: ids.aq }).first('version')).version);
    const outcome = await services.decisions.propose(operator, ids.aq, {
      kind: 'grant',
      amountCents: 90000,
      instalments: 3,
      firstDueDate: '2026-11-20',
      version,
    } as never);
    if (outcome !== 'applied')
      await services.decisions.validate(await actorOf(knex, t.world.users.admin.id), ids.aq, { outcome: 'approve', version: version + 1 } as never);
    expect(await services.jobs.run(sepaBatches, services, { userId: null, label: 'Planificateur' }, '2026-11-20')).toMatchObject({
      status: 'succeeded',
      counts: { batches: 1, payments: 1 },
    });
    ids.batch = (await knex('payment_batches').first('id')).id as string;

    // two households paid to the same supplier IBAN: the classic fraud path the instructor is warned of
    ids.aeFirst = await supplierRequest(t.ctx.app);
    ids.aeSecond = await supplierRequest(t.ctx.app);

    // a support mission with a session's summary and private notes
    const setup = await missionSetup(services, knex, t.world);
    ids.mission = await acceptedMission(services, knex, t.world, setup);
    await services.missions.recordSession(await actorOf(knex, t.world.users.social_adviser.id), ids.mission, {
      heldOn: '2026-11-21',
      durationMinutes: 60,
      kind: 'home_visit',
      participants: 'Léa Durand',
      summary: SUMMARY,
      privateNotes: PRIVATE,
      nextSteps: 'Rendez-vous à la Banque de France',
    });
    // a request to the assistance desk whose message names a person
    await services.assistance.open(
      await actorOf(knex, t.world.users.instructorA.id),
      { category: 'data_correction', subject: 'Correction', message: ASSISTANCE },
      [],
    );
    ids.person = (await knex('household_members').where({ household_id: setup.householdA, relationship: 'holder' }).first('person_id')).person_id as string;

    // an administrator enrols a second factor
    expect(
      await new UserRepository(new FieldCipher(services.config.dataEncryption)).enableSecondFactor(knex, t.world.users.admin.id, TOTP_SECRET, 1, TEST_NOW),
    ).toBe(true);
  });

  it('stores no IBAN, note, session text nor second-factor key in clear in the rows that hold them', async () => {
    const { knex } = t.ctx;
    const rows = {
      aid_requests: await knex('aid_requests').whereIn('id', [ids.aq, ids.aeFirst, ids.aeSecond]).select('payee_iban', 'payee_iban_hash'),
      payments: await knex('payments').where({ request_id: ids.aq }).select('payee_iban'),
      bank_accounts: await knex('bank_accounts').select('iban', 'iban_hash'),
      debtor_accounts: await knex('debtor_accounts').select('iban', 'iban_hash'),
      payment_batch_items: await knex('payment_batch_items').select('iban'),
      mission_sessions: await knex('mission_sessions').select('summary', 'private_notes'),
      request_events: await knex('request_events').where({ request_id: ids.aq, visibility: 'internal' }).select('message'),
      users: await knex('users').whereNotNull('totp_secret').select('totp_secret'),
      assistance_events: await knex('assistance_events').select('message'),
    };
    for (const [table, list] of Object.entries(rows)) {
      expect([table, list.length > 0]).toEqual([table, true]);
      const raw = JSON.stringify(list);
      for (const secret of [...Object.values(IBAN), ...Object.values(IBAN).map(spaced), NOTE, SUMMARY, PRIVATE, TOTP_SECRET, ASSISTANCE])
        expect([table, raw.includes(secret)]).toEqual([table, false]);
      for (const row of list as Array<Record<string, string | null>>) {
        for (const [column, value] of Object.entries(row)) {
          if (value === null) continue;
          expect([table, column, value]).toEqual([
            table,
            column,
            column.endsWith('_hash') ? expect.stringMatching(/^k1:[0-9a-f]{64}$/) : expect.stringMatching(/^enc:v1:k1:[A-Za-z0-9_-]+$/),
          ]);
        }
      }
    }
    // nowhere else in the database either: the audit trail keeps IBANs masked, stored files (RIBs, the pain.001) are encrypted
    expect(await tablesHolding(IBAN.alpha)).toEqual([]);
    expect(await tablesHolding(IBAN.supplier)).toEqual([]);
    expect(await tablesHolding(IBAN.debtor)).toEqual([]);
    for (const text of [spaced(IBAN.alpha), NOTE, SUMMARY, PRIVATE, TOTP_SECRET]) expect([text, await tablesHolding(text)]).toEqual([text, []]);
  });

  it('shows every value in clear where a page or a file shows it: requests, timeline, accounts, batch, pain.001, mission, subject-access export, second factor', async () => {
    const { app, knex, services } = t.ctx;
    const operator = await loginAs(app, t.world.users.operator.email);
    const request = $((await operator.get(`/demandes/${ids.aq}`)).text)('main').text();
    expect(request).toContain(spaced(IBAN.alpha));
    expect(request).toContain(NOTE); // the internal note, on the summary tab
    expect($((await operator.get('/admin/beneficiaires')).text)('main').text()).toContain(spaced(IBAN.supplier));
    expect($((await operator.get(`/paiements/lots/${ids.batch}`)).text)('main').text()).toContain(spaced(IBAN.alpha));
    const admin = await loginAs(app, t.world.users.admin.email);
    expect($((await admin.get('/admin/comptes-emetteurs')).text)('main').text()).toContain(spaced(IBAN.debtor));
    const landlordAdmin = await loginAs(app, t.world.users.adminA.email);
    expect($((await landlordAdmin.get('/comptes-bancaires')).text)('main').text()).toContain('FR76 •••• •••• •••• •••• ••90 189');

    const batch = await knex('payment_batches').where({ id: ids.batch }).first();
    const xml = ((await t.ctx.services.blobs.get(knex, batch.file_blob_id))?.data ?? Buffer.alloc(0)).toString('utf8');
    expect(xml).toContain(`<IBAN>${IBAN.alpha}</IBAN>`);
    expect(xml).toContain(`<IBAN>${IBAN.debtor}</IBAN>`);
    expect(await validatePain001(xml)).toEqual({ valid: true, errors: [] });
    expect((await services.batches.get(await actorOf(knex, t.world.users.operator.id), ids.batch)).items.map((i) => i.iban)).toEqual([IBAN.alpha]);

    const adviser = await loginAs(app, t.world.users.social_adviser.email);
    const mission = $((await adviser.get(`/accompagnement/${ids.mission}`)).text)('main').text();
    expect(mission).toContain(SUMMARY);
    expect(mission).toContain(PRIVATE);
    const exported = JSON.stringify(
      await subjectExport(
        knex,
        new FieldCipher(services.config.dataEncryption),
        ids.person,
        TEST_NOW,
        new SubjectExportRepository(new OrganisationRepository()),
      ),
    );
    expect(exported).toContain(SUMMARY);
    expect(exported).not.toContain(PRIVATE);
    expect((await new UserRepository(new FieldCipher(services.config.dataEncryption)).secondFactor(knex, t.world.users.admin.id)).secret).toBe(TOTP_SECRET);
  });

  it('warns the instructor of the same IBAN on another household’s request, through the keyed hash', async () => {
    const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
    const first = (await t.ctx.knex('aid_requests').where({ id: ids.aeFirst }).first('reference')).reference as string;
    const page = $((await operator.get(`/demandes/${ids.aeSecond}`)).text)('main').text();
    expect(page).toContain('Le même IBAN reçoit déjà des aides pour d’autres ménages');
    expect(page).toContain(first);
  });

  it('rotates to a new key without stopping: both keys read meanwhile, same-IBAN found across keys, every row under the new key after rotate-key, a second run changes nothing', async () => {
    const { knex } = t.ctx;
    const rotated = replica({ DATA_ENCRYPTION_KEY: K2, DATA_ENCRYPTION_OLD_KEYS: K1 });
    const cipher = new FieldCipher(rotated.config.dataEncryption);
    const app = createApp(rotated);

    // during the rotation: a new request with the same supplier IBAN is written under k2 and matches both older ones (k1)
    const third = await supplierRequest(app);
    expect((await knex('aid_requests').where({ id: third }).first('payee_iban')).payee_iban).toMatch(/^enc:v1:k2:/);
    const operator = await loginAs(app, t.world.users.operator.email);
    const during = $((await operator.get(`/demandes/${third}`)).text)('main').text();
    const references = await knex('aid_requests').whereIn('id', [ids.aeFirst, ids.aeSecond]).pluck('reference');
    for (const reference of references) expect(during).toContain(reference);
    // the old replica (k1 only, not restarted yet) would fail on k2 values: the message names the key to add
    await expect(t.ctx.services.aidRequests.get(await actorOf(knex, t.world.users.operator.id), third)).rejects.toThrow(/« k2 ».*DATA_ENCRYPTION_OLD_KEYS/);

    // a grant paid to the supplier finds its payee by the IBAN's hash written under k1
    const op = await actorOf(knex, t.world.users.operator.id);
    await rotated.instruction.assign(op, [ids.aeSecond], undefined);
    const version = Number((await knex('aid_requests').where({ id: ids.aeSecond }).first('version')).version);
    expect(
      await rotated.decisions.propose(op, ids.aeSecond, { kind: 'grant', amountCents: 35000, instalments: 1, firstDueDate: '2026-12-07', version } as never),
    ).toBe('applied');
    expect(await knex('payments').where({ request_id: ids.aeSecond }).pluck('payee_id')).toEqual([ids.supplier]);
    expect(await knex('payees').where({ kind: 'supplier' }).count('* as n').first()).toEqual({ n: '1' });

    const before = await snapshot(rotated);
    const counts = await rotateKeys(knex, cipher, { batchSize: 2 }); // small batches: several transactions per table
    expect(counts.find((c) => c.table === 'aid_requests')?.rewritten).toBeGreaterThanOrEqual(3);
    expect(counts.find((c) => c.table === 'payment_batch_items')?.rewritten).toBe(1);
    expect(counts.every((c) => c.skipped === 0)).toBe(true);

    // every encrypted value and hash is now under k2, and reads the same
    for (const [table, columns] of Object.entries(ENCRYPTED)) {
      for (const row of await knex(table).select<Array<Record<string, string | null>>>(columns)) {
        for (const [column, value] of Object.entries(row)) {
          if (value === null || (table === 'request_events' && !value.startsWith('enc:'))) continue;
          expect([table, column, value.startsWith(column.endsWith('_hash') ? 'k2:' : 'enc:v1:k2:')]).toEqual([table, column, true]);
        }
      }
    }
    expect(await snapshot(rotated)).toEqual(before);
    const assistance = await knex('assistance_events').first('message');
    expect(cipher.decrypt(assistance.message, 'assistance_events.message')).toBe(ASSISTANCE);
    const after = $((await operator.get(`/demandes/${third}`)).text)('main').text();
    for (const reference of references) expect(after).toContain(reference);
    // the stored files too: every one under k2 (its first bytes name the key), the pain.001 read back byte for byte
    for (const row of await knex('blobs').select('data')) expect(Buffer.from(row.data).subarray(0, 7).toString('latin1')).toBe('ENC\u0001\u0002k2');
    const xml = (
      (await rotated.blobs.get(knex, (await knex('payment_batches').where({ id: ids.batch }).first()).file_blob_id))?.data ?? Buffer.alloc(0)
    ).toString('utf8');
    expect(xml).toContain(`<IBAN>${IBAN.alpha}</IBAN>`);
    expect(createHash('sha256').update(xml).digest('hex')).toBe((await knex('payment_batches').where({ id: ids.batch }).first()).file_sha256);

    // once k1 is gone from the configuration, everything still reads
    const k2Only = replica({ DATA_ENCRYPTION_KEY: K2 });
    expect(await snapshot(k2Only)).toEqual(before);

    // a second run finds nothing to do
    const again = await rotateKeys(knex, cipher);
    expect(again.every((c) => c.rewritten === 0 && c.skipped === 0)).toBe(true);
    mails(rotated, k2Only);
  });

  it('encrypts the plaintext rows written before encryption existed, and the frozen batch items only inside a declared re-encryption', async () => {
    const { knex } = t.ctx;
    const cipher = new FieldCipher(replica({ DATA_ENCRYPTION_KEY: K2 }).config.dataEncryption);
    // a row as an older version (or a hand-written insert) left it
    await knex('bank_accounts').where({ payee_id: ids.supplier }).update({ iban: IBAN.supplier, iban_hash: null });
    const [item] = await knex('payment_batch_items').select('id', 'iban');
    // the batch's content stays frozen for everyone else
    await expect(
      knex('payment_batch_items')
        .where({ id: item.id })
        .update({ iban: cipher.encrypt(IBAN.beta, 'payment_batch_items.iban') }),
    ).rejects.toThrow(/never changes/);
    await expect(
      knex.transaction(async (trx) => {
        await trx.raw("select set_config('entraide.reencrypting', 'on', true)");
        await trx('payment_batch_items').where({ id: item.id }).update({ iban: IBAN.beta });
      }),
    ).rejects.toThrow(/never changes/);

    const counts = await rotateKeys(knex, cipher);
    expect(counts.find((c) => c.table === 'bank_accounts')).toEqual({ table: 'bank_accounts', rewritten: 1, skipped: 0 });
    const account = await knex('bank_accounts').where({ payee_id: ids.supplier }).first();
    expect(account.iban).toMatch(/^enc:v1:k2:/);
    expect(account.iban_hash).toBe(cipher.blindIndex(IBAN.supplier));
    expect(cipher.decrypt(account.iban, 'bank_accounts.iban')).toBe(IBAN.supplier);
  });
});

/** The encrypted columns (and hashes) as the repositories write them. */
const ENCRYPTED: Record<string, string[]> = {
  aid_requests: ['payee_iban', 'payee_iban_hash'],
  payments: ['payee_iban'],
  bank_accounts: ['iban', 'iban_hash'],
  debtor_accounts: ['iban', 'iban_hash'],
  payment_batch_items: ['iban'],
  users: ['totp_secret'],
  mission_sessions: ['summary', 'private_notes'],
  request_events: ['message'],
  assistance_events: ['message'],
};

/** What the application reads of every encrypted value, through its repositories. */
async function snapshot(services: Services): Promise<unknown> {
  const knex = services.knex;
  const operator = await actorOf(knex, t.world.users.operator.id);
  const admin = await actorOf(knex, t.world.users.admin.id);
  const requests = [];
  for (const id of [ids.aq, ids.aeFirst, ids.aeSecond]) {
    const r = await services.aidRequests.get(operator, id);
    const page = await services.aidRequests.pageData(operator, r, 'synthese');
    requests.push({
      payee: r.payee,
      payments: page.payments.map((p) => p.payeeIban),
      notes: page.events.filter((e) => e.visibility === 'internal').map((e) => e.message),
      checks: page.check.lines.map((c) => `${c.code}:${c.level}`),
    });
  }
  return {
    requests,
    suppliers: (await services.payees.suppliers(operator)).map((s) => [s.confirmed?.iban ?? null, s.pending?.iban ?? null]),
    debtors: (await services.debtorAccounts.list(admin)).map((a) => a.iban),
    sessions: await sessionsOf(services, ids.mission),
    totp: (await new UserRepository(new FieldCipher(services.config.dataEncryption)).secondFactor(knex, t.world.users.admin.id)).secret,
  };
}

async function sessionsOf(services: Services, missionId: string): Promise<unknown> {
  return (await new MissionRepository(new FieldCipher(services.config.dataEncryption)).sessions(services.knex, missionId)).map((s) => [
    s.summary,
    s.privateNotes,
  ]);
}

/** The replicas built here own a mailer each: closed with the test. */
function mails(...services: Services[]): void {
  for (const s of services) s.mailer.close();
}
