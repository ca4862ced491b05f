import type { FeatureCollection, Geometry, Position } from 'geojson';

export interface BaseProps {
  layer: 'oblast' | 'border';
  name: string;
  iso?: string;
  nameUk?: string;
}
export type BaseMap = FeatureCollection<Geometry, BaseProps>;

/** Even-odd ray casting over every ring of a polygon, so holes count out. */
function inPolygon(rings: Position[][], lon: number, lat: number): boolean {
  let inside = false;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i] as [number, number];
      const [xj, yj] = ring[j] as [number, number];
      if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

function contains(g: Geometry, lon: number, lat: number): boolean {
  if (g.type === 'Polygon') return inPolygon(g.coordinates, lon, lat);
  if (g.type === 'MultiPolygon') return g.coordinates.some((p) => inPolygon(p, lon, lat));
  return false;
}

/** The name of the first area holding the point, e.g. its oblast or sector. */
export function nameAt<P extends { name: string }>(areas: FeatureCollection<Geometry, P> | null, lat: number, lon: number, where: (p: P) => boolean = () => true): string | undefined {
  return areas?.features.find((f) => where(f.properties) && contains(f.geometry, lon, lat))?.properties.name;
}

export const oblastAt = (base: BaseMap | null, lat: number, lon: number) => nameAt(base, lat, lon, (p) => p.layer === 'oblast');
