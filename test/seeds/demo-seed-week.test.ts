import { type DemoFacts, seedAt } from '../support/demo-seed';

/**
 * The demo seed runs whatever the day and hour of the first start: fourteen moments over one
 * week (early morning and late evening of each day, Paris time). The 1 December 22:00 start failed
 * with two appointments on one slot before the seed counted working days.
 */
const WEEK = [
  '2026-11-30T07:00:00+01:00', // Monday morning
  '2026-11-30T23:59:00+01:00',
  '2026-12-01T06:00:00+01:00',
  '2026-12-01T22:00:00+01:00', // the start that failed
  '2026-12-02T12:00:00+01:00',
  '2026-12-02T19:30:00+01:00',
  '2026-12-03T00:05:00+01:00',
  '2026-12-03T15:00:00+01:00',
  '2026-12-04T09:00:00+01:00',
  '2026-12-04T23:30:00+01:00',
  '2026-12-05T10:00:00+01:00',
  '2026-12-05T23:00:00+01:00',
  '2026-12-06T07:00:00+01:00',
  '2026-12-06T23:50:00+01:00', // Sunday night
];

let reference: DemoFacts | undefined;

describe('the demo seed over a week', () => {
  it.each(WEEK)(
    'succeeds at %s, every appointment on a working day in office hours, the one planned overlap only, nothing dated after now, the same counts',
    async (iso) => {
      const facts = await seedAt(new Date(iso));
      expect(facts.outOfHours).toEqual([]);
      expect(facts.overlaps).toBe(1);
      expect(facts.auditAfterNow).toBe(0);
      expect(Number(facts.counts.missions)).toBe(13);
      expect(Number(facts.counts.aid_requests)).toBe(16);
      expect(facts.counts.seed_runs).toBe('1');
      reference ??= facts;
      expect(facts.counts).toEqual(reference.counts);
    },
  );
});
