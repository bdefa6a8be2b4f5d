import { useWorld } from '../support/world';
import { $, fieldError, loginAs, postForm } from '../support/http';

const t = useWorld();

const newAid = {
  code: 'af',
  label: 'Aide aux frais d’installation',
  description: 'Premier mois de loyer et dépôt de garantie.',
  payees: 'landlord',
  groupCode: 'installation',
  effectiveFrom: '2026-11-23',
  ceiling: '1 200',
  frequencyMaxCount: '1',
  frequencyMonths: '60',
  frequencyScope: 'type',
  requirePrivateSectorEmployee: 'on',
  requireActiveLandlord: 'on',
  minEffortRate: '33,5',
  doc_tax_notice: 'mandatory',
  doc_rent_receipt: 'optional',
  expenseAccount: '6571',
  thirdPartyAccount: '4672',
  notes: 'Délibération du conseil d’administration du 12/11/2026.',
};

async function createAid(): Promise<string> {
  const agent = await loginAs(t.ctx.app, t.world.users.admin.email);
  const res = await postForm(agent, '/aides', newAid, '/aides/nouvelle');
  expect(res.status).toBe(302);
  return (res.headers.location as string).split('/').pop() as string;
}

describe('aid catalogue administration', () => {
  it('creates an aid type with its first version, rules stored as data', async () => {
    const id = await createAid();
    const type = await t.ctx.knex('aid_types').where({ id }).first();
    expect(type).toMatchObject({ code: 'AF', payees: ['landlord'], group_code: 'installation', status: 'active' });
    const v = await t.ctx.knex('aid_type_versions').where({ aid_type_id: id }).first();
    expect(v).toMatchObject({ number: 1, effective_from: '2026-11-23', effective_to: null });
    expect(v.rules).toEqual({
      ceilingCents: 120000,
      monthly: false,
      maxMonths: null,
      minInstalments: null,
      maxInstalments: null,
      rollingCeilingCents: null,
      frequency: { maxCount: 1, months: 60, scope: 'type' },
      eligibility: {
        requirePrivateSectorEmployee: true,
        requireActiveLandlord: true,
        minEffortRateBp: 3350,
        maxRemainingIncomePerPersonPerDayCents: null,
        chargesIncrease: null,
      },
      documents: [
        { kind: 'tax_notice', mandatory: true },
        { kind: 'rent_receipt', mandatory: false },
      ],
      accounting: { expenseAccount: '6571', thirdPartyAccount: '4672' },
    });
    const agent = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    const page = $((await agent.get(`/aides/${id}`)).text);
    expect(page('main').text()).toContain('Taux d’effort supérieur à 33,5');
    expect(page('.badge').text()).toContain('En vigueur');
    expect(page('a[href$="/versions/nouvelle"]')).toHaveLength(0);
  });

  it('rejects bad rules next to each field, keeping what was typed', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.admin.email);
    const res = await postForm(
      agent,
      '/aides',
      {
        ...newAid,
        code: 'A B',
        payees: '',
        monthly: 'on',
        minInstalments: '4',
        maxInstalments: '2',
        minEffortRate: '120',
        frequencyMonths: '',
        expenseAccount: 'abc',
      },
      '/aides/nouvelle',
    );
    expect(res.status).toBe(400);
    expect(fieldError(res.text, 'code')).toContain('sans espace');
    expect(fieldError(res.text, 'payees')).toBe('Cochez au moins un bénéficiaire du versement');
    expect(fieldError(res.text, 'minEffortRate')).toContain('entre 0 et 100');
    expect(fieldError(res.text, 'expenseAccount')).toContain('3 à 10 chiffres');
    expect($(res.text)('#label').attr('value')).toBe(newAid.label);
    const second = await postForm(
      agent,
      '/aides',
      { ...newAid, code: 'AG', monthly: 'on', minInstalments: '4', maxInstalments: '2', frequencyMonths: '' },
      '/aides/nouvelle',
    );
    expect(fieldError(second.text, 'maxMonths')).toContain('durée maximale');
    expect(fieldError(second.text, 'maxInstalments')).toContain('au moins égal');
    expect(fieldError(second.text, 'frequencyMonths')).toContain('période en mois');
    const dup = await postForm(agent, '/aides', { ...newAid, code: 'AF' }, '/aides/nouvelle');
    expect(fieldError(dup.text, 'code')).toBe('Une aide porte déjà ce code');
  });

  it('a regulatory change is a new version from a date: the previous one ends the day before', async () => {
    const id = (await t.ctx.knex('aid_types').where({ code: 'AF' }).first()).id;
    const agent = await loginAs(t.ctx.app, t.world.users.admin.email);
    const form = $((await agent.get(`/aides/${id}/versions/nouvelle`)).text);
    expect(form('#ceiling').attr('value')).toBe('1200,00');
    expect(form('#minEffortRate').attr('value')).toBe('33,50');
    const past = await postForm(agent, `/aides/${id}/versions/nouvelle`, { ...newAid, effectiveFrom: '2026-01-01' });
    expect(fieldError(past.text, 'effectiveFrom')).toContain('aujourd’hui au plus tôt');
    const same = await postForm(agent, `/aides/${id}/versions/nouvelle`, { ...newAid, effectiveFrom: '2026-11-23' });
    expect(fieldError(same.text, 'effectiveFrom')).toContain('après la version 1');
    const ok = await postForm(agent, `/aides/${id}/versions/nouvelle`, { ...newAid, ceiling: '1 500', effectiveFrom: '01/01/2027' });
    expect(ok.status).toBe(302);
    const versions = await t.ctx.knex('aid_type_versions').where({ aid_type_id: id }).orderBy('number');
    expect(versions.map((v) => [v.number, v.effective_from, v.effective_to, v.rules.ceilingCents])).toEqual([
      [1, '2026-11-23', '2026-12-31', 120000],
      [2, '2027-01-01', null, 150000],
    ]);
    expect((await t.ctx.services.aidTypes.versionOn(id, '2026-12-31'))?.number).toBe(1);
    expect((await t.ctx.services.aidTypes.versionOn(id, '2027-01-01'))?.number).toBe(2);
    expect(await t.ctx.services.aidTypes.versionOn(id, '2026-11-22')).toBeNull();
  });

  it('the database refuses to edit or delete a version', async () => {
    const v = await t.ctx.knex('aid_type_versions').where({ number: 1 }).first();
    await expect(
      t.ctx
        .knex('aid_type_versions')
        .where({ id: v.id })
        .update({ rules: JSON.stringify({ ...v.rules, ceilingCents: 1 }) }),
    ).rejects.toThrow(/immutable/);
    await expect(t.ctx.knex('aid_type_versions').where({ id: v.id }).update({ effective_to: '2027-06-30' })).rejects.toThrow(/immutable/);
    await expect(t.ctx.knex('aid_type_versions').where({ id: v.id }).delete()).rejects.toThrow(/never deleted/);
  });

  it('archives an aid type, audited, with optimistic locking', async () => {
    const type = await t.ctx.knex('aid_types').where({ code: 'AF' }).first();
    const agent = await loginAs(t.ctx.app, t.world.users.admin.email);
    const fields = { label: type.label, payees: 'landlord', status: 'archived', version: String(type.version) };
    expect((await postForm(agent, `/aides/${type.id}/modifier`, fields)).status).toBe(302);
    expect((await postForm(agent, `/aides/${type.id}/modifier`, fields)).status).toBe(400);
    expect(await t.ctx.knex('audit_events').where({ entity_id: type.id, action: 'aid_type.archived' }).first()).toBeTruthy();
  });

  it('only association admins change the catalogue; landlords and operators read it; auditors and advisers do not', async () => {
    for (const key of ['operator', 'adminA', 'instructorA', 'accountant'] as const) {
      const agent = await loginAs(t.ctx.app, t.world.users[key].email);
      expect((await agent.get('/aides')).status).toBe(200);
      expect((await agent.get('/aides/nouvelle')).status).toBe(403);
      expect((await postForm(agent, '/aides', { ...newAid, code: 'ZZ' }, '/aides')).status).toBe(403);
    }
    for (const key of ['auditor', 'social_adviser'] as const) {
      const agent = await loginAs(t.ctx.app, t.world.users[key].email);
      expect((await agent.get('/aides')).status).toBe(403);
    }
  });
});
