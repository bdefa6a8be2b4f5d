import request from 'supertest';
import { selfAudit } from '../../src/jobs/definitions/self-audit';
import { secondFactorCheck } from '../../src/self-audit/checks/accounts';
import type { Check } from '../../src/self-audit/checks/types';
import { insertOrganisation } from '../factories/organisation';
import { insertUser } from '../factories/user';
import { $, CSRF_REFUSAL, loginAs, postForm } from '../support/http';
import { useWorld } from '../support/world';

/**
 * The weekly self-audit (issue 18, docs/auto-controle.md) on the real app and database: each check
 * with real rows, the job once per ISO week (Monday morning, Sunday night, 31 December, the clock
 * change), the mail to the association's administrators, the pages per role and the one-click
 * deactivation of an inactive account.
 */
const t = useWorld();
const DAY = 86_400_000;
const services = () => t.ctx.services;
const checkOf = (checks: Check[], code: string): Check => {
  const found = checks.find((c) => c.code === code);
  if (!found) throw new Error(`no check ${code}`);
  return found;
};
const at = (iso: string) => new Date(iso);
/** An account of the association whose last login (or creation, never logged in) is `days` before `now`. */
async function accountUnused(
  now: Date,
  days: number,
  o: { email: string; neverLoggedIn?: boolean; status?: 'active' | 'deactivated'; role?: 'social_adviser' | 'operator' },
) {
  const user = await insertUser(t.ctx.knex, { organisationId: t.world.association.id, role: o.role ?? 'social_adviser', email: o.email, status: o.status });
  const when = new Date(now.getTime() - days * DAY);
  await t.ctx
    .knex('users')
    .where({ id: user.id })
    .update({ last_login_at: o.neverLoggedIn ? null : when, created_at: o.neverLoggedIn ? when : new Date(when.getTime() - 30 * DAY) });
  return user;
}
const mails = (periodKey: string) =>
  t.ctx
    .knex('mail_outbox')
    .where({ kind: 'self_audit.weekly' })
    .andWhereLike('subject', `%${periodKey}%`)
    .orderBy('to_address')
    .select('to_address', 'subject', 'text_body');

describe('the checks, on real rows', () => {
  it('proposes the active accounts unused for 90 days or more: 89 days no, 90 and 91 yes, never logged in and created 91 days ago yes', async () => {
    const now = at('2026-11-23T05:00:00Z');
    await accountUnused(now, 89, { email: 'j89@asso.test' });
    await accountUnused(now, 90, { email: 'j90@asso.test' });
    await accountUnused(now, 91, { email: 'j91@asso.test' });
    await accountUnused(now, 91, { email: 'jamais91@asso.test', neverLoggedIn: true });
    await accountUnused(now, 89, { email: 'jamais89@asso.test', neverLoggedIn: true });
    await accountUnused(now, 300, { email: 'desactive@asso.test', status: 'deactivated' });
    const check = checkOf(await services().selfAudit.checks(now, '2026-W48'), 'comptes-inactifs');
    expect(check.status).toBe('a_revoir');
    expect(check.accounts?.map((a) => [a.email, a.days, a.lastLoginAt === null])).toEqual([
      ['j91@asso.test', 91, false],
      ['jamais91@asso.test', 91, true],
      ['j90@asso.test', 90, false],
    ]);
    expect(check.items?.[1]?.detail).toMatch(/^jamais connecté, créé le /);
  });

  it('counts the administrators of each organisation and the second factor enrolled per role', async () => {
    await insertOrganisation(t.ctx.knex, { kind: 'landlord', name: 'Bailleur Gamma' });
    await t.ctx
      .knex('users')
      .where({ id: t.world.users.admin.id })
      .update({ totp_secret: 'chiffré', totp_enabled_at: at('2026-10-01T08:00:00Z') });
    const checks = await services().selfAudit.checks(at('2026-11-23T05:00:00Z'), '2026-W48');
    const admins = checkOf(checks, 'administrateurs');
    expect(admins.items?.find((i) => i.label === 'Association Test')).toEqual({
      label: 'Association Test',
      detail: '1 administrateur(s) de l’association',
      status: 'ok',
    });
    expect(admins.items?.find((i) => i.label === 'Bailleur Alpha')?.status).toBe('ok');
    expect(admins.items?.find((i) => i.label === 'Bailleur Gamma')).toEqual({
      label: 'Bailleur Gamma',
      detail: 'aucun administrateur actif',
      status: 'a_revoir',
    });
    expect(admins.status).toBe('a_revoir');
    const factor = checkOf(checks, 'second-facteur');
    // the tests run with SECOND_FACTOR off: the privileged roles are said not to be asked for one
    expect(factor.items?.find((i) => i.label === 'Administrateur de l’association')).toMatchObject({
      detail: expect.stringMatching(/^1 sur 1 compte\(s\) actif\(s\) avec un second facteur — non exigé/),
      status: 'a_revoir',
    });
    expect(factor.items?.find((i) => i.label === 'Auditeur (lecture seule)')).toMatchObject({ detail: expect.stringContaining('facultatif'), status: 'ok' });
  });

  it('asks the second factor of the privileged roles when it is required, and counts who has not enrolled yet', async () => {
    const check = secondFactorCheck(
      [
        { role: 'admin', active: 3, enrolled: 3 },
        { role: 'accountant', active: 2, enrolled: 1 },
      ],
      ['admin', 'accountant'],
      ['admin', 'accountant'],
    );
    expect(check.items?.map((i) => i.status)).toEqual(['ok', 'a_revoir']);
    expect(check.items?.[1]?.detail).toContain('1 compte(s) l’activeront à leur prochaine connexion');
  });

  it('says one role per account, and shows a person holding active accounts of different roles', async () => {
    const before = checkOf(await services().selfAudit.checks(at('2026-11-23T05:00:00Z'), '2026-W48'), 'roles-multiples');
    expect(before.explanation).toContain('Un compte ne porte qu’un rôle');
    await insertUser(t.ctx.knex, {
      organisationId: t.world.association.id,
      role: 'operator',
      email: 'elise.martin@asso.test',
      firstName: 'Élise',
      lastName: 'Martin',
    });
    await insertUser(t.ctx.knex, {
      organisationId: t.world.association.id,
      role: 'accountant',
      email: 'e.martin@asso.test',
      firstName: 'Elise',
      lastName: 'MARTIN',
    });
    const check = checkOf(await services().selfAudit.checks(at('2026-11-23T05:00:00Z'), '2026-W48'), 'roles-multiples');
    expect(check.status).toBe('a_revoir');
    // the same person, accents and case aside (shown under the name of one of the accounts)
    expect(check.items).toEqual([{ label: expect.stringMatching(/^[ÉE]lise M(artin|ARTIN)$/), detail: 'Chargé d’instruction, Comptable (Association Test)' }]);
  });

  it('counts the week’s lockouts and access alerts Monday to Monday in Paris, across the autumn clock change', async () => {
    const { adminA, instructorA, adminB, instructorB } = t.world.users;
    const locked = (user: string, failedAt: string) =>
      t.ctx
        .knex('users')
        .where({ id: user })
        .update({ failed_logins: 5, locked_until: new Date(Date.parse(failedAt) + 15 * 60_000) });
    await locked(adminA.id, '2026-10-25T22:30:00Z'); // Sunday 25 October, 23:30 Paris (winter time): in the week
    await locked(instructorA.id, '2026-10-25T23:10:00Z'); // Monday 26, 00:10 Paris: the next week
    await locked(adminB.id, '2026-10-18T21:50:00Z'); // Sunday 18, 23:50 Paris (summer time): the week before
    const alert = (user: string, start: string) =>
      t.ctx.knex('access_alerts').insert({
        user_id: user,
        period_start: at(start),
        period_end: new Date(Date.parse(start) + 3_600_000),
        records: 200,
        threshold: 150,
        created_at: new Date(Date.parse(start) + 3_700_000),
      });
    await alert(instructorB.id, '2026-10-18T22:00:00Z'); // Monday 19, 00:00 Paris: first hour of the week
    await alert(instructorB.id, '2026-10-25T22:00:00Z'); // Sunday 25, 23:00 Paris: last hour of the week
    await alert(adminB.id, '2026-10-25T23:00:00Z'); // Monday 26, 00:00 Paris: the next week
    const checks = await services().selfAudit.checks(at('2026-10-26T05:00:00Z'), '2026-W44');
    const logins = checkOf(checks, 'connexions-echouees');
    expect(logins.items?.[0]).toEqual({ label: 'Comptes verrouillés dans la semaine', detail: '1' });
    expect(logins.status).toBe('a_revoir');
    const alerts = checkOf(checks, 'alertes-consultation');
    expect(alerts.items).toEqual([
      { label: 'Alertes', detail: '2' },
      { label: 'Utilisateurs concernés', detail: '1' },
    ]);
    await t.ctx.knex('users').whereIn('id', [adminA.id, instructorA.id, adminB.id]).update({ failed_logins: 0, locked_until: null });
  });

  it('counts a lockout made through the login form', async () => {
    t.ctx.clock.set(at('2026-11-18T10:00:00Z'));
    const target = await insertUser(t.ctx.knex, { organisationId: t.world.landlordB.id, role: 'landlord_instructor', email: 'verrou@beta.test' });
    const agent = request.agent(t.ctx.app);
    for (let i = 0; i < 5; i++) await postForm(agent, '/connexion', { email: target.email, password: 'pas-le-bon-mot-de-passe' });
    const checks = await services().selfAudit.checks(at('2026-11-23T05:00:00Z'), '2026-W48');
    expect(checkOf(checks, 'connexions-echouees').items).toEqual([
      { label: 'Comptes verrouillés dans la semaine', detail: '1' },
      { label: 'Comptes avec des essais infructueux en cours', detail: '1' },
    ]);
    await t.ctx.knex('users').where({ id: target.id }).update({ status: 'deactivated', failed_logins: 0, locked_until: null });
  });

  it('reads the latest restore drill when its table exists', async () => {
    const none = checkOf(await services().selfAudit.checks(at('2026-11-23T05:00:00Z'), '2026-W48'), 'exercice-restauration');
    expect(none.explanation).toContain('Aucun exercice de restauration enregistré');
    await t.ctx.knex('restore_drills').insert({
      started_at: at('2026-11-10T02:00:00Z'),
      finished_at: at('2026-11-10T02:03:00Z'),
      source: 'offsite',
      backup_name: 'entraide-20261110-013000.dump',
      ok: true,
    });
    const drill = checkOf(await services().selfAudit.checks(at('2026-11-23T05:00:00Z'), '2026-W48'), 'exercice-restauration');
    expect(drill).toMatchObject({ status: 'ok', explanation: 'Le dernier exercice de restauration, il y a 13 jour(s), a réussi.' });
  });
});

describe('the weekly job', () => {
  it('makes, archives and mails the report once per ISO week: Monday morning, then nothing more until Sunday night', async () => {
    t.ctx.clock.set(at('2026-11-30T05:00:00Z')); // Monday 30 November, 06:00 Paris
    const first = await services().jobs.run(selfAudit, services(), 'Test');
    expect(first).toMatchObject({ status: 'succeeded', counts: { reports: 1, mails: 1 } });
    const row = await t.ctx.knex('self_audit_reports').where({ period_key: '2026-W49' }).first();
    expect(row).toMatchObject({ recipients: 1 });
    expect(new Date(row.covers_from).toISOString()).toBe('2026-11-22T23:00:00.000Z');
    expect(row.ok_count + row.review_count + row.alert_count).toBe(13);
    const sent = await mails('2026-W49');
    expect(sent.map((m) => m.to_address)).toEqual(['admin@asso.test']);
    expect(sent[0]?.text_body).toContain(`http://entraide.test/admin/auto-controle/${row.id}`);
    expect(sent[0]?.text_body).toContain('[à revoir] Comptes inactifs depuis 90 jours');
    expect(sent[0]?.text_body).not.toContain('test-secret-test-secret');

    t.ctx.clock.set(at('2026-12-06T22:30:00Z')); // Sunday 6 December, 23:30 Paris: the same week
    expect(await services().jobs.run(selfAudit, services(), 'Test')).toEqual({ status: 'skipped', reason: 'déjà exécutée pour cette période' });
    expect(await services().selfAudit.runWeek()).toMatchObject({ periodKey: '2026-W49', made: false, mails: 0 });
    expect(await mails('2026-W49')).toHaveLength(1);

    t.ctx.clock.set(at('2026-12-06T23:30:00Z')); // Monday 7 December, 00:30 Paris: a new week
    expect(await services().selfAudit.runWeek()).toMatchObject({ periodKey: '2026-W50', made: true, mails: 1 });
  });

  it('makes one report when two runs race for the same week', async () => {
    t.ctx.clock.set(at('2026-12-14T05:00:00Z'));
    const runs = await Promise.all([services().selfAudit.runWeek(), services().selfAudit.runWeek()]);
    expect(runs.map((r) => r.made).sort()).toEqual([false, true]);
    expect(await t.ctx.knex('self_audit_reports').where({ period_key: '2026-W51' })).toHaveLength(1);
    expect(await mails('2026-W51')).toHaveLength(1);
  });

  it('files 31 December 23:50 in week 53, and the Monday after in week 1 of the new year', async () => {
    t.ctx.clock.set(at('2026-12-31T22:50:00Z'));
    expect(await services().selfAudit.runWeek()).toMatchObject({ periodKey: '2026-W53', made: true });
    t.ctx.clock.set(at('2027-01-04T05:00:00Z'));
    expect(await services().selfAudit.runWeek()).toMatchObject({ periodKey: '2027-W01', made: true });
    const row = await t.ctx.knex('self_audit_reports').where({ period_key: '2027-W01' }).first();
    expect(new Date(row.covers_from).toISOString()).toBe('2026-12-27T23:00:00.000Z');
    expect(new Date(row.covers_to).toISOString()).toBe('2027-01-03T23:00:00.000Z');
  });

  it('refuses a period that is not an ISO week', async () => {
    await expect(services().selfAudit.runWeek('2025-W53')).rejects.toThrow();
  });
});

describe('the pages and the one-click deactivation', () => {
  let reportId: string;
  let dormant: { id: string; email: string };
  let returning: { id: string; email: string };

  beforeAll(async () => {
    t.ctx.clock.set(at('2027-01-11T08:00:00Z'));
    const now = t.ctx.clock.now();
    dormant = await accountUnused(now, 120, { email: 'dormant@asso.test' });
    returning = await accountUnused(now, 100, { email: 'revenant@asso.test' });
    const run = await services().selfAudit.runWeek();
    reportId = run.reportId as string;
  });

  it('lists the reports and shows one to the administrators, with a deactivation button per inactive account', async () => {
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    const list = await admin.get('/admin/auto-controle');
    expect(list.status).toBe(200);
    expect($(list.text)('#rapports-auto-controle tbody tr').first().text()).toContain('2027-W02');
    const page = await admin.get(`/admin/auto-controle/${reportId}`);
    expect(page.status).toBe(200);
    const $p = $(page.text);
    expect($p('#comptes-inactifs').text()).toContain('dormant@asso.test');
    expect($p(`form[action="/admin/auto-controle/${reportId}/comptes/${dormant.id}/desactiver"] button[name="confirmer"]`)).toHaveLength(1);
    expect($p('#secrets').text()).toContain('SESSION_SECRET');
    expect(page.text).not.toContain('test-secret-test-secret');
  });

  it('shows the reports to the auditor without any button, and to no one else', async () => {
    const auditor = await loginAs(t.ctx.app, t.world.users.auditor.email);
    const page = await auditor.get(`/admin/auto-controle/${reportId}`);
    expect(page.status).toBe(200);
    expect($(page.text)('#comptes-inactifs form')).toHaveLength(0);
    expect((await postForm(auditor, `/admin/auto-controle/${reportId}/comptes/${dormant.id}/desactiver`, { confirmer: 'oui' }, '/')).status).toBe(403);
    for (const email of [t.world.users.operator.email, t.world.users.adminA.email]) {
      const other = await loginAs(t.ctx.app, email);
      expect((await other.get('/admin/auto-controle')).status).toBe(403);
    }
    expect((await request(t.ctx.app).get('/admin/auto-controle')).header.location).toBe('/connexion');
  });

  it('answers 404 for an unknown report, and for an account the report did not propose', async () => {
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    expect((await admin.get('/admin/auto-controle/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await admin.get('/admin/auto-controle/pas-un-identifiant')).status).toBe(404);
    const res = await postForm(
      admin,
      `/admin/auto-controle/${reportId}/comptes/${t.world.users.operator.id}/desactiver`,
      { confirmer: 'oui' },
      `/admin/auto-controle/${reportId}`,
    );
    expect(res.status).toBe(404);
    expect((await t.ctx.knex('users').where({ id: t.world.users.operator.id }).first()).status).toBe('active');
  });

  it('refuses a post without the CSRF token or without the confirmation', async () => {
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    const path = `/admin/auto-controle/${reportId}/comptes/${dormant.id}/desactiver`;
    const forged = await admin.post(path).type('form').send({ confirmer: 'oui' });
    expect(forged.status).toBe(403);
    expect(forged.text).toContain(CSRF_REFUSAL);
    const unconfirmed = await postForm(admin, path, {}, `/admin/auto-controle/${reportId}`);
    expect(unconfirmed.status).toBe(302);
    const back = await admin.get(unconfirmed.header.location as string);
    expect($(back.text)('.alert-danger').text()).toContain('Confirmez la désactivation du compte');
    expect((await t.ctx.knex('users').where({ id: dormant.id }).first()).status).toBe('active');
  });

  it('deactivates a proposed account in one click, audited twice (the account, the report), and not twice', async () => {
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    const path = `/admin/auto-controle/${reportId}/comptes/${dormant.id}/desactiver`;
    const res = await postForm(admin, path, { confirmer: 'oui' }, `/admin/auto-controle/${reportId}`);
    expect(res.status).toBe(302);
    expect(res.header.location).toBe(`/admin/auto-controle/${reportId}#comptes-inactifs`);
    expect((await t.ctx.knex('users').where({ id: dormant.id }).first()).status).toBe('deactivated');
    const trail = await t.ctx.knex('audit_events').whereIn('action', ['user.deactivated', 'self_audit.account_deactivated']).orderBy('id');
    expect(trail.map((e) => [e.action, e.actor_user_id])).toEqual([
      ['user.deactivated', t.world.users.admin.id],
      ['self_audit.account_deactivated', t.world.users.admin.id],
    ]);
    const page = await admin.get(res.header.location as string);
    expect($(page.text)('.alert-success').text()).toContain('est désactivé');
    expect($(page.text)('#comptes-inactifs').text()).toContain('désactivé');
    const again = await postForm(admin, path, { confirmer: 'oui' }, `/admin/auto-controle/${reportId}`);
    const after = await admin.get(again.header.location as string);
    expect($(after.text)('.alert-danger').text()).toContain('est déjà désactivé');
  });

  it('keeps an account that logged in since the report', async () => {
    await t.ctx.knex('users').where({ id: returning.id }).update({ last_login_at: t.ctx.clock.now() });
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    const res = await postForm(
      admin,
      `/admin/auto-controle/${reportId}/comptes/${returning.id}/desactiver`,
      { confirmer: 'oui' },
      `/admin/auto-controle/${reportId}`,
    );
    const page = await admin.get(res.header.location as string);
    expect($(page.text)('.alert-danger').text()).toContain('s’est connecté(e) depuis ce rapport');
    expect((await t.ctx.knex('users').where({ id: returning.id }).first()).status).toBe('active');
  });
});
