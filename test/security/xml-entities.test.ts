import { sepaBatches } from '../../src/jobs/definitions/sepa-batches';
import { parsePain002, StatusReportError } from '../../src/payments/sepa/pain002';
import { buildWorld, type World } from '../factories/world';
import { insertHousehold } from '../factories/household';
import { actorOf, grantedRequest, paymentSetup } from '../factories/payment';
import { startTestApp, type TestContext } from '../support/app';
import { $, loginAs } from '../support/http';
import { type ReceivedMail, startSmtpServer } from '../support/smtp';

/**
 * ASVS 4.0.3 V5.5.2: the bank's status report (pain.002, the only XML the extranet reads) is parsed
 * with no DTD at all: a file declaring a DOCTYPE or entities (XXE to read a server file, "billion
 * laughs" expansion, or an internal entity smuggling a value) is refused with a French message and
 * nothing of it is applied.
 */
const report = (head: string, msgId: string, e2e: string) => `<?xml version="1.0" encoding="UTF-8"?>${head}
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt><GrpHdr><MsgId>BANQUE-X</MsgId><CreDtTm>2026-12-07T07:00:00</CreDtTm></GrpHdr>
  <OrgnlGrpInfAndSts><OrgnlMsgId>${msgId}</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.03</OrgnlMsgNmId></OrgnlGrpInfAndSts>
  <OrgnlPmtInfAndSts><OrgnlPmtInfId>PMT-1</OrgnlPmtInfId>
    <TxInfAndSts><OrgnlEndToEndId>${e2e}</OrgnlEndToEndId><TxSts>RJCT</TxSts><StsRsnInf><Rsn><Cd>MD07</Cd></Rsn></StsRsnInf></TxInfAndSts>
  </OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>`;

const XXE = '<!DOCTYPE Document [<!ENTITY e SYSTEM "file:///etc/passwd">]>';
const LAUGHS = `<!DOCTYPE Document [<!ENTITY lol "lol">${[1, 2, 3, 4, 5, 6, 7, 8, 9]
  .map((n) => `<!ENTITY lol${n} "${`&lol${n === 1 ? '' : n - 1};`.repeat(10)}">`)
  .join('')}]>`;

describe('parsePain002 and DTDs (unit)', () => {
  it.each([
    ['an external entity (XXE)', report(XXE, '&e;', 'E2E-1')],
    ['a billion laughs expansion', report(LAUGHS, 'MSG-1', '&lol9;')],
    ['an internal entity', report('<!DOCTYPE Document [<!ENTITY id "MSG-1">]>', '&id;', 'E2E-1')],
    ['a DOCTYPE alone, in lower case', report('<!doctype Document>', 'MSG-1', 'E2E-1')],
    ['an external DTD', report('<!DOCTYPE Document SYSTEM "http://evil.example/x.dtd">', 'MSG-1', 'E2E-1')],
  ])('refuses %s with a French message', (_label, xml) => {
    const started = Date.now();
    expect(() => parsePain002(xml)).toThrow(StatusReportError);
    expect(() => parsePain002(xml)).toThrow(/DOCTYPE|entités/);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('still reads a plain report, predefined entities included', () => {
    expect(parsePain002(report('', 'MSG-1&amp;2', 'E2E-1')).originalMsgId).toBe('MSG-1&2');
  });
});

describe('the status report upload (/paiements/rapport-banque)', () => {
  let ctx: TestContext;
  let world: World;
  let smtp: { port: number; mails: ReceivedMail[]; stop(): Promise<void> };

  beforeAll(async () => {
    smtp = await startSmtpServer();
    ctx = await startTestApp({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port) });
    world = await buildWorld(ctx.knex);
  });
  afterAll(async () => {
    await ctx.close();
    await smtp.stop();
  });

  it('refuses a report with a DOCTYPE or entities, says so in French, and applies nothing', async () => {
    const setup = await paymentSetup(ctx.services, ctx.knex, world);
    const own = await grantedRequest(ctx.services, ctx.knex, world, {
      aqId: setup.aqId,
      householdId: (await insertHousehold(ctx.knex, world.landlordA.id)).id,
      amountCents: 25000,
      instalments: 1,
      firstDueDate: '2026-12-05',
    });
    await ctx.services.jobs.run(sepaBatches, ctx.services, { userId: null, label: 'Planificateur' }, '2026-12-04');
    const batch = await ctx.knex('payment_batches').where({ execution_date: '2026-12-07' }).first();
    const accountant = await actorOf(ctx.knex, world.users.accountant.id);
    await ctx.services.batches.approve(accountant, batch.id, 1);
    await ctx.services.batches.transmit(accountant, batch.id, 2);
    const payment = await ctx.knex('payments').where({ request_id: own }).first();
    const operator = await loginAs(ctx.app, world.users.operator.email);
    const token = $((await operator.get('/paiements')).text)('input[name="_csrf"]')
      .first()
      .attr('value') as string;
    const auditBefore = await ctx.knex('audit_events').count<{ count: string }[]>('* as count');

    const files = [
      report(XXE, batch.msg_id, '&e;'),
      report(LAUGHS, batch.msg_id, `${payment.end_to_end_id}&lol3;`),
      // an internal entity that would otherwise be expanded into the real reference and applied
      report(`<!DOCTYPE Document [<!ENTITY e2e "${payment.end_to_end_id}">]>`, batch.msg_id, '&e2e;'),
    ];
    for (const xml of files) {
      const res = await operator.post('/paiements/rapport-banque').field('_csrf', token).attach('file', Buffer.from(xml), 'pain002.xml');
      expect(res.status).toBe(302);
      const page = $((await operator.get('/paiements')).text);
      expect(page('.alert-danger').text()).toMatch(/DOCTYPE/);
      expect(page('.alert-success').text()).toBe('');
    }
    expect(await ctx.knex('payments').where({ id: payment.id }).first()).toMatchObject({ status: payment.status, rejection_code: null });
    expect(await ctx.knex('audit_events').count<{ count: string }[]>('* as count')).toEqual(auditBefore);
    expect(ctx.logs.join('\n')).not.toContain('root:');
  });
});
