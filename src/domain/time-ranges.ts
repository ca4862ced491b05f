/**
 * A set of half-open time ranges [from, to) in ms, kept sorted and disjoint: what fusion's
 * in-memory index holds for one incident kind. One range was not enough: a late report (an
 * import of last week, a site's backlog) loaded everything between it and the live window, and
 * pruning back to the live window made the next late batch load it all again (quadratic: 3,000
 * observations/s at 60,000 replayed reports, bench/ingest.ts).
 */
export type TimeRanges = readonly (readonly [number, number])[];

/** The parts of [from, to) that `have` does not cover, in order. */
export function missingRanges(have: TimeRanges, from: number, to: number): [number, number][] {
  const out: [number, number][] = [];
  let at = from;
  for (const [a, b] of have) {
    if (b <= at) continue;
    if (a >= to) break;
    if (a > at) out.push([at, a]);
    at = Math.max(at, b);
    if (at >= to) break;
  }
  if (at < to) out.push([at, to]);
  return out;
}

/** `have` with [from, to) added (merged with the ranges it touches). */
export function withRange(have: TimeRanges, from: number, to: number): [number, number][] {
  if (!(to > from)) return have.map(([a, b]) => [a, b]);
  const out: [number, number][] = [];
  let lo = from;
  let hi = to;
  let placed = false;
  for (const [a, b] of have) {
    if (b < lo) out.push([a, b]);
    else if (a > hi) {
      if (!placed) out.push([lo, hi]);
      placed = true;
      out.push([a, b]);
    } else {
      lo = Math.min(lo, a);
      hi = Math.max(hi, b);
    }
  }
  if (!placed) out.push([lo, hi]);
  return out;
}

/** `have` without anything before `t`. */
export function rangesFrom(have: TimeRanges, t: number): [number, number][] {
  return have.filter(([, b]) => b > t).map(([a, b]) => [Math.max(a, t), b]);
}

export const coversTime = (have: TimeRanges, t: number): boolean => have.some(([a, b]) => t >= a && t < b);

/** The earliest time covered, or undefined for none. */
export const earliest = (have: TimeRanges): number | undefined => have[0]?.[0];
