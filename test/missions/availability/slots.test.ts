import { availableSlots, isoWeekday, openingsOn, type WeeklyOpening } from '../../../src/missions/availability/slots';

/** The free slots of an adviser, on the Paris clock, whatever the time of year and the moment asked. */
const office = (weekday: number, from: string, to: string): WeeklyOpening => ({
  weekday,
  from,
  to,
  mode: 'in_person',
  place: 'Permanence, 21 quai d’Austerlitz',
});
const week = [office(1, '09:00', '12:00'), office(3, '14:00', '17:00'), { ...office(4, '09:00', '11:00'), mode: 'phone' as const, place: '01 23 45 67 89' }];
const slots = (o: Partial<Parameters<typeof availableSlots>[0]> & { now: Date; fromDate: string; toDate: string }) =>
  availableSlots({ weekly: week, exceptions: [], busy: [], durationMinutes: 60, ...o });
const times = (list: ReturnType<typeof availableSlots>) => list.map((s) => `${s.date} ${s.time}`);

describe('weekly openings cut into slots', () => {
  it('cuts each opening into back-to-back slots of the kind’s length, on the Paris clock', () => {
    const list = slots({ now: new Date('2026-11-23T09:00:00Z'), fromDate: '2026-11-30', toDate: '2026-12-03' });
    expect(times(list)).toEqual([
      '2026-11-30 09:00',
      '2026-11-30 10:00',
      '2026-11-30 11:00',
      '2026-12-02 14:00',
      '2026-12-02 15:00',
      '2026-12-02 16:00',
      '2026-12-03 09:00',
      '2026-12-03 10:00',
    ]);
    expect(list[0]!.startsAt.toISOString()).toBe('2026-11-30T08:00:00.000Z'); // winter: UTC+1
    expect(list[6]).toMatchObject({ mode: 'phone', place: '01 23 45 67 89' });
  });

  it('offers 45-minute slots only where a whole one fits', () => {
    const list = slots({ durationMinutes: 45, now: new Date('2026-11-23T09:00:00Z'), fromDate: '2026-11-30', toDate: '2026-11-30' });
    expect(times(list)).toEqual(['2026-11-30 09:00', '2026-11-30 09:45', '2026-11-30 10:30', '2026-11-30 11:15']);
    // a 45-minute opening gives one 60-minute slot less than nothing: none
    expect(
      availableSlots({
        weekly: [office(1, '09:00', '09:45')],
        exceptions: [],
        busy: [],
        durationMinutes: 60,
        now: new Date('2026-11-23T09:00:00Z'),
        fromDate: '2026-11-30',
        toDate: '2026-11-30',
      }),
    ).toEqual([]);
  });

  it('leaves out slots that meet an appointment already given, even partly', () => {
    const busy = [
      { startsAt: new Date('2026-11-30T08:30:00Z'), durationMinutes: 30 }, // 09:30–10:00 Paris
      { startsAt: new Date('2026-12-02T15:00:00Z'), durationMinutes: 60 }, // 16:00–17:00
    ];
    const list = slots({ busy, now: new Date('2026-11-23T09:00:00Z'), fromDate: '2026-11-30', toDate: '2026-12-02' });
    expect(times(list)).toEqual(['2026-11-30 10:00', '2026-11-30 11:00', '2026-12-02 14:00', '2026-12-02 15:00']);
  });

  it('takes days off (whole days or hours) out and adds extra openings', () => {
    const exceptions = [
      { kind: 'closed' as const, startsOn: '2026-11-30', endsOn: '2026-12-01', from: null, to: null, mode: null, place: null },
      { kind: 'closed' as const, startsOn: '2026-12-02', endsOn: '2026-12-02', from: '15:00', to: '16:00', mode: null, place: null },
      {
        kind: 'open' as const,
        startsOn: '2026-12-05',
        endsOn: '2026-12-05',
        from: '10:00',
        to: '12:00',
        mode: 'video' as const,
        place: 'https://visio.exemple.fr/abc',
      },
    ];
    const list = slots({ exceptions, now: new Date('2026-11-23T09:00:00Z'), fromDate: '2026-11-30', toDate: '2026-12-06' });
    expect(times(list)).toEqual(['2026-12-02 14:00', '2026-12-02 16:00', '2026-12-03 09:00', '2026-12-03 10:00', '2026-12-05 10:00', '2026-12-05 11:00']);
    expect(list.at(-1)).toMatchObject({ mode: 'video', place: 'https://visio.exemple.fr/abc' });
    expect(openingsOn('2026-12-02', week, exceptions)).toEqual([
      { from: 14 * 60, to: 15 * 60, mode: 'in_person', place: 'Permanence, 21 quai d’Austerlitz' },
      { from: 16 * 60, to: 17 * 60, mode: 'in_person', place: 'Permanence, 21 quai d’Austerlitz' },
    ]);
  });

  it('opens nothing on a French public holiday (Easter Monday, All Saints’ Day) but an extra opening given for it', () => {
    expect(openingsOn('2027-03-29', week, [])).toEqual([]);
    expect(openingsOn('2027-11-01', week, [])).toEqual([]);
    const list = slots({ now: new Date('2027-03-22T09:00:00Z'), fromDate: '2027-03-29', toDate: '2027-03-31' });
    expect(times(list)).toEqual(['2027-03-31 14:00', '2027-03-31 15:00', '2027-03-31 16:00']);
    const extra = [
      { kind: 'open' as const, startsOn: '2027-03-29', endsOn: '2027-03-29', from: '10:00', to: '11:00', mode: 'phone' as const, place: '01 23 45 67 89' },
    ];
    expect(openingsOn('2027-03-29', week, extra)).toEqual([{ from: 10 * 60, to: 11 * 60, mode: 'phone', place: '01 23 45 67 89' }]);
  });

  it('offers a time once when two openings overlap', () => {
    const list = availableSlots({
      weekly: [office(1, '09:00', '11:00'), office(1, '10:00', '12:00')],
      exceptions: [],
      busy: [],
      durationMinutes: 60,
      now: new Date('2026-11-23T09:00:00Z'),
      fromDate: '2026-11-30',
      toDate: '2026-11-30',
    });
    expect(times(list)).toEqual(['2026-11-30 09:00', '2026-11-30 10:00', '2026-11-30 11:00']);
  });

  it('numbers weekdays from Monday (1) to Sunday (7)', () => {
    expect([isoWeekday('2026-11-23'), isoWeekday('2026-11-29'), isoWeekday('2027-03-28'), isoWeekday('2026-10-25')]).toEqual([1, 7, 7, 7]);
  });
});

describe('notice and horizon, from several moments', () => {
  it('needs 24 hours’ notice: on Monday 10:00 in Paris, Tuesday 10:00 is the first time offered', () => {
    const list = availableSlots({
      weekly: [office(2, '09:00', '12:00')],
      exceptions: [],
      busy: [],
      durationMinutes: 60,
      now: new Date('2026-11-23T09:00:00Z'),
      fromDate: '2026-11-23',
      toDate: '2026-11-24',
    });
    expect(times(list)).toEqual(['2026-11-24 10:00', '2026-11-24 11:00']);
  });

  it('on a Sunday night at 23:30, Monday morning is too close and Tuesday is open', () => {
    const list = availableSlots({
      weekly: [office(1, '09:00', '12:00'), office(2, '09:00', '10:00')],
      exceptions: [],
      busy: [],
      durationMinutes: 60,
      now: new Date('2026-11-29T22:30:00Z'), // Sunday 29 November, 23:30 in Paris
      fromDate: '2026-11-29',
      toDate: '2026-12-07',
    });
    expect(times(list).slice(0, 2)).toEqual(['2026-12-01 09:00', '2026-12-07 09:00']);
  });

  it('on 31 December at 23:50, the year turns: nothing before 1 January 23:50, so New Year’s night is not offered', () => {
    // 1 January is a public holiday: its night is an extra opening (weekly openings do not apply on holidays)
    const newYearsNight = [
      { kind: 'open' as const, startsOn: '2027-01-01', endsOn: '2027-01-01', from: '00:00', to: '02:00', mode: 'in_person' as const, place: 'Permanence' },
    ];
    const list = availableSlots({
      weekly: [office(6, '09:00', '10:00')],
      exceptions: newYearsNight,
      busy: [],
      durationMinutes: 30,
      now: new Date('2026-12-31T22:50:00Z'), // Thursday 31 December 2026, 23:50 in Paris
      fromDate: '2026-12-31',
      toDate: '2027-01-02',
    });
    expect(times(list)).toEqual(['2027-01-02 09:00', '2027-01-02 09:30']);
    // an hour earlier in the year, the same opening is offered
    const before = availableSlots({
      weekly: [],
      exceptions: newYearsNight,
      busy: [],
      durationMinutes: 30,
      now: new Date('2026-12-30T22:50:00Z'),
      fromDate: '2026-12-30',
      toDate: '2027-01-01',
    });
    expect(times(before)).toEqual(['2027-01-01 00:00', '2027-01-01 00:30', '2027-01-01 01:00', '2027-01-01 01:30']);
    expect(list[0]!.startsAt.toISOString()).toBe('2027-01-02T08:00:00.000Z');
  });

  it('offers nothing beyond six months', () => {
    const list = slots({ now: new Date('2026-11-23T09:00:00Z'), fromDate: '2027-05-20', toDate: '2027-06-30' });
    expect(times(list).at(-1)).toBe('2027-05-20 10:00'); // Thursday 20 May; 23 May is the last day
    expect(list.every((s) => s.date <= '2027-05-23')).toBe(true);
  });
});

describe('clock changes in Paris', () => {
  const night = (weekday: number) => [office(weekday, '01:00', '04:00')];

  it('spring, 28 March 2027: 02:00 does not exist and is not offered; hours after are summer time', () => {
    const list = availableSlots({
      weekly: night(7),
      exceptions: [],
      busy: [],
      durationMinutes: 60,
      now: new Date('2027-03-20T09:00:00Z'),
      fromDate: '2027-03-28',
      toDate: '2027-03-28',
    });
    expect(times(list)).toEqual(['2027-03-28 01:00', '2027-03-28 03:00']);
    expect(list.map((s) => s.startsAt.toISOString())).toEqual(['2027-03-28T00:00:00.000Z', '2027-03-28T01:00:00.000Z']);
    // an ordinary day opening the next week is on summer time (UTC+2): Tuesday 30 March (Monday 29 is Easter Monday, closed)
    const tuesday = availableSlots({
      weekly: [office(2, '09:00', '12:00')],
      exceptions: [],
      busy: [],
      durationMinutes: 60,
      now: new Date('2027-03-20T09:00:00Z'),
      fromDate: '2027-03-29',
      toDate: '2027-03-30',
    });
    expect(tuesday[0]!.startsAt.toISOString()).toBe('2027-03-30T07:00:00.000Z');
  });

  it('autumn, 25 October 2026: 02:00 happens twice and is offered once; hours after are winter time', () => {
    const list = availableSlots({
      weekly: night(7),
      exceptions: [],
      busy: [],
      durationMinutes: 60,
      now: new Date('2026-10-18T09:00:00Z'),
      fromDate: '2026-10-25',
      toDate: '2026-10-25',
    });
    expect(times(list)).toEqual(['2026-10-25 01:00', '2026-10-25 02:00', '2026-10-25 03:00']);
    expect(list[0]!.startsAt.toISOString()).toBe('2026-10-24T23:00:00.000Z');
    expect(list[2]!.startsAt.toISOString()).toBe('2026-10-25T02:00:00.000Z');
    // slots never overlap in real time
    for (let i = 1; i < list.length; i++) expect(list[i]!.startsAt.getTime()).toBeGreaterThanOrEqual(list[i - 1]!.startsAt.getTime() + 3600_000);
    const monday = slots({ now: new Date('2026-10-18T09:00:00Z'), fromDate: '2026-10-26', toDate: '2026-10-26' });
    expect(monday[0]!.startsAt.toISOString()).toBe('2026-10-26T08:00:00.000Z');
  });

  it('a booked appointment across the autumn change blocks the right real hours', () => {
    // 02:30 summer time to 02:30 winter time: one real hour, across the change
    const busy = [{ startsAt: new Date('2026-10-25T00:30:00Z'), durationMinutes: 60 }];
    const list = availableSlots({
      weekly: night(7),
      exceptions: [],
      busy,
      durationMinutes: 60,
      now: new Date('2026-10-18T09:00:00Z'),
      fromDate: '2026-10-25',
      toDate: '2026-10-25',
    });
    expect(list.map((s) => s.startsAt.toISOString())).toEqual(['2026-10-24T23:00:00.000Z', '2026-10-25T02:00:00.000Z']);
  });
});
