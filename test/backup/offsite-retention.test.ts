import { backupMoment, isoWeek, retainedBackups } from '../../src/backup/offsite';

/**
 * Issue 18: which off-site backups stay — the newest of each of the 14 most recent days, 8 ISO
 * weeks and 12 months that have one (Paris calendar) — at the calendar's edges.
 */
const KEEP = { daily: 14, weekly: 8, monthly: 12 };
const named = (at: Date) => ({ name: `entraide-${at.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}.tar.gz`, at });
/** The nightly backup of a Paris day, taken at 01:30 Paris time (00:30 UTC in winter, 23:30 UTC the day before in summer). */
const nightly = (day: string) => {
  const winter = new Date(`${day}T00:30:00Z`);
  const parisHour = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hour: 'numeric', hourCycle: 'h23' }).format(winter);
  return named(parisHour === '01' ? winter : new Date(winter.getTime() - 3600_000));
};
const days = (from: string, to: string) => {
  const out: string[] = [];
  for (let d = new Date(`${from}T12:00:00Z`); d.toISOString().slice(0, 10) <= to; d.setUTCDate(d.getUTCDate() + 1)) out.push(d.toISOString().slice(0, 10));
  return out;
};
const keptDays = (backups: Array<{ name: string; at: Date }>, keep = KEEP, now = new Date('2030-01-01T00:00:00Z')) => {
  const kept = retainedBackups(backups, keep, now);
  return backups.filter((b) => kept.has(b.name)).map((b) => b.name);
};

describe('ISO weeks', () => {
  it('follow ISO 8601 at the year’s edges (week 53, week 1 in the year before)', () => {
    expect(isoWeek('2026-12-28')).toBe('2026-W53');
    expect(isoWeek('2026-12-31')).toBe('2026-W53');
    expect(isoWeek('2027-01-03')).toBe('2026-W53');
    expect(isoWeek('2027-01-04')).toBe('2027-W01');
    expect(isoWeek('2021-01-01')).toBe('2020-W53');
    expect(isoWeek('2024-12-30')).toBe('2025-W01');
    expect(isoWeek('2026-11-23')).toBe('2026-W48');
  });

  it('a backup’s moment is read from its name (UTC)', () => {
    expect(backupMoment('entraide-20261123-013000.tar.gz')).toEqual(new Date('2026-11-23T01:30:00Z'));
    expect(backupMoment('entraide-20261123-013000.dump')).toEqual(new Date('2026-11-23T01:30:00Z'));
    expect(backupMoment('autre-chose.tar.gz')).toBeNull();
  });
});

describe('off-site retention', () => {
  it('keeps 14 days, the Sundays of 8 weeks and the ends of 12 months from a year of nightly backups', () => {
    const all = days('2026-01-01', '2026-11-23').map(nightly);
    const kept = retainedBackups(all, KEEP, new Date('2026-11-23T09:00:00Z'));
    const expected = [
      ...days('2026-11-10', '2026-11-23'),
      // the newest of the weeks before (Sundays) not already among the 14 days; the current week's is Monday 23
      ...['2026-11-08', '2026-11-01', '2026-10-25', '2026-10-18', '2026-10-11'],
      // month ends (November's newest is the 23rd); only eleven months have backups
      ...['2026-10-31', '2026-09-30', '2026-08-31', '2026-07-31', '2026-06-30', '2026-05-31', '2026-04-30', '2026-03-31', '2026-02-28', '2026-01-31'],
    ]
      .map((d) => nightly(d).name)
      .sort();
    expect([...kept].sort()).toEqual(expected);
    expect(kept.size).toBe(29);
  });

  it('counts days on the Paris calendar: across the spring change two nightly backups share a UTC date but not a Paris day', () => {
    // 29 March 2026 01:30 CET = 00:30 UTC; 30 March 01:30 CEST = 29 March 23:30 UTC
    const backups = days('2026-03-27', '2026-03-31').map(nightly);
    expect(backups.map((b) => b.at.toISOString())).toEqual([
      '2026-03-27T00:30:00.000Z',
      '2026-03-28T00:30:00.000Z',
      '2026-03-29T00:30:00.000Z',
      '2026-03-29T23:30:00.000Z',
      '2026-03-30T23:30:00.000Z',
    ]);
    expect(keptDays(backups, { daily: 3, weekly: 0, monthly: 0 })).toEqual(backups.slice(2).map((b) => b.name));
    // and in autumn the 25-hour day is one day
    const autumn = [named(new Date('2026-10-24T22:01:00Z')), named(new Date('2026-10-25T22:59:00Z')), named(new Date('2026-10-25T23:01:00Z'))];
    expect(keptDays(autumn, { daily: 5, weekly: 0, monthly: 0 })).toEqual([autumn[1]?.name, autumn[2]?.name]);
  });

  it('on 31 December near midnight: the month is Paris’s, and week 53 spans the new year', () => {
    const dec31 = named(new Date('2026-12-31T22:30:00Z')); // 23:30 in Paris, December
    const jan1 = named(new Date('2026-12-31T23:30:00Z')); // 00:30 on 1 January in Paris
    expect(keptDays([dec31, jan1], { daily: 1, weekly: 0, monthly: 2 })).toEqual([dec31.name, jan1.name]);
    expect(keptDays([dec31, jan1], { daily: 1, weekly: 0, monthly: 1 })).toEqual([jan1.name]);
    // Monday 28 December 2026 and Sunday 3 January 2027 are both in 2026-W53: one weekly backup
    const week53 = ['2026-12-21', '2026-12-28', '2027-01-03', '2027-01-04'].map(nightly);
    expect(keptDays(week53, { daily: 1, weekly: 3, monthly: 0 })).toEqual([week53[0]?.name, week53[2]?.name, week53[3]?.name]);
  });

  it('keeps the newest of a day with two backups, always keeps the newest, never deletes one dated after now', () => {
    const morning = named(new Date('2026-11-23T06:00:00Z'));
    const evening = named(new Date('2026-11-23T19:00:00Z'));
    const yesterday = named(new Date('2026-11-22T00:30:00Z'));
    expect(keptDays([morning, evening, yesterday], { daily: 2, weekly: 0, monthly: 0 })).toEqual([evening.name, yesterday.name]);
    expect(keptDays([morning, evening], { daily: 1, weekly: 0, monthly: 0 })).toEqual([evening.name]);
    expect(keptDays([morning, evening, yesterday], { daily: 1, weekly: 0, monthly: 0 }, new Date('2026-11-23T10:00:00Z'))).toEqual([evening.name]);
    // a clock running late: the backups "from the future" stay
    expect(keptDays([morning, evening, yesterday], { daily: 1, weekly: 0, monthly: 0 }, new Date('2026-11-22T12:00:00Z'))).toEqual([
      morning.name,
      evening.name,
    ]);
    expect(retainedBackups([], KEEP, new Date()).size).toBe(0);
  });

  it('does not let days without a backup use up the counts (a month of outage keeps 14 backups)', () => {
    const before = days('2026-09-01', '2026-09-30').map(nightly);
    const kept = retainedBackups(before, { daily: 14, weekly: 0, monthly: 0 }, new Date('2026-11-01T00:00:00Z'));
    expect(kept.size).toBe(14);
  });
});
