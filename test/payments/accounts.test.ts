import { IBAN, actorOf, ribFile } from '../factories/payment';
import { cipherOf } from '../support/encryption';
import { $, fieldError, loginAs, postForm } from '../support/http';
import { useWorld } from '../support/world';
import { withIdentity } from '../support/second-factor';

const t = useWorld();
/** The accounts holding an IBAN: by its keyed hash (the IBAN itself is stored encrypted), or in plaintext when inserted raw. */
const byIban = (iban: string) =>
  t.ctx.knex('bank_accounts').where((w) => w.whereIn('iban_hash', cipherOf(t.ctx.services).blindIndexes(iban)).orWhere('iban', iban));
const pdf = Buffer.from('%PDF-1.4\n% RIB\n');

/** Posts a multipart form the way a browser does: the CSRF token first, then the fields (with the re-authentication, ASVS 3.7.1), then the file. */
async function postMultipart(
  agent: Awaited<ReturnType<typeof loginAs>>,
  path: string,
  page: string,
  fields: Record<string, string>,
  file?: { field: string; name: string; data: Buffer },
) {
  const token = $((await agent.get(page)).text)('input[name="_csrf"]')
    .first()
    .attr('value') as string;
  let req = agent.post(path).field('_csrf', token);
  for (const [k, v] of Object.entries(withIdentity(fields))) req = req.field(k, v);
  if (file) req = req.attach(file.field, file.data, file.name);
  return req;
}

describe('a landlord’s bank account', () => {
  it('is given by a landlord administrator with its RIB, masked on screen, and waits for the association’s check', async () => {
    const admin = await loginAs(t.ctx.app, t.world.users.adminA.email);
    const res = await postMultipart(
      admin,
      '/comptes-bancaires',
      '/comptes-bancaires',
      { holderName: 'Bailleur Alpha', iban: 'fr76 3000 6000 0112 3456 7890 189', bic: 'agrifrppxxx' },
      { field: 'rib', name: 'RIB Alpha.pdf', data: pdf },
    );
    expect(res.status).toBe(302);
    const page = $((await admin.get('/comptes-bancaires')).text);
    expect(page('main').text()).toContain('FR76 •••• •••• •••• •••• ••90 189');
    expect(page('.col-md-6').text()).not.toContain('3000 6000 0112 3456');
    expect(page('main').text()).toContain('À vérifier');
    const row = await byIban(IBAN.alpha).first();
    expect(row).toMatchObject({ status: 'pending', bic: 'AGRIFRPPXXX', rib_filename: 'RIB Alpha.pdf' });
    expect(row.iban).toMatch(/^enc:v1:/);
    expect(cipherOf(t.ctx.services).decrypt(row.iban, 'bank_accounts.iban')).toBe(IBAN.alpha);
    expect(await t.ctx.knex('audit_events').where({ entity_id: row.id, action: 'bank_account.submitted' })).toHaveLength(1);
  });

  it('keeps every typed value and says what is wrong next to each field (IBAN key, missing RIB, spoofed RIB)', async () => {
    const admin = await loginAs(t.ctx.app, t.world.users.adminA.email);
    const wrongKey = await postMultipart(
      admin,
      '/comptes-bancaires',
      '/comptes-bancaires',
      { holderName: 'Bailleur Alpha', iban: 'FR76 3000 6000 0112 3456 7890 188', bic: '' },
      { field: 'rib', name: 'rib.pdf', data: pdf },
    );
    expect(wrongKey.status).toBe(400);
    expect(fieldError(wrongKey.text, 'iban')).toMatch(/clé de contrôle/);
    expect($(wrongKey.text)('#holderName').attr('value')).toBe('Bailleur Alpha');
    expect($(wrongKey.text)('#iban').attr('value')).toBe('FR76 3000 6000 0112 3456 7890 188');
    const noRib = await postMultipart(admin, '/comptes-bancaires', '/comptes-bancaires', { holderName: 'Bailleur Alpha', iban: IBAN.beta });
    expect(noRib.status).toBe(400);
    expect(fieldError(noRib.text, 'rib')).toMatch(/Joignez le RIB/);
    const spoofed = await postMultipart(
      admin,
      '/comptes-bancaires',
      '/comptes-bancaires',
      { holderName: 'Bailleur Alpha', iban: IBAN.beta },
      { field: 'rib', name: 'rib.pdf', data: Buffer.from('MZ\x90\x00 not a pdf') },
    );
    expect(spoofed.status).toBe(400);
    expect(fieldError(spoofed.text, 'rib')).toMatch(/ni un PDF/);
    expect(await byIban(IBAN.beta)).toHaveLength(0);
  });

  it('is checked by an operator against its RIB, never by the person who entered it (service and database)', async () => {
    const account = await byIban(IBAN.alpha).first();
    const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
    const reviews = $((await operator.get('/paiements/rib')).text);
    expect(reviews('main').text()).toContain('FR76 3000 6000 0112 3456 7890 189');
    const rib = await operator.get(`/comptes-bancaires/${account.id}/rib`);
    expect(rib.status).toBe(200);
    expect(rib.headers['content-type']).toBe('application/pdf');
    // landlord B may not read landlord A's RIB
    expect((await (await loginAs(t.ctx.app, t.world.users.adminB.email)).get(`/comptes-bancaires/${account.id}/rib`)).status).toBe(404);
    const rejectWithoutReason = await postForm(
      operator,
      `/paiements/rib/${account.id}/verifier`,
      { decision: 'reject', comment: '', version: String(account.version) },
      '/paiements/rib',
    );
    expect(rejectWithoutReason.status).toBe(302);
    expect((await t.ctx.knex('bank_accounts').where({ id: account.id }).first()).status).toBe('pending');
    const ok = await postForm(
      operator,
      `/paiements/rib/${account.id}/verifier`,
      withIdentity({ decision: 'confirm', comment: '', version: String(account.version) }),
      '/paiements/rib',
    );
    expect(ok.status).toBe(302);
    expect((await t.ctx.knex('bank_accounts').where({ id: account.id }).first()).status).toBe('confirmed');
    // the database refuses a review by the submitter whatever the code says
    const [own] = await t.ctx
      .knex('bank_accounts')
      .insert({
        payee_id: account.payee_id,
        holder_name: 'X',
        iban: IBAN.beta,
        status: 'pending',
        submitted_by: t.world.users.operator.id,
        submitted_by_label: 'Op',
        submitted_at: new Date(),
      })
      .returning('id');
    await expect(
      t.ctx
        .knex('bank_accounts')
        .where({ id: (own as { id: string }).id })
        .update({ status: 'confirmed', reviewed_by: t.world.users.operator.id, reviewed_at: new Date() }),
    ).rejects.toThrow(/bank_accounts_four_eyes/);
    const operatorActor = await actorOf(t.ctx.knex, t.world.users.operator.id);
    await expect(t.ctx.services.payees.review(operatorActor, (own as { id: string }).id, 1, 'confirm', null)).rejects.toThrow(/une autre personne/);
    await t.ctx.services.payees.review(await actorOf(t.ctx.knex, t.world.users.admin.id), (own as { id: string }).id, 1, 'reject', 'Test');
  });

  it('replaces the confirmed one only once a change is confirmed; until then the old one stays in use', async () => {
    const landlordAdmin = await actorOf(t.ctx.knex, t.world.users.adminA.id);
    await t.ctx.services.payees.submitOwn(landlordAdmin, { holderName: 'Bailleur Alpha', iban: IBAN.alphaNew }, ribFile('nouveau.pdf'));
    const { payee } = await t.ctx.services.payees.own(landlordAdmin);
    expect(payee.confirmed?.iban).toBe(IBAN.alpha);
    expect(payee.pending?.iban).toBe(IBAN.alphaNew);
    await t.ctx.services.payees.review(await actorOf(t.ctx.knex, t.world.users.operator.id), payee.pending!.id, payee.pending!.version, 'confirm', null);
    const after = await t.ctx.services.payees.own(landlordAdmin);
    expect(after.payee.confirmed?.iban).toBe(IBAN.alphaNew);
    expect(after.payee.pending).toBeNull();
    expect(after.history.map((a) => a.status)).toEqual(expect.arrayContaining(['confirmed', 'replaced']));
  });
});

describe('suppliers and the association’s accounts', () => {
  it('lets an operator add a supplier whose account another person confirms', async () => {
    const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
    const res = await postMultipart(operator, '/admin/beneficiaires', '/admin/beneficiaires/nouveau', {
      name: 'Énergie Solidaire',
      noticeEmail: 'Paiements@energie.test',
      holderName: 'Énergie Solidaire SA',
      iban: IBAN.supplier,
      bic: '',
    });
    expect(res.status).toBe(302);
    const supplier = await t.ctx.knex('payees').where({ name: 'Énergie Solidaire' }).first();
    expect(supplier).toMatchObject({ kind: 'supplier', notice_email: 'paiements@energie.test' });
    const page = $((await operator.get(`/admin/beneficiaires/${supplier.id}`)).text);
    expect(page('main').text()).toContain('À vérifier par l’association');
    const reviews = $((await operator.get('/paiements/rib')).text);
    expect(reviews('main').text()).toContain('Vous avez saisi ce compte');
    const invalid = await postForm(
      operator,
      `/admin/beneficiaires/${supplier.id}/modifier`,
      { name: '', noticeEmail: 'pas-une-adresse', version: String(supplier.version) },
      `/admin/beneficiaires/${supplier.id}`,
    );
    expect(invalid.status).toBe(400);
    expect(fieldError(invalid.text, 'name')).toMatch(/nom/);
    expect(fieldError(invalid.text, 'noticeEmail')).toMatch(/adresse e-mail valide/);
    expect($(invalid.text)('#noticeEmail').attr('value')).toBe('pas-une-adresse');
  });

  it('lets an administrator keep the association’s debtor accounts, one default, and say which aid leaves from which', async () => {
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    const bad = await postForm(admin, '/admin/comptes-emetteurs', { label: '', holderName: 'Association Test', iban: 'FR14 2004', bic: 'XX' });
    expect(bad.status).toBe(400);
    expect(fieldError(bad.text, 'iban')).toMatch(/IBAN complet/);
    expect(fieldError(bad.text, 'bic')).toMatch(/BIC/);
    expect(
      (
        await postForm(
          admin,
          '/admin/comptes-emetteurs',
          withIdentity({ label: 'Courant', holderName: 'Association Test', iban: IBAN.debtor, bic: 'PSSTFRPPXXX', isDefault: 'on', active: 'on' }),
        )
      ).status,
    ).toBe(302);
    expect(
      (
        await postForm(
          admin,
          '/admin/comptes-emetteurs',
          withIdentity({ label: 'Énergie', holderName: 'Association Test', iban: IBAN.beta, bic: '', isDefault: 'on', active: 'on' }),
        )
      ).status,
    ).toBe(302);
    const accounts = await t.ctx.knex('debtor_accounts').orderBy('created_at');
    expect(accounts.map((a: { is_default: boolean }) => a.is_default)).toEqual([false, true]);
    const [aid] = await t.ctx
      .knex('aid_types')
      .insert({ code: 'AEX', label: 'Aide énergie test', payees: ['supplier'] })
      .returning('id');
    expect(
      (
        await postForm(
          admin,
          '/admin/comptes-emetteurs/affectation',
          { aidTypeId: (aid as { id: string }).id, account: accounts[0].id },
          '/admin/comptes-emetteurs',
        )
      ).status,
    ).toBe(302);
    expect(
      (
        await t.ctx
          .knex('aid_types')
          .where({ id: (aid as { id: string }).id })
          .first()
      ).debtor_account_id,
    ).toBe(accounts[0].id);
    expect((await (await loginAs(t.ctx.app, t.world.users.operator.email)).get('/admin/comptes-emetteurs')).status).toBe(403);
  });
});
