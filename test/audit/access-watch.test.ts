import { loadConfig } from '../../src/config';
import { accessAlerts } from '../../src/jobs/definitions/access-alerts';
import { accessLogRetention } from '../../src/jobs/definitions/access-log-retention';
import { loginAs } from '../support/http';
import { TEST_NOW } from '../support/app';
import { useWorld } from '../support/world';

/**
 * Read traces after they are written (CNIL logging recommendation, ASVS 7.x/8.3.5): kept append-only,
 * purged past the retention (only what the database agrees is old enough), watched for unusual
 * volumes with one alert per user and hour to the association's administrators.
 */
const t = useWorld({ ACCESS_LOG_RETENTION_MONTHS: '12', ACCESS_ALERT_RECORDS_PER_HOUR: '20' });
const SCHEDULER = { userId: null, label: 'Planificateur' };

const trace = (userId: string, organisationId: string, entityId: string, occurredAt: Date) => ({
  user_id: userId,
  organisation_id: organisationId,
  action: 'household.view',
  entity_type: 'household',
  entity_id: entityId,
  occurred_at: occurredAt,
});
const at = (iso: string) => new Date(iso);

describe('read traces: retention', () => {
  it('stays append-only: no update, no truncation, no deletion without a purge cutoff of six months or more, nothing newer than the cutoff', async () => {
    const op = t.world.users.operator;
    await t.ctx.knex('access_events').insert(trace(op.id, t.world.association.id, 'h-ancienne', at('2024-01-10T10:00:00Z')));
    await expect(t.ctx.knex('access_events').update({ action: 'x' })).rejects.toThrow(/append-only/);
    await expect(t.ctx.knex.raw('truncate access_events')).rejects.toThrow(/append-only/);
    await expect(t.ctx.knex('access_events').where({ entity_id: 'h-ancienne' }).delete()).rejects.toThrow(/append-only/);
    // a cutoff of last week does not let anything go
    await expect(
      t.ctx.knex.transaction(async (trx) => {
        await trx.raw("select set_config('entraide.access_purge_before', ?, true)", [new Date(Date.now() - 7 * 86_400_000).toISOString()]);
        await trx('access_events').where({ entity_id: 'h-ancienne' }).delete();
      }),
    ).rejects.toThrow(/append-only/);
    // a proper cutoff lets only older rows go
    await t.ctx.knex('access_events').insert(trace(op.id, t.world.association.id, 'h-recente', at('2026-11-20T10:00:00Z')));
    await expect(
      t.ctx.knex.transaction(async (trx) => {
        await trx.raw("select set_config('entraide.access_purge_before', '2025-01-01T00:00:00Z', true)");
        await trx('access_events').whereIn('entity_id', ['h-ancienne', 'h-recente']).delete();
      }),
    ).rejects.toThrow(/append-only/);
    expect(await t.ctx.knex('access_events').whereIn('entity_id', ['h-ancienne', 'h-recente'])).toHaveLength(2);
  });

  it('purges every night the traces older than the retention, and only those', async () => {
    const op = t.world.users.operator;
    const old = Array.from({ length: 7 }, (_, i) => trace(op.id, t.world.association.id, `h-vieux-${i}`, at(`2025-0${i + 1}-15T10:00:00Z`)));
    await t.ctx.knex('access_events').insert([...old, trace(op.id, t.world.association.id, 'h-11-mois', at('2025-12-24T10:00:00Z'))]);
    const first = await t.ctx.services.jobs.run(accessLogRetention, t.ctx.services, SCHEDULER, accessLogRetention.periodKey(TEST_NOW));
    // 2024-01-10 (previous test) and the seven of 2025 before 23/11/2025 go; eleven months and younger stay
    expect(first).toMatchObject({ status: 'succeeded', counts: { deleted: 8 } });
    expect(await t.ctx.knex('access_events').where('entity_id', 'like', 'h-vieux-%')).toHaveLength(0);
    expect(await t.ctx.knex('access_events').whereIn('entity_id', ['h-11-mois', 'h-recente'])).toHaveLength(2);
    expect(await t.ctx.services.jobs.run(accessLogRetention, t.ctx.services, SCHEDULER, accessLogRetention.periodKey(TEST_NOW))).toMatchObject({
      status: 'skipped',
    });
  });

  it('refuses a retention outside six months to three years at start', () => {
    expect(() => loadConfig({ ACCESS_LOG_RETENTION_MONTHS: '3' })).toThrow(/six mois/);
    expect(() => loadConfig({ ACCESS_LOG_RETENTION_MONTHS: '48' })).toThrow(/trois ans/);
  });
});

describe('read traces: unusual volumes', () => {
  it('alerts the association’s administrators once when a user reads more distinct records in an hour than the threshold', async () => {
    const { instructorA, operator } = t.world.users;
    // in the hour before TEST_NOW (09:00Z): 21 distinct households by the instructor (some read twice), 20 by the operator
    const rows = [
      ...Array.from({ length: 21 }, (_, i) =>
        trace(instructorA.id, t.world.landlordA.id, `m-${i}`, at(`2026-11-23T08:${String(10 + i).padStart(2, '0')}:00Z`)),
      ),
      ...Array.from({ length: 5 }, (_, i) => trace(instructorA.id, t.world.landlordA.id, `m-${i}`, at('2026-11-23T08:50:00Z'))),
      ...Array.from({ length: 20 }, (_, i) => trace(operator.id, t.world.association.id, `o-${i}`, at('2026-11-23T08:30:00Z'))),
      // outside the hour: not counted
      ...Array.from({ length: 30 }, (_, i) => trace(operator.id, t.world.association.id, `p-${i}`, at('2026-11-23T07:30:00Z'))),
    ];
    await t.ctx.knex('access_events').insert(rows);
    const mailsBefore = await t.ctx.knex('mail_outbox').where({ kind: 'security.access_alert' });
    expect(mailsBefore).toHaveLength(0);

    const run = await t.ctx.services.jobs.run(accessAlerts, t.ctx.services, SCHEDULER, accessAlerts.periodKey(TEST_NOW));
    expect(run).toMatchObject({ status: 'succeeded', counts: { alerts: 1 } });
    const alerts = await t.ctx.knex('access_alerts');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ user_id: instructorA.id, records: 21, threshold: 20 });
    const mails = await t.ctx.knex('mail_outbox').where({ kind: 'security.access_alert' });
    expect(mails.map((m) => m.to_address)).toEqual([t.world.users.admin.email]);
    expect(mails[0].text_body).toContain('21 dossiers différents');
    expect(mails[0].text_body).toContain('le 23/11/2026 entre 09:00 et 10:00');
    expect(t.ctx.logs.some((l) => l.includes('security.access_anomaly') && l.includes(instructorA.id))).toBe(true);

    // the same hour watched again (a re-run, another replica): no second alert, no second mail
    expect(await t.ctx.services.accessWatch.watch(at('2026-11-23T08:00:00Z'), at('2026-11-23T09:00:00Z'), 20, TEST_NOW)).toEqual([]);
    expect(await t.ctx.knex('mail_outbox').where({ kind: 'security.access_alert' })).toHaveLength(1);

    // the association's administrator sees it on the account; the landlord's administrator does not
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    const page = await admin.get(`/utilisateurs/${instructorA.id}`);
    expect(page.text).toContain('Alertes de consultation');
    expect(page.text).toContain('23/11/2026 à 09:00 – 10:00');
    const landlordAdmin = await loginAs(t.ctx.app, t.world.users.adminA.email);
    expect((await landlordAdmin.get(`/utilisateurs/${instructorA.id}`)).text).not.toContain('Alertes de consultation');
  });
});
