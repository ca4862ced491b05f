/**
 * Marching squares: isolines of a scalar field sampled on a regular lon/lat grid, chained into
 * polylines. For drawing only (withdrawal lines, zone edges on the map): positions are linear
 * interpolations between samples, so they are as precise as the grid (a fraction of a cell).
 */
export function contourLines(
  values: Float64Array,
  nx: number,
  ny: number,
  level: number,
  x0: number,
  y0: number,
  dx: number,
  dy: number,
  skipCell?: (i: number, j: number) => boolean,
): [number, number][][] {
  const v = (i: number, j: number): number => {
    const x = values[j * nx + i]!;
    return Number.isNaN(x) ? -Infinity : x;
  };
  // edge ids: horizontal edge from (i,j) to (i+1,j): 2*(j*nx+i); vertical (i,j)-(i,j+1): 2*(j*nx+i)+1
  const point = (edge: number): [number, number] => {
    const k = edge >> 1;
    const i = k % nx;
    const j = (k - i) / nx;
    const a = v(i, j);
    const b = edge & 1 ? v(i, j + 1) : v(i + 1, j);
    let t = (level - a) / (b - a);
    if (!Number.isFinite(t)) t = 0.5;
    t = Math.min(1, Math.max(0, t));
    return edge & 1 ? [x0 + i * dx, y0 + (j + t) * dy] : [x0 + (i + t) * dx, y0 + j * dy];
  };
  const links = new Map<number, number[]>();
  const link = (a: number, b: number): void => {
    if (!links.has(a)) links.set(a, []);
    if (!links.has(b)) links.set(b, []);
    links.get(a)!.push(b);
    links.get(b)!.push(a);
  };
  for (let j = 0; j < ny - 1; j++) {
    for (let i = 0; i < nx - 1; i++) {
      if (skipCell && skipCell(i, j)) continue;
      const a = v(i, j), b = v(i + 1, j), c = v(i + 1, j + 1), d = v(i, j + 1);
      const code = (a >= level ? 1 : 0) | (b >= level ? 2 : 0) | (c >= level ? 4 : 0) | (d >= level ? 8 : 0);
      if (code === 0 || code === 15) continue;
      const bottom = 2 * (j * nx + i);
      const left = 2 * (j * nx + i) + 1;
      const top = 2 * ((j + 1) * nx + i);
      const right = 2 * (j * nx + i + 1) + 1;
      switch (code) {
        case 1: case 14: link(left, bottom); break;
        case 2: case 13: link(bottom, right); break;
        case 3: case 12: link(left, right); break;
        case 4: case 11: link(right, top); break;
        case 6: case 9: link(bottom, top); break;
        case 7: case 8: link(left, top); break;
        case 5: case 10: {
          const centre = (a + b + c + d) / 4 >= level;
          if ((code === 5) === centre) {
            link(left, top);
            link(bottom, right);
          } else {
            link(left, bottom);
            link(right, top);
          }
          break;
        }
      }
    }
  }
  const lines: [number, number][][] = [];
  const take = (from: number, to: number): void => {
    const l = links.get(from)!;
    l.splice(l.indexOf(to), 1);
    const m = links.get(to)!;
    m.splice(m.indexOf(from), 1);
  };
  const walk = (start: number): void => {
    const chain = [start];
    let cur = start;
    for (;;) {
      const next = links.get(cur)?.[0];
      if (next === undefined) break;
      take(cur, next);
      chain.push(next);
      cur = next;
    }
    if (chain.length > 1) lines.push(chain.map(point));
  };
  // open chains first (ends with one link), then closed loops
  for (const [e, l] of links) if (l.length === 1) walk(e);
  for (const [e, l] of links) if (l.length > 0) walk(e);
  return lines;
}
