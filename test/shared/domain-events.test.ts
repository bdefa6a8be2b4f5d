import { DomainEvents } from '../../src/shared/domain-events';
import { startTestApp, type TestContext } from '../support/app';

const NOW = new Date('2026-11-23T09:00:00Z');
const closed = (missionId: string) => ({
  actor: { userId: 'u', name: 'Camille Durand', role: 'social_adviser', organisationId: 'o' } as never,
  missionId,
  organisationId: 'o',
});

let ctx: TestContext;
beforeAll(async () => {
  ctx = await startTestApp();
  await ctx.knex.schema.createTable('event_probe', (t) => t.text('what'));
});
afterAll(() => ctx.close());

describe('the domain-event dispatcher', () => {
  const db = {
    get knex() {
      return ctx.knex;
    },
  };

  it('runs the handlers of an event in their order of registration, and only those', async () => {
    const events = new DomainEvents();
    const seen: string[] = [];
    events.on('mission.closed', async (_trx, e) => void seen.push(`first ${e.missionId}`));
    events.on('aid.granted', async () => void seen.push('other event'));
    events.on('mission.closed', async (_trx, e) => void seen.push(`second ${e.missionId}`));
    await db.knex.transaction((trx) => events.emit(trx, 'mission.closed', closed('m1'), NOW));
    expect(seen).toEqual(['first m1', 'second m1']);
    expect(events.subscribed().sort()).toEqual(['aid.granted', 'mission.closed']);
  });

  it('returns what handlers ask to run after the commit, without running it', async () => {
    const events = new DomainEvents();
    const after: string[] = [];
    events.on('mission.closed', async () => async () => void after.push('mail'));
    events.on('mission.closed', async () => undefined);
    const runs = await db.knex.transaction((trx) => events.emit(trx, 'mission.closed', closed('m2'), NOW));
    expect(after).toEqual([]);
    expect(runs).toHaveLength(1);
    await runs[0]?.();
    expect(after).toEqual(['mail']);
  });

  it('runs handlers in the announcing transaction: a failing handler rolls the business change back', async () => {
    const events = new DomainEvents();
    events.on('mission.closed', async (trx) => void (await trx('event_probe').insert({ what: 'handler' })));
    events.on('mission.closed', async () => {
      throw new Error('ledger refused');
    });
    await expect(
      db.knex.transaction(async (trx) => {
        await trx('event_probe').insert({ what: 'business change' });
        await events.emit(trx, 'mission.closed', closed('m3'), NOW);
      }),
    ).rejects.toThrow('ledger refused');
    expect(await db.knex('event_probe').count({ n: '*' }).first()).toEqual({ n: '0' });
  });

  it('an event nobody hangs on is a no-op', async () => {
    await expect(
      db.knex.transaction((trx) =>
        new DomainEvents().emit(
          trx,
          'payment.rejected',
          { id: 'p', amountCents: 100, payeeId: null, instalment: 1, instalments: 1, reason: 'AC04', by: 'x', reference: 'R', requestId: 'r' },
          NOW,
        ),
      ),
    ).resolves.toEqual([]);
  });
});

describe('the assembled services', () => {
  it('hang the ledger on the money events, the appointments on a closed mission, the funder’s follow-up outbox on the dossiers’ events, the household’s link on a mission proposed', () => {
    expect(ctx.services.events.subscribed().sort()).toEqual([
      'aid.granted',
      'batch.transmitted',
      'instalments.cancelled',
      'mission.closed',
      'mission.moved',
      'mission.ordered',
      'mission.session_recorded',
      'payment.rejected',
      'request.moved',
    ]);
  });
});
