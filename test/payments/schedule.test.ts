import { addMonths, buildSchedule, defaultFirstDueDate } from '../../src/payments/schedule';

describe('payment schedule', () => {
  it('splits an amount into instalments whose sum is exact, the remainder on the first one', () => {
    const s = buildSchedule(100000, 3, '2026-12-05');
    expect(s.map((i) => i.amountCents)).toEqual([33334, 33333, 33333]);
    expect(s.reduce((a, i) => a + i.amountCents, 0)).toBe(100000);
    expect(s.map((i) => i.dueDate)).toEqual(['2026-12-05', '2027-01-05', '2027-02-05']);
  });

  it('keeps exact sums for many random amounts and counts', () => {
    for (let n = 0; n < 2000; n++) {
      const amount = 1 + Math.floor(Math.random() * 10_000_000);
      const count = 1 + Math.floor(Math.random() * Math.min(24, amount));
      const s = buildSchedule(amount, count, '2026-01-31');
      expect(s.reduce((a, i) => a + i.amountCents, 0)).toBe(amount);
      expect(Math.max(...s.map((i) => i.amountCents)) - Math.min(...s.map((i) => i.amountCents))).toBeLessThan(count);
    }
  });

  it('falls due on the month’s last day when the month is shorter', () => {
    expect(buildSchedule(400, 4, '2026-01-31').map((i) => i.dueDate)).toEqual(['2026-01-31', '2026-02-28', '2026-03-31', '2026-04-30']);
    expect(addMonths('2027-12-31', 2)).toBe('2028-02-29');
  });

  it('refuses amounts that are not positive whole cents', () => {
    expect(() => buildSchedule(0, 1, '2026-01-01')).toThrow(RangeError);
    expect(() => buildSchedule(10.5, 1, '2026-01-01')).toThrow(RangeError);
    expect(() => buildSchedule(100, 0, '2026-01-01')).toThrow(RangeError);
  });

  it('proposes the 5th of next month as first due date', () => {
    expect(defaultFirstDueDate('2026-11-23')).toBe('2026-12-05');
    expect(defaultFirstDueDate('2026-12-01')).toBe('2027-01-05');
  });
});
