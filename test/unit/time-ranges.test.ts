import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { coversTime, missingRanges, rangesFrom, withRange, type TimeRanges } from '../../src/domain/time-ranges';

const range = fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1, max: 60 })).map(([a, len]) => [a, a + len] as const);
const rangesArb = fc.array(range, { maxLength: 8 }).map((rs) => rs.reduce<TimeRanges>((have, [a, b]) => withRange(have, a, b), []));
const covered = (have: TimeRanges, t: number) => coversTime(have, t);

describe('time ranges (what fusion holds in memory per kind)', () => {
  it('adds a range by merging what it touches, keeping the set sorted and disjoint', () => {
    expect(withRange([[0, 10], [20, 30]], 5, 25)).toEqual([[0, 30]]);
    expect(withRange([[0, 10], [20, 30]], 12, 15)).toEqual([[0, 10], [12, 15], [20, 30]]);
    expect(withRange([[0, 10]], 10, 12)).toEqual([[0, 12]]);
    expect(withRange([], 3, 3)).toEqual([]);
    fc.assert(
      fc.property(rangesArb, range, (have, [a, b]) => {
        const after = withRange(have, a, b);
        for (let i = 1; i < after.length; i++) expect(after[i]![0]).toBeGreaterThan(after[i - 1]![1]);
        for (let t = 0; t < 270; t++) expect(covered(after, t)).toBe(covered(have, t) || (t >= a && t < b));
      }),
    );
  });

  it('answers exactly the parts of a window not yet held', () => {
    expect(missingRanges([[10, 20], [30, 40]], 0, 50)).toEqual([[0, 10], [20, 30], [40, 50]]);
    expect(missingRanges([[10, 20]], 12, 18)).toEqual([]);
    expect(missingRanges([[10, 20]], 15, 25)).toEqual([[20, 25]]);
    fc.assert(
      fc.property(rangesArb, range, (have, [a, b]) => {
        const missing = missingRanges(have, a, b);
        for (let t = 0; t < 270; t++) {
          const inMissing = missing.some(([x, y]) => t >= x && t < y);
          expect(inMissing).toBe(t >= a && t < b && !covered(have, t));
        }
      }),
    );
  });

  it('drops everything before a time, cutting the range that straddles it', () => {
    expect(rangesFrom([[0, 10], [20, 30]], 25)).toEqual([[25, 30]]);
    expect(rangesFrom([[0, 10], [20, 30]], 10)).toEqual([[20, 30]]);
    fc.assert(fc.property(rangesArb, fc.integer({ min: 0, max: 270 }), (have, cut) => {
      const after = rangesFrom(have, cut);
      for (let t = 0; t < 270; t++) expect(covered(after, t)).toBe(t >= cut && covered(have, t));
    }));
  });
});
