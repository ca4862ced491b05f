import type { PositionAnchor } from 'maplibre-gl';
import type { MultiPolygon, Polygon, Position } from 'geojson';

/**
 * Where to put a sector's name. Sectors are bands either side of the contact line, so the middle
 * of the band sits on the line; the label goes to the middle of the band's western long edge
 * instead, anchored so that it reads away from the line.
 */
export function sectorLabelAt(g: Polygon | MultiPolygon): { at: [number, number]; anchor: PositionAnchor } {
  // A multipolygon sector is labelled on its largest part (by vertex count, enough for placing a label).
  const ring = outerRings(g).reduce<Position[]>((a, b) => (b.length > a.length ? b : a), []);
  const a = (ring[Math.floor(ring.length / 4)] ?? [0, 0]) as [number, number];
  const b = (ring[Math.floor((3 * ring.length) / 4)] ?? a) as [number, number];
  const [at, other] = a[0] <= b[0] ? [a, b] : [b, a];
  const dx = (at[0] - other[0]) * Math.cos((at[1] * Math.PI) / 180);
  const dy = at[1] - other[1];
  const anchor: PositionAnchor = Math.abs(dx) > Math.abs(dy) ? 'right' : dy > 0 ? 'bottom' : 'top';
  return { at, anchor };
}

/** Hides labels that overlap one listed before them (sector names go first, then cities). */
export function declutter(labels: HTMLElement[]): void {
  const shown: DOMRect[] = [];
  for (const el of labels) {
    el.style.visibility = '';
    const r = el.getBoundingClientRect();
    const hit = shown.some((s) => r.left < s.right + 4 && r.right > s.left - 4 && r.top < s.bottom + 2 && r.bottom > s.top - 2);
    if (hit) el.style.visibility = 'hidden';
    else shown.push(r);
  }
}

/** The outer ring of each part of a (multi)polygon. */
export function outerRings(g: Polygon | MultiPolygon): Position[][] {
  return g.type === 'Polygon' ? [g.coordinates[0] ?? []] : g.coordinates.map((p) => p[0] ?? []);
}
