import { XMLParser } from 'fast-xml-parser';
import { easterSunday, isTarget2BusinessDay, nextExecutionDate } from '../../src/payments/sepa/business-days';
import { addDays } from '../../src/shared/dates';
import { epcText, toEpcLatin } from '../../src/payments/sepa/charset';
import { buildPain001, type CreditTransferBatch, SepaBuildError, sepaAmount } from '../../src/payments/sepa/pain001';
import { parsePain002, StatusReportError } from '../../src/payments/sepa/pain002';
import { validatePain001 } from '../../src/payments/sepa/xsd';

const IBANS = ['FR7630006000011234567890189', 'FR7630001007941234567890185', 'FR1420041010050500013M02606'];

const batch = (transactions: CreditTransferBatch['transactions'], over: Partial<CreditTransferBatch> = {}): CreditTransferBatch => ({
  msgId: 'ENTRAIDE-20261201-000001',
  paymentInfoId: 'LOT-1',
  createdAt: new Date('2026-11-30T01:00:00Z'),
  initiatingParty: 'Association Entraide Logement',
  executionDate: '2026-12-01',
  debtor: { name: 'Association Entraide Logement', iban: IBANS[2] as string, bic: 'PSSTFRPPXXX' },
  transactions,
  ...over,
});
const transfer = (i: number, amountCents: number, over: Partial<CreditTransferBatch['transactions'][number]> = {}) => ({
  endToEndId: `E2026-${String(i).padStart(5, '0')}-01`,
  amountCents,
  creditorName: 'Bailleur Alpha',
  iban: IBANS[i % 2] as string,
  bic: i % 3 ? 'AGRIFRPPXXX' : null,
  remittance: `AIDE 2026-${i} AQ 12/2026`,
  ...over,
});

describe('EPC character set (EPC217-08 basic Latin conversion)', () => {
  it('turns the landlord’s name with accents, apostrophe, dash and ligature into the SEPA set', () => {
    expect(toEpcLatin('Société d’HLM Île-de-France — Œuvre')).toBe("Societe d'HLM Ile-de-France - Ouvre");
  });

  it('follows the table: æ→a, œ→o, ç→c, €→E, ;→, and marks like « » ° # @ become dots; & becomes +, < > " disappear', () => {
    expect(toEpcLatin('Cæsar Œillet Çà')).toBe('Casar Oillet Ca');
    expect(toEpcLatin('Loyer 12 € ; n° 4 #5 @x')).toBe('Loyer 12 E , n. 4 .5 .x');
    expect(toEpcLatin('A & B <c> "d"')).toBe('A + B c d');
    expect(toEpcLatin('Ελλάδα 中文')).toMatch(/^[a-zA-Z0-9/\-?:().,'+ ]*$/);
  });

  it('collapses whitespace and cuts to the field length after converting', () => {
    expect(toEpcLatin('  un\tdeux\n\ntrois  ')).toBe('un deux trois');
    expect(epcText('É'.repeat(80), 70)).toBe('E'.repeat(70));
  });
});

describe('TARGET2 calendar', () => {
  it('knows Easter (2026: 5 April, 2027: 28 March) and its Friday and Monday', () => {
    expect(easterSunday(2026)).toBe('2026-04-05');
    expect(easterSunday(2027)).toBe('2027-03-28');
    expect(isTarget2BusinessDay('2026-04-03')).toBe(false);
    expect(isTarget2BusinessDay('2026-04-06')).toBe(false);
    expect(isTarget2BusinessDay('2026-04-07')).toBe(true);
  });

  it('closes on weekends, 1 January, 1 May, 25 and 26 December, but not on French-only holidays', () => {
    for (const d of ['2026-11-28', '2026-11-29', '2027-01-01', '2026-05-01', '2026-12-25', '2026-12-26']) expect(isTarget2BusinessDay(d)).toBe(false);
    expect(isTarget2BusinessDay('2026-07-14')).toBe(true);
    expect(isTarget2BusinessDay('2026-11-11')).toBe(true);
  });

  it('executes a file prepared one day on the next business day', () => {
    expect(nextExecutionDate('2026-11-27')).toBe('2026-11-30'); // Friday → Monday
    expect(nextExecutionDate('2026-12-24')).toBe('2026-12-28'); // over Christmas and the weekend
    expect(nextExecutionDate('2026-04-02')).toBe('2026-04-07'); // over Easter
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
  });
});

describe('pain.001.001.03 documents', () => {
  it('are valid against the ISO and the EPC schemas, with counts and sums computed from cents', async () => {
    const { xml, count, controlSumCents } = buildPain001(
      batch([transfer(1, 75000), transfer(2, 50050, { creditorName: 'Société d’HLM « Les Œillets » & Cie' })]),
    );
    expect(count).toBe(2);
    expect(controlSumCents).toBe(125050n);
    expect(xml).toContain('<CtrlSum>1250.50</CtrlSum>');
    expect(xml).toContain('<NbOfTxs>2</NbOfTxs>');
    expect(xml).not.toMatch(/[éŒ«»’]/);
    expect(xml.startsWith('\uFEFF')).toBe(false);
    const verdict = await validatePain001(xml);
    expect(verdict).toEqual({ valid: true, errors: [] });
  });

  it('give the creditor agent only when the BIC is known, and NOTPROVIDED for a debtor without BIC', async () => {
    const { xml } = buildPain001(batch([transfer(3, 100, { bic: null })], { debtor: { name: 'Asso', iban: IBANS[2] as string, bic: null } }));
    expect(xml).not.toContain('<CdtrAgt>');
    expect(xml).toContain('<Id>NOTPROVIDED</Id>');
    expect((await validatePain001(xml)).valid).toBe(true);
  });

  it('refuse what the schemas would not catch: a wrong IBAN key, an empty name, a duplicate EndToEndId, a zero amount', () => {
    expect(() => buildPain001(batch([transfer(1, 100, { iban: 'FR7630006000011234567890188' })]))).toThrow(SepaBuildError);
    expect(() => buildPain001(batch([transfer(1, 100, { creditorName: ' <"> ' })]))).toThrow(/nom vide/);
    expect(() => buildPain001(batch([transfer(1, 100), transfer(1, 200)]))).toThrow(/en double/);
    expect(() => buildPain001(batch([transfer(1, 0)]))).toThrow(/Montant/);
    expect(() => buildPain001(batch([]))).toThrow(/vide/);
  });

  it('are reported invalid, with the schema’s message, when they break the schema', async () => {
    const { xml } = buildPain001(batch([transfer(1, 100)]));
    const verdict = await validatePain001(xml.replace('<ChrgBr>SLEV</ChrgBr>', '<ChrgBr>DEBT</ChrgBr>'));
    expect(verdict.valid).toBe(false);
    expect(verdict.errors.join(' ')).toMatch(/EPC pain\.001\.001\.03 .*ChrgBr/);
  });

  it('sum to the cent for 10,000 random payments (NbOfTxs, CtrlSum and the amounts read back)', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    const amounts = Array.from({ length: 10_000 }, () => 1 + (random() % 500_000));
    const { xml, count, controlSumCents } = buildPain001(batch(amounts.map((a, i) => transfer(i, a))));
    const expected = amounts.reduce((s, a) => s + BigInt(a), 0n);
    expect(count).toBe(10_000);
    expect(controlSumCents).toBe(expected);
    const doc = new XMLParser({ parseTagValue: false, ignoreAttributes: true }).parse(xml);
    const info = doc.Document.CstmrCdtTrfInitn.PmtInf;
    const readBack = (info.CdtTrfTxInf as Array<{ Amt: { InstdAmt: string } }>).reduce((s, t) => s + BigInt(t.Amt.InstdAmt.replace('.', '')), 0n);
    expect(readBack).toBe(expected);
    expect(doc.Document.CstmrCdtTrfInitn.GrpHdr.CtrlSum).toBe(sepaAmount(expected));
    expect(info.CtrlSum).toBe(sepaAmount(expected));
    expect(info.NbOfTxs).toBe('10000');
  });
});

describe('pain.002 status reports', () => {
  const report = (body: string) =>
    `<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt><GrpHdr><MsgId>R1</MsgId><CreDtTm>2026-12-02T08:00:00</CreDtTm></GrpHdr>${body}</CstmrPmtStsRpt></Document>`;

  it('name the original file and each transfer’s status and reason', () => {
    const r = parsePain002(
      report(`<OrgnlGrpInfAndSts><OrgnlMsgId>ENTRAIDE-20261201-000001</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.03</OrgnlMsgNmId><GrpSts>PART</GrpSts></OrgnlGrpInfAndSts>
      <OrgnlPmtInfAndSts><OrgnlPmtInfId>LOT-1</OrgnlPmtInfId><TxInfAndSts><OrgnlEndToEndId>E2026-00001-01</OrgnlEndToEndId><TxSts>RJCT</TxSts><StsRsnInf><Rsn><Cd>AC04</Cd></Rsn></StsRsnInf></TxInfAndSts>
      <TxInfAndSts><OrgnlEndToEndId>E2026-00002-01</OrgnlEndToEndId><TxSts>ACCP</TxSts></TxInfAndSts></OrgnlPmtInfAndSts>`),
    );
    expect(r.originalMsgId).toBe('ENTRAIDE-20261201-000001');
    expect(r.transfers).toEqual([
      { endToEndId: 'E2026-00001-01', status: 'RJCT', reasonCode: 'AC04' },
      { endToEndId: 'E2026-00002-01', status: 'ACCP', reasonCode: null },
    ]);
  });

  it('refuse a file that is not a status report, in French', () => {
    expect(() => parsePain002('<a><b></a>')).toThrow(StatusReportError);
    expect(() => parsePain002('<?xml version="1.0"?><Document><Other/></Document>')).toThrow(/pain\.002/);
    expect(() => parsePain002(report('<OrgnlGrpInfAndSts></OrgnlGrpInfAndSts>'))).toThrow(/OrgnlMsgId/);
  });
});
