import { type DemoFacts, seedAt } from '../support/demo-seed';

/** The demo seed at the year's end, the clock changes and a month's end: it succeeds and makes the same data. */
const EDGES = [
  '2026-12-31T23:50:00+01:00', // New Year's Eve: tomorrow is a public holiday and another fiscal year
  '2027-01-01T00:10:00+01:00',
  '2027-03-28T03:30:00+02:00', // the last Sunday of March, just after the clocks went forward
  '2027-10-31T02:30:00+01:00', // the last Sunday of October, the repeated hour
  '2027-02-28T18:00:00+01:00', // the last day of a short month
];

let reference: DemoFacts | undefined;

describe('the demo seed at the calendar’s edges', () => {
  it.each(EDGES)('succeeds at %s with the same counts, appointments in office hours and nothing dated after now', async (iso) => {
    const facts = await seedAt(new Date(iso));
    expect(facts.outOfHours).toEqual([]);
    expect(facts.overlaps).toBe(1);
    expect(facts.auditAfterNow).toBe(0);
    expect(facts.counts.seed_runs).toBe('1');
    reference ??= facts;
    expect(facts.counts).toEqual(reference.counts);
  });
});
