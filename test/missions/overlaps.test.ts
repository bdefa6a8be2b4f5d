import { withOverlaps } from '../../src/missions/appointments/service';

const at = (id: string, start: string, minutes: number, status = 'scheduled') => ({
  id,
  status,
  startsAt: new Date(`2026-11-23T${start}:00Z`),
  durationMinutes: minutes,
});

describe('overlapping appointments in an adviser’s week', () => {
  it('flags two live appointments when each starts before the other ends', () => {
    const flags = withOverlaps([at('a', '09:00', 60), at('b', '09:30', 30), at('c', '11:00', 30)]).map((x) => [x.id, x.overlaps]);
    expect(flags).toEqual([
      ['a', true],
      ['b', true],
      ['c', false],
    ]);
  });

  it('does not flag back-to-back appointments (one ends when the next starts)', () => {
    expect(withOverlaps([at('a', '09:00', 60), at('b', '10:00', 30)]).map((x) => x.overlaps)).toEqual([false, false]);
  });

  it('ignores cancelled or held appointments on either side', () => {
    const flags = withOverlaps([at('a', '09:00', 60), at('b', '09:15', 30, 'cancelled'), at('c', '09:20', 10, 'held'), at('d', '09:30', 60, 'confirmed')]).map(
      (x) => [x.id, x.overlaps],
    );
    expect(flags).toEqual([
      ['a', true],
      ['b', false],
      ['c', false],
      ['d', true],
    ]);
  });
});
