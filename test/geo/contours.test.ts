import { describe, expect, it } from 'vitest';
import { contourLines } from '../../src/geo/contours';

describe('contourLines (marching squares)', () => {
  it('traces a closed circle of a radial field at the right radius', () => {
    const nx = 101, ny = 101;
    const v = new Float64Array(nx * ny);
    for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) v[j * nx + i] = Math.hypot(i - 50, j - 50);
    const lines = contourLines(v, nx, ny, 30, 0, 0, 1, 1);
    expect(lines).toHaveLength(1);
    const ring = lines[0]!;
    expect(ring[0]).toEqual(ring[ring.length - 1]);
    for (const [x, y] of ring) expect(Math.abs(Math.hypot(x - 50, y - 50) - 30)).toBeLessThan(0.05);
  });

  it('returns open chains that end at the border, skips cells on request, ignores NaN', () => {
    const nx = 20, ny = 10;
    const v = new Float64Array(nx * ny);
    for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) v[j * nx + i] = i === 3 && j === 3 ? NaN : i;
    const lines = contourLines(v, nx, ny, 10.5, 0, 0, 1, 1);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.every(([x]) => Math.abs(x - 10.5) < 1e-12)).toBe(true);
    const split = contourLines(v, nx, ny, 10.5, 0, 0, 1, 1, (_i, j) => j === 4);
    expect(split).toHaveLength(2);
  });
});
