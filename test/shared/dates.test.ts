import { addMonths, mondayOf, parisDate, parisDateTime, parisTime } from '../../src/shared/dates';

describe('Paris wall-clock times', () => {
  it('turns a date and time typed in Paris into the right instant, winter and summer', () => {
    expect(parisDateTime('2026-12-03', '14:30')?.toISOString()).toBe('2026-12-03T13:30:00.000Z');
    expect(parisDateTime('2026-07-03', '09:05')?.toISOString()).toBe('2026-07-03T07:05:00.000Z');
  });

  it('handles the days the clocks change (29 March and 25 October 2026)', () => {
    expect(parisDateTime('2026-03-29', '01:30')?.toISOString()).toBe('2026-03-29T00:30:00.000Z');
    expect(parisDateTime('2026-03-29', '03:30')?.toISOString()).toBe('2026-03-29T01:30:00.000Z');
    // 02:30 does not exist that night: read as the instant an hour later on the clock
    expect(parisTime(parisDateTime('2026-03-29', '02:30') as Date)).toBe('03:30');
    expect(parisDateTime('2026-10-25', '12:00')?.toISOString()).toBe('2026-10-25T11:00:00.000Z');
  });

  it('refuses what is not a date and a time', () => {
    expect(parisDateTime('2026-02-30', '10:00')).toBeNull();
    expect(parisDateTime('2026-12-03', '24:10')).toBeNull();
    expect(parisDateTime('03/12/2026', '10:00')).toBeNull();
  });

  it('reads an instant back as Paris date and time', () => {
    const d = new Date('2026-12-31T23:30:00Z');
    expect(parisDate(d)).toBe('2027-01-01');
    expect(parisTime(d)).toBe('00:30');
  });

  it('moves a date by months, keeping the day or the month’s last', () => {
    expect(addMonths('2026-11-23', 6)).toBe('2027-05-23');
    expect(addMonths('2026-08-31', 6)).toBe('2027-02-28');
    expect(addMonths('2027-08-31', 6)).toBe('2028-02-29');
    expect(addMonths('2026-12-15', 1)).toBe('2027-01-15');
  });

  it('finds the Monday of a date’s week', () => {
    expect(mondayOf('2026-11-28')).toBe('2026-11-23');
    expect(mondayOf('2026-11-23')).toBe('2026-11-23');
    expect(mondayOf('2026-11-29')).toBe('2026-11-23');
  });
});
