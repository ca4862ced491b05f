import type { Sector } from '../domain/sector';
import { DEMO_SECTOR_SECTIONS, ILLUSTRATIVE_LINE_COORDS } from './contact-line';

const KM_PER_DEG_LAT = 111.2;
const HALF_WIDTH_KM = 30;

const sameAs = (a: [number, number], b: [number, number]) => Math.abs(a[0] - b[0]) < 1e-9 && Math.abs(a[1] - b[1]) < 1e-9;

/**
 * A band of ±30 km around a section of the line. Offsets are planar (local km per degree), which
 * is plenty for drawing demo areas of responsibility; it is not used for any rule.
 */
function band(section: [number, number][]): [number, number][] {
  const left: [number, number][] = [];
  const right: [number, number][] = [];
  section.forEach(([x, y], i) => {
    const [ax, ay] = section[Math.max(0, i - 1)]!;
    const [bx, by] = section[Math.min(section.length - 1, i + 1)]!;
    const kx = KM_PER_DEG_LAT * Math.cos((y * Math.PI) / 180);
    const dx = (bx - ax) * kx;
    const dy = (by - ay) * KM_PER_DEG_LAT;
    const len = Math.hypot(dx, dy) || 1;
    const nx = (-dy / len) * HALF_WIDTH_KM;
    const ny = (dx / len) * HALF_WIDTH_KM;
    left.push([round(x + nx / kx), round(y + ny / KM_PER_DEG_LAT)]);
    right.push([round(x - nx / kx), round(y - ny / KM_PER_DEG_LAT)]);
  });
  const ring = [...left, ...right.reverse()];
  ring.push(ring[0]!);
  return ring;
}

const round = (v: number) => Math.round(v * 1e4) / 1e4;

export function demoSectors(): Sector[] {
  return DEMO_SECTOR_SECTIONS.map(({ id, name, from, to }) => {
    const i = ILLUSTRATIVE_LINE_COORDS.findIndex((p) => sameAs(p, from));
    const j = ILLUSTRATIVE_LINE_COORDS.findIndex((p) => sameAs(p, to));
    // Sections share their end vertex; the band of the next one starts there too, so sectors
    // touch. Points on a shared edge go to the first sector listed.
    return { id, name, geometry: { type: 'Polygon', coordinates: [band(ILLUSTRATIVE_LINE_COORDS.slice(i, j + 1))] } };
  });
}
