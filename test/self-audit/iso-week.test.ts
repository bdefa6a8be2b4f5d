import { selfAudit } from '../../src/jobs/definitions/self-audit';
import { coveredWeek, isoWeekKey, isoWeekOf, mondayOfKey } from '../../src/shared/iso-week';

/** The self-audit's period: the ISO week on a Paris clock, one report per week (docs/auto-controle.md). */
describe('ISO weeks of the weekly self-audit', () => {
  it('puts a Monday morning and the Sunday night after it in the same week', () => {
    expect(isoWeekKey(new Date('2026-11-23T05:00:00Z'))).toBe('2026-W48'); // Monday 06:00 Paris
    expect(isoWeekKey(new Date('2026-11-29T22:59:00Z'))).toBe('2026-W48'); // Sunday 23:59 Paris
    expect(isoWeekKey(new Date('2026-11-29T23:00:00Z'))).toBe('2026-W49'); // Monday 00:00 Paris, still Sunday in UTC
  });

  it('counts 31 December in week 53 or in week 1 of the next year, by its Thursday', () => {
    expect(isoWeekKey(new Date('2026-12-31T22:50:00Z'))).toBe('2026-W53'); // Thursday 31 December 2026, 23:50 Paris
    expect(isoWeekKey(new Date('2027-01-03T12:00:00Z'))).toBe('2026-W53'); // the Sunday after is still week 53
    expect(isoWeekKey(new Date('2027-01-04T05:00:00Z'))).toBe('2027-W01');
    expect(isoWeekKey(new Date('2025-12-31T22:50:00Z'))).toBe('2026-W01'); // Wednesday 31 December 2025, 23:50 Paris
    expect(isoWeekKey(new Date('2026-12-31T23:50:00Z'))).toBe('2026-W53'); // 00:50 on 1 January 2027 in Paris: same week
  });

  it('uses the job’s period key', () => {
    expect(selfAudit.periodKey(new Date('2026-11-23T05:00:00Z'))).toBe('2026-W48');
    expect(selfAudit.schedule).toBe('0 6 * * 1');
  });

  it('finds the Monday of a key and refuses a week that does not exist', () => {
    expect(mondayOfKey('2026-W53')).toBe('2026-12-28');
    expect(mondayOfKey('2027-W01')).toBe('2027-01-04');
    expect(mondayOfKey('2025-W53')).toBeNull();
    expect(mondayOfKey('2026-W00')).toBeNull();
    expect(mondayOfKey('2026-48')).toBeNull();
  });

  it('covers the week before, Monday to Monday in Paris, 169 hours across the autumn clock change', () => {
    // 25 October 2026 at 03:00 Paris the clocks go back: the week of 19 October lasts one hour more
    const week = coveredWeek('2026-W44');
    expect(week.key).toBe('2026-W43');
    expect(week.start.toISOString()).toBe('2026-10-18T22:00:00.000Z');
    expect(week.end.toISOString()).toBe('2026-10-25T23:00:00.000Z');
    expect((week.end.getTime() - week.start.getTime()) / 3_600_000).toBe(169);
    // and the spring change makes its week 167 hours long
    const spring = isoWeekOf('2027-03-28');
    expect((spring.end.getTime() - spring.start.getTime()) / 3_600_000).toBe(167);
    expect(isoWeekKey(new Date('2026-10-26T05:00:00Z'))).toBe('2026-W44'); // Monday 06:00 Paris, winter time
  });
});
