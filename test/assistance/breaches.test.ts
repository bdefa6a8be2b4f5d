import { breachCountdown, formatDuration } from '../../src/assistance/breach-deadline';
import { TEST_NOW } from '../support/app';
import { $, type Agent, csrfToken, download, fieldError, loginAs, postForm } from '../support/http';
import { useWorld } from '../support/world';

/**
 * The register of personal-data breaches (GDPR art. 33(5)): written by the association's
 * administrators, read by its auditor, closed to everyone else; the 72 hours to notify the CNIL
 * counted on the injected clock from the awareness time; « not notified » only with a reason, a
 * late notification only with the reasons of the delay; entries never deleted, every edit audited
 * with its before and after; the whole register exported as CSV.
 */
const t = useWorld();
const HOUR = 3_600_000;
const agents: Record<string, Agent> = {};
const as = async (who: 'admin' | 'operator' | 'auditor' | 'accountant' | 'adminA' | 'instructorA') =>
  (agents[who] ??= await loginAs(t.ctx.app, t.world.users[who].email));
const norm = (s: string) => s.replace(/[\u202f\u00a0]/g, ' ').replace(/\s+/g, ' ');

/** TEST_NOW is 2026-11-23 09:00 UTC, 10:00 in Paris. */
const FIELDS = {
  nature: 'Un avis de paiement envoyé par courriel au mauvais locataire',
  peopleCategories: 'Locataires demandeurs d’aide',
  peopleCount: '1',
  recordCategories: 'Identité, adresse, montant de l’aide',
  recordCount: '3',
  consequences: 'Divulgation de la situation financière à un voisin',
  measures: 'Demande de suppression au destinataire, rappel de la procédure d’envoi',
  awareDate: '2026-11-23',
  awareTime: '10:00',
  cnilStatus: 'pending',
  peopleStatus: 'pending',
};
const record = async (fields: Record<string, string>) => postForm(await as('admin'), '/admin/violations', fields, '/admin/violations/nouvelle');
const idFrom = (location: string) => location.split('/').pop() as string;
let breachId = '';

beforeAll(async () => {
  t.ctx.clock.set(TEST_NOW);
  const res = await record(FIELDS);
  expect(res.status).toBe(302);
  breachId = idFrom(res.headers.location as string);
});

describe('the 72-hour countdown', () => {
  const aware = TEST_NOW;
  const at = (hours: number, minutes = 0) => new Date(aware.getTime() + hours * HOUR + minutes * 60_000);
  const pending = { awareAt: aware, cnilStatus: 'pending' as const, cnilNotifiedAt: null };

  it('runs for 72 hours from the awareness time, then is overdue (at exactly 72 h the deadline is reached)', () => {
    expect(breachCountdown(pending, at(1))).toMatchObject({ state: 'running', text: 'Reste 2 j 23 h pour notifier la CNIL' });
    expect(breachCountdown(pending, at(71, 59))).toMatchObject({ state: 'running', remainingMs: 60_000, text: 'Reste 0 h 01 pour notifier la CNIL' });
    expect(breachCountdown(pending, at(72))).toMatchObject({ state: 'overdue', lateMs: 0, text: 'Délai de 72 h atteint : notifiez la CNIL sans tarder' });
    expect(breachCountdown(pending, at(75, 30))).toMatchObject({ state: 'overdue', text: 'Délai de 72 h dépassé de 3 h 30 : notifiez la CNIL sans tarder' });
    expect(breachCountdown({ awareAt: aware, cnilStatus: 'notified', cnilNotifiedAt: at(80) }, at(90))).toMatchObject({ state: 'notified', late: true });
    expect(breachCountdown({ awareAt: aware, cnilStatus: 'notified', cnilNotifiedAt: at(70) }, at(90))).toMatchObject({ state: 'notified', late: false });
    expect(formatDuration(-5)).toBe('0 h 00');
  });

  it('is shown on the entry, the register and the administrators’ home as the fake clock moves: before, at 71 h 59, at 72 h, after notification', async () => {
    const badge = async (url: string) => {
      // a fresh login each time: the clock jumps past the session's idle limit
      const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
      const page = $((await admin.get(url)).text);
      return { text: norm(page('.badge').first().text()), danger: page('.badge').first().hasClass('text-bg-danger') };
    };
    try {
      t.ctx.clock.set(at(1));
      expect(await badge(`/admin/violations/${breachId}`)).toEqual({ text: 'Reste 2 j 23 h pour notifier la CNIL', danger: false });
      t.ctx.clock.set(at(71, 59));
      expect(await badge(`/admin/violations/${breachId}`)).toEqual({ text: 'Reste 0 h 01 pour notifier la CNIL', danger: false });
      expect(await badge('/admin/violations')).toEqual({ text: 'Reste 0 h 01 pour notifier la CNIL', danger: false });
      t.ctx.clock.set(at(72));
      expect(await badge(`/admin/violations/${breachId}`)).toEqual({ text: 'Délai de 72 h atteint : notifiez la CNIL sans tarder', danger: true });
      const home = $((await (await loginAs(t.ctx.app, t.world.users.admin.email)).get('/')).text);
      expect(norm(home('[data-assistance]').text())).toContain('Violation de données n° 1 : Délai de 72 h atteint');
      t.ctx.clock.set(at(74));
      const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
      const current = await t.ctx.knex('data_breaches').where({ id: breachId }).first();
      const notified = {
        ...FIELDS,
        cnilStatus: 'notified',
        cnilNotifiedDate: '2026-11-26',
        cnilNotifiedTime: '11:30',
        cnilReference: 'NOTIF-2026-42',
        version: String(current.version),
      };
      // notified 73 h 30 after awareness: the reasons of the delay are owed
      const late = await postForm(admin, `/admin/violations/${breachId}/modifier`, notified, `/admin/violations/${breachId}/modifier`);
      expect(late.status).toBe(400);
      expect(fieldError(late.text, 'delayReason')).toContain('plus de 72 heures après la prise de connaissance');
      expect($(late.text)('#cnilReference').val()).toBe('NOTIF-2026-42');
      const done = await postForm(
        admin,
        `/admin/violations/${breachId}/modifier`,
        { ...notified, delayReason: 'Le week-end, l’ampleur restait à établir' },
        `/admin/violations/${breachId}/modifier`,
      );
      expect(done.status).toBe(302);
      const page = $((await admin.get(`/admin/violations/${breachId}`)).text);
      expect(norm(page('.lead').text())).toContain('Notifiée à la CNIL le 26/11/2026 à 11:30');
      expect(norm(page('.lead').text())).toContain('Notifiée après le délai de 72 h');
      expect(page('.text-bg-danger').length).toBe(0);
    } finally {
      t.ctx.clock.set(TEST_NOW);
    }
  });
});

describe('recording an entry', () => {
  it('re-renders the form with what was typed and French errors, including the rules of time', async () => {
    const empty = await record({ nature: 'Gardé tel quel', cnilStatus: 'not_notified', peopleStatus: 'informed', peopleCount: 'environ 12' });
    expect(empty.status).toBe(400);
    expect(fieldError(empty.text, 'peopleCategories')).toMatch(/^Indiquez les catégories de personnes/);
    expect(fieldError(empty.text, 'awareDate')).toBe('Saisissez la date de prise de connaissance');
    expect(fieldError(empty.text, 'peopleCount')).toMatch(/^Saisissez un nombre entier/);
    expect($(empty.text)('#nature').text()).toBe('Gardé tel quel');
    expect($(empty.text)('input[name="cnilStatus"][value="not_notified"]').is(':checked')).toBe(true);
    const unjustified = await record({ ...FIELDS, cnilStatus: 'not_notified', peopleStatus: 'informed' });
    expect(unjustified.status).toBe(400);
    expect(fieldError(unjustified.text, 'notNotifiedReason')).toMatch(/^Justifiez l’absence de notification/);
    expect(fieldError(unjustified.text, 'peopleInformedDate')).toBe('Saisissez la date à laquelle les personnes ont été informées');
    expect(fieldError(unjustified.text, 'peopleInformedHow')).toMatch(/^Indiquez comment les personnes ont été informées/);
    const future = await record({ ...FIELDS, awareDate: '2026-11-24' });
    expect(fieldError(future.text, 'awareDate')).toBe('La prise de connaissance ne peut pas être dans le futur');
    const before = await record({ ...FIELDS, cnilStatus: 'notified', cnilNotifiedDate: '2026-11-22', cnilNotifiedTime: '10:00' });
    expect(fieldError(before.text, 'cnilNotifiedDate')).toBe('La notification ne peut pas précéder la prise de connaissance');
  });

  it('records « not notified » only with its justification, and keeps it', async () => {
    const res = await record({
      ...FIELDS,
      cnilStatus: 'not_notified',
      notNotifiedReason: 'Fichier chiffré, clé non compromise : pas de risque',
      peopleStatus: 'not_informed',
      peopleNotInformedReason: 'Pas de risque',
    });
    expect(res.status).toBe(302);
    const row = await t.ctx
      .knex('data_breaches')
      .where({ id: idFrom(res.headers.location as string) })
      .first();
    expect(row).toMatchObject({
      cnil_status: 'not_notified',
      not_notified_reason: 'Fichier chiffré, clé non compromise : pas de risque',
      people_status: 'not_informed',
    });
    expect(await t.ctx.knex('audit_events').where({ entity_id: row.id, action: 'breach.recorded' }).count<{ n: string }[]>({ n: '*' })).toEqual([{ n: '1' }]);
  });

  it('never deletes an entry: the database refuses it', async () => {
    await expect(t.ctx.knex('data_breaches').where({ id: breachId }).delete()).rejects.toThrow(/never deleted/);
    expect(await t.ctx.knex('data_breaches').where({ id: breachId }).first()).toBeTruthy();
  });

  it('audits each edit with its before and after', async () => {
    const rows = await t.ctx.knex('audit_events').where({ entity_type: 'data_breach', entity_id: breachId, action: 'breach.updated' });
    expect(rows).toHaveLength(1);
    expect(rows[0].before).toMatchObject({ cnilStatus: 'pending', cnilNotifiedAt: null });
    expect(rows[0].after).toMatchObject({ cnilStatus: 'notified', cnilReference: 'NOTIF-2026-42' });
    expect(rows[0].before).not.toHaveProperty('nature');
  });

  it('starts from a security-incident request: its subject and message prefilled, the link kept both ways', async () => {
    const [request] = await t.ctx
      .knex('assistance_requests')
      .insert({
        requester_id: t.world.users.adminA.id,
        organisation_id: t.world.landlordA.id,
        category: 'security_incident',
        subject: 'Ordinateur volé',
        priority: 'urgent',
        due_at: TEST_NOW,
        created_at: TEST_NOW,
        updated_at: TEST_NOW,
      })
      .returning('id');
    await t.ctx.knex('assistance_events').insert({
      request_id: request.id,
      kind: 'message',
      visibility: 'shared',
      author_label: 'A',
      from_association: false,
      message: 'Portable volé dans la voiture',
      created_at: TEST_NOW,
    });
    const admin = await as('admin');
    const form = $((await admin.get(`/admin/violations/nouvelle?demande=${request.id}`)).text);
    expect(form('#nature').text()).toContain('Ordinateur volé');
    expect(form('#nature').text()).toContain('Portable volé dans la voiture');
    expect(form('input[name="sourceRequestId"]').val()).toBe(request.id);
    const res = await record({ ...FIELDS, sourceRequestId: request.id });
    const id = idFrom(res.headers.location as string);
    expect((await t.ctx.knex('data_breaches').where({ id }).first()).source_request_id).toBe(request.id);
    expect($((await admin.get(`/assistance/${request.id}`)).text)(`a[href="/admin/violations/${id}"]`).length).toBe(1);
    // an unknown request id in the address: a blank form, never a 500
    expect((await admin.get('/admin/violations/nouvelle?demande=%27%20or%201%3D1')).status).toBe(200);
  });
});

describe('who reaches the register', () => {
  it('lets the auditor read it and nobody else but the administrators; only administrators write', async () => {
    const auditor = await as('auditor');
    expect((await auditor.get('/admin/violations')).status).toBe(200);
    expect((await auditor.get(`/admin/violations/${breachId}`)).status).toBe(200);
    expect((await auditor.get('/admin/violations/nouvelle')).status).toBe(403);
    expect((await auditor.get(`/admin/violations/${breachId}/modifier`)).status).toBe(403);
    expect($((await auditor.get('/admin/violations')).text)('a[href="/admin/violations/nouvelle"]').length).toBe(0);
    for (const who of ['operator', 'accountant', 'adminA', 'instructorA'] as const) {
      const agent = await as(who);
      for (const url of ['/admin/violations', '/admin/violations/registre.csv', `/admin/violations/${breachId}`, '/admin/violations/nouvelle'])
        expect({ who, url, status: (await agent.get(url)).status }).toEqual({ who, url, status: 403 });
      const token = await csrfToken(agent, '/');
      expect(
        (
          await agent
            .post('/admin/violations')
            .type('form')
            .send({ _csrf: token, ...FIELDS })
        ).status,
      ).toBe(403);
    }
  });

  it('refuses a post without its CSRF token', async () => {
    const res = await (await as('admin')).post('/admin/violations').type('form').send(FIELDS);
    expect(res.status).toBe(403);
  });

  it('answers odd input with a French 400 or a 404, never a 500', async () => {
    const admin = await as('admin');
    expect((await record({ ...FIELDS, nature: 'a\u0000b' })).status).toBe(400);
    const huge = await record({ ...FIELDS, nature: 'x'.repeat(90_000), peopleCount: '9'.repeat(50), awareTime: '25:99' });
    expect(huge.status).toBe(400);
    expect(fieldError(huge.text, 'awareTime')).toBe('Saisissez une heure valide, par exemple 14:30');
    expect(fieldError(huge.text, 'peopleCount')).toMatch(/^Saisissez un nombre entier/);
    for (const url of ['/admin/violations/abc', '/admin/violations/00000000-0000-0000-0000-000000000000/modifier'])
      expect({ url, status: (await admin.get(url)).status }).toEqual({ url, status: 404 });
  });
});

describe('the CSV export', () => {
  it('holds every entry with its facts, decisions and dates, neutralises formulas, and is traced', async () => {
    await record({ ...FIELDS, nature: '=HYPERLINK("http://evil")' });
    const file = await download(await as('auditor'), '/admin/violations/registre.csv');
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toMatch(/^text\/csv/);
    const text = file.body.toString('utf8');
    expect(text.startsWith('\ufeffN°;Prise de connaissance;Nature;')).toBe(true);
    expect(text).toContain('Notifiée à la CNIL');
    expect(text).toContain('NOTIF-2026-42');
    expect(text).toContain('Le week-end, l’ampleur restait à établir');
    expect(text).toContain('Fichier chiffré, clé non compromise : pas de risque');
    expect(text).toContain(`"'=HYPERLINK(""http://evil"")"`);
    const lines = text.trim().split('\r\n');
    expect(lines).toHaveLength(
      1 +
        (await t.ctx
          .knex('data_breaches')
          .count<{ n: string }[]>({ n: '*' })
          .then((r) => Number(r[0]?.n))),
    );
    expect(
      await t.ctx.knex('access_events').where({ action: 'breaches.export', user_id: t.world.users.auditor.id }).count<{ n: string }[]>({ n: '*' }),
    ).toEqual([{ n: '1' }]);
  });
});
