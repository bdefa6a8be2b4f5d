import { $, loginAs, postForm } from '../support/http';
import { useWorld } from '../support/world';

/**
 * The invoice's settings (issue 15): the management fees, payment terms and buyer printed on the
 * monthly invoice to Action Logement, set by an administrator without code; every value kept when
 * refused; saved with an audit line; used by the next invoice.
 */
const t = useWorld();
const PAGE = '/echanges/facturation';

describe('the funder billing settings', () => {
  it('shows the defaults, refuses a printed RIB without IBAN keeping every value, then saves and audits', async () => {
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    const page = $((await admin.get(PAGE)).text);
    expect(page('#flatFee').attr('value')).toBe('50,00');
    expect(page('#feeRatePercent').attr('value')).toBe('5');
    expect(page('#paymentDays').attr('value')).toBe('30');
    expect(page('#buyerName').attr('value')).toBe('Action Logement Services');

    const fields = {
      flatFee: '75',
      feeRatePercent: '4,5',
      paymentDays: '45',
      printIban: 'on',
      iban: '',
      bic: '',
      buyerName: 'Action Logement Services',
      buyerAddress: '19-21 quai d’Austerlitz\n75013 Paris',
      version: '0',
    };
    const refused = await postForm(admin, PAGE, fields, PAGE);
    expect(refused.status).toBe(400);
    const again = $(refused.text);
    expect(again('#iban-error').text()).toContain('Saisissez l’IBAN à imprimer');
    expect(again('#flatFee').attr('value')).toBe('75');
    expect(again('#feeRatePercent').attr('value')).toBe('4,5');
    expect(again('#buyerAddress').text()).toContain('75013 Paris');

    const saved = await postForm(admin, PAGE, { ...fields, iban: 'FR76 3000 6000 0112 3456 7890 189', bic: 'AGRIFRPPXXX' }, PAGE);
    expect(saved.status).toBe(302);
    expect(await t.ctx.services.funderBillingSettings.get()).toMatchObject({
      flatFeeCents: 7500,
      feeRateBasisPoints: 450,
      paymentDays: 45,
      iban: 'FR7630006000011234567890189',
    });
    const audit = await t.ctx.knex('audit_events').where({ action: 'settings.funder_billing_updated' });
    expect(audit).toHaveLength(1);
    // saved at version 0 already: a second save from the same page is a conflict, said in French
    const stale = await postForm(admin, PAGE, { ...fields, printIban: '', version: '0' }, PAGE);
    expect(stale.status).toBe(400);
  });

  it('is the administrators’ only', async () => {
    for (const email of [t.world.users.operator.email, t.world.users.auditor.email, t.world.users.adminA.email]) {
      const agent = await loginAs(t.ctx.app, email);
      expect((await agent.get(PAGE)).status).toBe(403);
    }
  });
});
