import ExcelJS from 'exceljs';
import { parisDateTime } from '../../src/shared/dates';
import { duePeriod, isoWeek } from '../../src/aid-requests/lists/subscriptions';
import { insertHousehold } from '../factories/household';
import { actorOf, paymentSetup } from '../factories/payment';
import { insertRequest } from '../factories/request';
import { TEST_NOW } from '../support/app';
import { onPostgres } from '../support/database';
import { $, type Agent, fieldError, loginAs, postForm } from '../support/http';
import { useWorld } from '../support/world';

/**
 * « Recevoir cette liste par courriel » (issue 16, docs/rapports.md): a person saves the requests
 * list's filter as a report received weekly or monthly as XLSX; the job sends each once per
 * period, with the person's own reach at sending time.
 */
const t = useWorld();
let instructorA: Agent;

const paris = (day: string, time: string) => parisDateTime(day, time) as Date;
const at = (day: string, time: string) => t.ctx.clock.set(paris(day, time));
const send = () => t.ctx.services.listSubscriptions.sendDue();
const mails = () => t.ctx.knex('mail_outbox').where({ kind: 'list_report' }).orderBy('created_at');

async function attachmentRows(mailId: string): Promise<string[][]> {
  const attachment = await t.ctx.knex('mail_attachments').where({ mail_id: mailId }).first();
  const blob = await t.ctx.services.blobs.get(t.ctx.knex, attachment.blob_id as string);
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(blob!.data as unknown as ArrayBuffer);
  const rows: string[][] = [];
  book.getWorksheet('Demandes')?.eachRow((row) => rows.push((row.values as unknown[]).slice(1).map((v) => String(v ?? ''))));
  return rows;
}

beforeAll(async () => {
  const { aqId } = await paymentSetup(t.ctx.services, t.ctx.knex, t.world);
  for (const [landlord, by, n] of [
    [t.world.landlordA, t.world.users.instructorA.id, 3],
    [t.world.landlordB, t.world.users.instructorB.id, 2],
  ] as const) {
    for (let i = 0; i < n; i++) {
      const household = await insertHousehold(t.ctx.knex, landlord.id);
      await insertRequest(t.ctx.knex, { organisationId: landlord.id, householdId: household.id, aidTypeId: aqId, createdBy: by, status: 'submitted' });
    }
  }
  instructorA = await loginAs(t.ctx.app, t.world.users.instructorA.email);
});
afterAll(() => t.ctx.clock.set(TEST_NOW));

describe('subscribing from the list', () => {
  it('offers the form under the list, and saves the filter with its name and frequency', async () => {
    const list = await instructorA.get('/demandes?status=submitted');
    expect($(list.text)('form[action="/listes-par-courriel"] input[name="query"]').attr('value')).toBe('status=submitted');
    const res = await postForm(
      instructorA,
      '/listes-par-courriel',
      { name: 'Déposées de mon agence', frequency: 'weekly', query: 'status=submitted&page=3' },
      '/demandes',
    );
    expect(res.status).toBe(302);
    const page = await instructorA.get('/listes-par-courriel');
    expect($(page.text)('tbody th a').text()).toBe('Déposées de mon agence');
    expect($(page.text)('tbody th a').attr('href')).toBe('/demandes?status=submitted');
    const audit = await t.ctx.knex('audit_events').where({ entity_type: 'list_subscription', action: 'create' }).first('after');
    expect(audit.after).toMatchObject({ name: 'Déposées de mon agence', query: 'status=submitted', frequency: 'weekly' });
  });

  it('re-renders a form without a name in French, keeping the filter and the frequency chosen', async () => {
    const res = await postForm(instructorA, '/listes-par-courriel', { name: '  ', frequency: 'monthly', query: 'status=submitted' }, '/demandes');
    expect(res.status).toBe(400);
    expect(fieldError(res.text, 'name')).toBe('Nommez cette liste');
    expect($(res.text)('input[name="query"]').attr('value')).toBe('status=submitted');
    expect($(res.text)('input[name="frequency"][value="monthly"]').attr('checked')).toBeDefined();
    const twice = await postForm(instructorA, '/listes-par-courriel', { name: 'Déposées de mon agence', frequency: 'monthly', query: '' }, '/demandes');
    expect(twice.status).toBe(400);
    expect(fieldError(twice.text, 'name')).toMatch(/déjà une liste nommée/);
  });
});

describe('the list-reports job', () => {
  it('sends a weekly list on Monday morning, once, with only what the person may see, filtered as saved', async () => {
    at('2026-12-06', '23:50'); // Sunday night in Paris: not yet
    expect(await send()).toEqual({ sent: 0, skipped: 0 });
    at('2026-12-07', '07:00'); // Monday
    expect(await send()).toEqual({ sent: 1, skipped: 0 });
    const [mail] = await mails();
    expect(mail).toMatchObject({ to_address: t.world.users.instructorA.email, subject: expect.stringContaining('semaine du 07/12/2026') as string });
    expect(mail.text_body).toContain('/listes-par-courriel');
    const rows = await attachmentRows(mail.id as string);
    expect(rows[0]).toContain('Bailleur');
    // landlord A's three submitted requests, never landlord B's
    expect(rows.slice(1)).toHaveLength(3);
    expect(rows.flat().join(' ')).not.toContain(t.world.landlordB.name);
    // the export is traced as the person's read
    expect(
      await t.ctx.knex('access_events').where({ user_id: t.world.users.instructorA.id, action: 'requests.export' }).count<{ n: string }[]>('* as n'),
    ).toEqual([{ n: expect.stringMatching(/^[1-9]/) as string }]);
    // a second run on Monday, Tuesday: nothing more
    expect(await send()).toEqual({ sent: 0, skipped: 0 });
    at('2026-12-08', '07:00');
    expect(await send()).toEqual({ sent: 0, skipped: 0 });
    // the next Monday: again
    at('2026-12-14', '07:00');
    expect(await send()).toEqual({ sent: 1, skipped: 0 });
  });

  it(`sends a monthly list on the 1st, once even when two runs meet (${onPostgres() ? 'PostgreSQL: two at once' : 'PGlite: one connection'})`, async () => {
    const operator = await actorOf(t.ctx.knex, t.world.users.operator.id);
    await t.ctx.services.listSubscriptions.subscribe(operator, { name: 'Tout', query: '', frequency: 'monthly' });
    at('2026-12-31', '23:50');
    const before = (await mails()).length;
    expect((await send()).sent).toBe(0);
    at('2027-01-01', '00:10');
    const runs = await Promise.all([send(), send()]);
    expect(runs.reduce((n, r) => n + r.sent, 0)).toBe(1);
    const sent = (await mails()).slice(before);
    expect(sent.map((m: { to_address: string; subject: string }) => [m.to_address, m.subject])).toEqual([
      [t.world.users.operator.email, 'Votre liste « Tout » (mois de décembre 2026)'],
    ]);
    // the association's operator sees both landlords' requests
    expect((await attachmentRows(sent[0].id as string)).slice(1)).toHaveLength(5);
  });

  it('sends nothing to a person deactivated since, and notes the period so as not to try again', async () => {
    await t.ctx.knex('users').where({ id: t.world.users.operator.id }).update({ status: 'deactivated' });
    at('2027-04-01', '07:00'); // a Thursday: only the monthly list is due
    expect(await send()).toEqual({ sent: 0, skipped: 1 });
    expect(await send()).toEqual({ sent: 0, skipped: 0 });
    await t.ctx.knex('users').where({ id: t.world.users.operator.id }).update({ status: 'active' });
  });
});

describe('stopping a list', () => {
  it('asks to confirm, then stops it (audited); another person’s list is not found', async () => {
    // the clock went months ahead above: a fresh session
    instructorA = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    const id = (await t.ctx.knex('list_subscriptions').where({ user_id: t.world.users.instructorA.id }).first('id')).id as string;
    const unconfirmed = await postForm(instructorA, `/listes-par-courriel/${id}/supprimer`, {}, '/listes-par-courriel');
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.text).toContain('Cochez la case pour confirmer');
    const other = await loginAs(t.ctx.app, t.world.users.instructorB.email);
    expect((await postForm(other, `/listes-par-courriel/${id}/supprimer`, { confirm: 'on' }, '/demandes')).status).toBe(404);
    expect((await postForm(instructorA, `/listes-par-courriel/${id}/supprimer`, { confirm: 'on' }, '/listes-par-courriel')).status).toBe(302);
    expect(await t.ctx.knex('list_subscriptions').where({ id })).toEqual([]);
    expect(await t.ctx.knex('audit_events').where({ entity_type: 'list_subscription', entity_id: id, action: 'delete' })).toHaveLength(1);
  });
});

describe('periods', () => {
  it('numbers weeks as ISO 8601 and is due on Mondays and on the 1st only', () => {
    expect(isoWeek('2026-12-28')).toBe('2026-W53');
    expect(isoWeek('2027-01-03')).toBe('2026-W53');
    expect(isoWeek('2027-01-04')).toBe('2027-W01');
    expect(duePeriod('weekly', '2026-12-07')).toBe('2026-W50');
    expect(duePeriod('weekly', '2026-12-06')).toBeNull();
    expect(duePeriod('monthly', '2027-01-01')).toBe('2027-01');
    expect(duePeriod('monthly', '2026-12-31')).toBeNull();
    // the DST change (Sunday 29 March 2026): Monday 30 March is due
    expect(duePeriod('weekly', '2026-03-30')).toBe('2026-W14');
  });
});
