import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FunderBilling } from '../../src/funder/billing/service';
import { FunderBillingSettingsStore, funderBillingSettingsSchema } from '../../src/funder/billing/settings';
import { parseJsonLines } from '../../src/funder/formats/jsonl';
import { manifestProblem } from '../../src/funder/formats/manifest';
import { schemaProblem } from '../../src/funder/formats/schemas';
import { SettingsRepository } from '../../src/settings/repository';
import { NotFoundError, ValidationError } from '../../src/shared/errors';
import { insertHousehold } from '../factories/household';
import { type MissionSetup, missionSetup, missionVersion } from '../factories/mission';
import { insertOrganisation, validSiren } from '../factories/organisation';
import { actorOf, IBAN } from '../factories/payment';
import { TEST_NOW } from '../support/app';
import { useWorld } from '../support/world';

/**
 * The FACTURATION flow (docs/echanges/facturation.md): once a month the association invoices
 * Action Logement the missions closed in the previous month plus its management fees — one
 * numbered PDF invoice, one file whose records and manifest add up to the invoice's total, each
 * billing line invoiced once, ever.
 */
const funderDir = fs.mkdtempSync(path.join(os.tmpdir(), 'entraide-facturation-'));
const t = useWorld({ FUNDER_DIR: funderDir });
afterAll(() => fs.rmSync(funderDir, { recursive: true, force: true }));

let setup: MissionSetup;
let billing: FunderBilling;
let billingSettings: FunderBillingSettingsStore;
beforeAll(async () => {
  setup = await missionSetup(t.ctx.services, t.ctx.knex, t.world);
  const s = t.ctx.services;
  billingSettings = new FunderBillingSettingsStore({ db: t.ctx.knex, repository: new SettingsRepository(), audit: s.audit, clock: t.ctx.clock });
  billing = new FunderBilling({
    db: t.ctx.knex,
    clock: t.ctx.clock,
    blobs: s.blobs,
    outbound: s.funderOutbound,
    settings: s.settings,
    billingSettings,
    audit: s.audit,
    logger: s.logger,
  });
});
afterEach(() => t.ctx.clock.set(TEST_NOW));

const at = (iso: string) => t.ctx.clock.set(new Date(iso));
const depot = () => fs.readdirSync(path.join(funderDir, 'depot')).sort();
const read = (name: string) => fs.readFileSync(path.join(funderDir, 'depot', name));
const facturationFiles = () => t.ctx.knex('funder_files').where({ flow: 'FACTURATION', direction: 'out' }).orderBy('sequence');
const recordsOf = (name: string) =>
  parseJsonLines(read(name)).map((l) => {
    if (!('value' in l)) throw new Error(`unreadable line in ${name}`);
    return l.value;
  });
const pdfText = (data: Buffer) => {
  const file = path.join(os.tmpdir(), `facture-${process.pid}-${Date.now()}.pdf`);
  fs.writeFileSync(file, data);
  try {
    return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).replace(/[\u00a0\u202f]/g, ' ');
  } finally {
    fs.unlinkSync(file);
  }
};

/**
 * A mission ordered, accepted, held for `minutes` in one session and completed on `day` (Paris):
 * the missions service writes its billing line for that month.
 */
async function closedMission(o: { typeId: string; minutes: number; day: string; householdId?: string; orientation?: string }): Promise<string> {
  at(`${o.day}T09:00:00Z`);
  const operator = await actorOf(t.ctx.knex, t.world.users.operator.id);
  const adviser = await actorOf(t.ctx.knex, t.world.users.social_adviser.id);
  const missions = t.ctx.services.missions;
  const id = await missions.order(operator, {
    householdId: o.householdId ?? setup.householdA,
    missionTypeId: o.typeId,
    reason: 'Retards de loyer répétés',
    adviserId: t.world.users.social_adviser.id,
  });
  await missions.accept(adviser, id, await missionVersion(t.ctx.knex, id), {
    consentDate: o.day,
    consentMethod: 'in_person',
    objectives: [{ category: 'budget', text: 'Établir un budget mensuel' }],
  });
  if (o.orientation) await t.ctx.knex('missions').where({ id }).update({ orientation_asd: o.orientation });
  await missions.recordSession(adviser, id, {
    heldOn: o.day,
    durationMinutes: o.minutes,
    kind: 'office',
    participants: 'Léa Durand',
    summary: 'Point budget.',
  });
  await missions.complete(adviser, id, await missionVersion(t.ctx.knex, id), { results: { 1: 'reached' }, outcome: 'Budget tenu.' });
  return id;
}
const referenceOf = async (id: string): Promise<string> => (await t.ctx.knex('missions').where({ id }).first('reference')).reference as string;

describe('the monthly invoice to Action Logement', () => {
  let noSirenLandlord: string;
  let heldBackMission: string;

  it('bills the missions closed in the month once, with the configured management fees: records, manifest, file and PDF agree on the total', async () => {
    const admin = await actorOf(t.ctx.knex, t.world.users.admin.id);
    await billingSettings.save(
      admin,
      funderBillingSettingsSchema.parse({
        flatFee: '75,00',
        feeRatePercent: '10',
        paymentDays: '30',
        printIban: 'on',
        iban: IBAN.alpha,
        bic: 'BNPAFRPPXXX',
        buyerName: 'Action Logement Services',
        buyerAddress: '19-21 quai d’Austerlitz\n75013 Paris',
        version: '0',
      }),
    );
    // 135 min at 45,00 €/h = 101,25 €; the flat fee 250,00 €; 50 min at 49,99 €/h = 41,66 €
    const diag = await closedMission({ typeId: setup.types.diag, minutes: 135, day: '2026-11-24' });
    const flat = await closedMission({ typeId: setup.types.flat, minutes: 60, day: '2026-11-25', orientation: 'ASD-2026-000123' });
    const budget = await closedMission({ typeId: setup.types.budget, minutes: 50, day: '2026-11-26' });
    // a landlord without SIREN: its mission waits until the SIREN is known
    noSirenLandlord = (await insertOrganisation(t.ctx.knex, { name: 'Bailleur sans SIREN', siren: null })).id;
    heldBackMission = await closedMission({
      typeId: setup.types.diag,
      minutes: 60,
      day: '2026-11-27',
      householdId: (await insertHousehold(t.ctx.knex, noSirenLandlord)).id,
    });
    // closed on 1 December: December's, not November's
    await closedMission({ typeId: setup.types.diag, minutes: 30, day: '2026-12-01' });

    at('2026-12-02T06:00:00Z');
    const run = await billing.invoiceMonth();
    expect(run.month).toBe('2026-11');
    expect(run.heldBack).toEqual([await referenceOf(heldBackMission)]);
    const invoice = run.invoice!;
    const missionsCents = 10125 + 25000 + 4166;
    // 10 % of 392,91 € = 39,291 → 39,29 €
    const total = missionsCents + 7500 + 3929;
    expect(invoice).toMatchObject({
      number: 'F2026-000001',
      year: 2026,
      sequence: 1,
      month: '2026-11',
      issuedOn: '2026-12-02',
      dueOn: '2027-01-01',
      lines: 5,
      missionsCents,
      feesCents: 7500 + 3929,
      totalHtCents: total,
      totalTtcCents: total,
      fileStatus: 'depose',
    });

    // the file, on the funder's side, after the commit
    expect(invoice.fileName).toMatch(/^ENTRAIDE_FACTURATION_20261130_\d{6}\.jsonl$/);
    expect(run.deliveries).toEqual([{ file: invoice.fileName, status: 'depose', problem: null }]);
    expect(depot()).toEqual(expect.arrayContaining([invoice.fileName, `${invoice.fileName}.manifest.json`]));
    const data = read(invoice.fileName);
    const manifestBytes = read(`${invoice.fileName}.manifest.json`);
    expect(manifestProblem(manifestBytes, data, { fileName: invoice.fileName, flow: 'FACTURATION', sender: 'ENTRAIDE' })).toBeNull();
    const manifest = JSON.parse(manifestBytes.toString('utf8')) as { totaux: Record<string, number>; periode_debut: string; periode_fin: string };
    expect(manifest).toMatchObject({ periode_debut: '2026-11-01', periode_fin: '2026-11-30', totaux: { montant_centimes: total } });

    const records = recordsOf(invoice.fileName);
    for (const r of records) expect(schemaProblem('facturation', r)).toBeNull();
    expect(records.reduce((a, r) => a + (r.montant_centimes as number), 0)).toBe(total);
    const siren = (await t.ctx.knex('organisations').where({ id: t.world.landlordA.id }).first('siren')).siren as string;
    expect(records).toEqual([
      {
        id: 'F2026-000001-001',
        numero_facture: 'F2026-000001',
        ligne: 1,
        nature: 'accompagnement',
        reference: await referenceOf(diag),
        bailleur_siren: siren,
        quantite: 2.25,
        unite: 'heure',
        prix_unitaire_centimes: 4500,
        montant_centimes: 10125,
      },
      {
        id: 'F2026-000001-002',
        numero_facture: 'F2026-000001',
        ligne: 2,
        nature: 'accompagnement',
        reference: await referenceOf(flat),
        bailleur_siren: siren,
        orientation_asd: 'ASD-2026-000123',
        quantite: 1,
        unite: 'forfait',
        prix_unitaire_centimes: 25000,
        montant_centimes: 25000,
      },
      {
        id: 'F2026-000001-003',
        numero_facture: 'F2026-000001',
        ligne: 3,
        nature: 'accompagnement',
        reference: await referenceOf(budget),
        bailleur_siren: siren,
        quantite: 0.83,
        unite: 'heure',
        prix_unitaire_centimes: 4999,
        montant_centimes: 4166,
      },
      // the management fees: the flat fee per invoice, then 10 % of the missions
      {
        id: 'F2026-000001-004',
        numero_facture: 'F2026-000001',
        ligne: 4,
        nature: 'frais_gestion',
        quantite: 1,
        unite: 'forfait',
        prix_unitaire_centimes: 7500,
        montant_centimes: 7500,
      },
      {
        id: 'F2026-000001-005',
        numero_facture: 'F2026-000001',
        ligne: 5,
        nature: 'frais_gestion',
        quantite: 1,
        unite: 'forfait',
        prix_unitaire_centimes: 3929,
        montant_centimes: 3929,
      },
    ]);

    // the PDF: numbered, the association's letterhead, the buyer, the same total, no VAT, the payment terms
    const pdf = await billing.invoicePdf(invoice.id);
    expect(pdf.fileName).toBe('facture-F2026-000001.pdf');
    const text = pdfText(pdf.data);
    expect(text).toContain('Facture n° F2026-000001');
    expect(text).toContain((await t.ctx.services.settings.get()).letterhead.name);
    expect(text).toContain('Action Logement Services');
    expect(text).toMatch(/Total HT\s+507,20 €/);
    expect(text).toMatch(/Total TTC\s+507,20 €/);
    expect(text).toMatch(/Net à payer\s+507,20 €/);
    expect(text).toContain('TVA non applicable, article 261-7-1° du Code général des impôts');
    expect(text).toContain('FR76 3000 6000 0112 3456 7890 189');
    expect(text).toContain('Paiement à 30 jours, au plus tard le 01/01/2027');
    expect(text).toContain('Frais de gestion — forfait mensuel');
    expect(text).toContain(await referenceOf(budget));
    expect(text).toContain(invoice.fileName);

    // a re-run bills nothing twice: no invoice, no file, no number taken
    const files = (await facturationFiles()).length;
    const again = await billing.invoiceMonth('2026-11');
    expect(again).toMatchObject({ invoice: null, heldBack: [await referenceOf(heldBackMission)], deliveries: [] });
    expect((await facturationFiles()).length).toBe(files);
    expect(await t.ctx.knex('funder_invoices').count<Array<{ n: string }>>('* as n').first()).toEqual({ n: '1' });
  });

  it('makes no invoice and no file for a month with nothing to bill', async () => {
    at('2026-12-02T07:00:00Z');
    const files = (await facturationFiles()).length;
    expect(await billing.invoiceMonth('2026-10')).toEqual({ month: '2026-10', invoice: null, heldBack: [], deliveries: [] });
    expect((await facturationFiles()).length).toBe(files);
  });

  it('refuses a month that is not over yet, or not a month', async () => {
    at('2026-12-02T07:00:00Z');
    await expect(billing.invoiceMonth('2026-12')).rejects.toThrow(ValidationError);
    await expect(billing.invoiceMonth('2027-01')).rejects.toThrow(ValidationError);
    await expect(billing.invoiceMonth('2026-13')).rejects.toThrow(ValidationError);
  });

  it('numbers the invoices without a gap within the year of issue, from 1 again on 1 January', async () => {
    // the landlord's SIREN is known now: its November mission goes in the next invoice, numbered 2
    await t.ctx.knex('organisations').where({ id: noSirenLandlord }).update({ siren: validSiren() });
    at('2026-12-03T08:00:00Z');
    const late = await billing.invoiceMonth('2026-11');
    expect(late.invoice).toMatchObject({ number: 'F2026-000002', lines: 3, missionsCents: 4500 });
    expect(late.heldBack).toEqual([]);
    expect(recordsOf(late.invoice!.fileName).map((r) => r.reference ?? r.nature)).toEqual([
      await referenceOf(heldBackMission),
      'frais_gestion',
      'frais_gestion',
    ]);

    // December's invoice leaves on 2 January: the first of 2027
    at('2027-01-02T08:00:00Z');
    const december = await billing.invoiceMonth();
    expect(december.invoice).toMatchObject({ number: 'F2027-000001', year: 2027, sequence: 1, month: '2026-12', missionsCents: 2250 });

    await closedMission({ typeId: setup.types.flat, minutes: 90, day: '2027-01-15' });
    at('2027-02-02T08:00:00Z');
    const january = await billing.invoiceMonth();
    expect(january.invoice).toMatchObject({ number: 'F2027-000002', month: '2027-01', missionsCents: 25000 });

    const numbers = (await billing.list()).map((i) => i.number);
    expect(numbers).toEqual(['F2027-000002', 'F2027-000001', 'F2026-000002', 'F2026-000001']);
  });

  it('invoices a billing line once even when two runs of the same month meet', async () => {
    await closedMission({ typeId: setup.types.diag, minutes: 60, day: '2027-02-10' });
    await closedMission({ typeId: setup.types.budget, minutes: 120, day: '2027-02-11' });
    at('2027-03-02T08:00:00Z');
    const runs = await Promise.all([billing.invoiceMonth('2027-02'), billing.invoiceMonth('2027-02')]);
    const made = runs.filter((r) => r.invoice !== null);
    expect(made).toHaveLength(1);
    expect(made[0]!.invoice).toMatchObject({ number: 'F2027-000003', missionsCents: 4500 + 9998 });
    expect(await t.ctx.knex('funder_invoices').where({ month: '2027-02' }).count<Array<{ n: string }>>('* as n').first()).toEqual({ n: '1' });

    // and the database itself refuses a second invoice line for a billed line
    const billed = await t.ctx.knex('funder_invoice_lines').whereNotNull('billing_line_id').first();
    await expect(
      t.ctx.knex('funder_invoice_lines').insert({
        ...billed,
        id: undefined,
        record_id: 'F2027-999999-001',
        line: 99,
      }),
    ).rejects.toThrow(/unique|duplicate/i);

    // every billing line of the file's missions is invoiced exactly once
    const lines = await t.ctx
      .knex('mission_billing_lines as b')
      .leftJoin('funder_invoice_lines as l', 'l.billing_line_id', 'b.id')
      .select('b.id', 'l.id as invoiced');
    expect(lines.every((l: { invoiced: string | null }) => l.invoiced !== null)).toBe(true);
  });

  it('gives an invoice’s PDF as issued, and answers « not found » for another id', async () => {
    const [latest] = await billing.list();
    const { invoice, lines } = await billing.invoice(latest!.id);
    expect(lines.map((l) => l.line)).toEqual(Array.from({ length: invoice.lines }, (_, i) => i + 1));
    expect(lines.reduce((a, l) => a + l.amountCents, 0)).toBe(invoice.totalTtcCents);
    const text = pdfText((await billing.invoicePdf(latest!.id)).data);
    expect(text).toContain(`Facture n° ${latest!.number}`);
    await expect(billing.invoicePdf('6b1f0c52-8a0e-4a55-9d1a-0f3a2b1c4d5e')).rejects.toThrow(NotFoundError);
    await expect(billing.invoicePdf('pas-un-id')).rejects.toThrow(NotFoundError);
  });
});
