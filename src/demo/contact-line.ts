import type { Feature, LineString } from 'geojson';

/**
 * An illustrative contact line drawn by the project from public knowledge of the 2025-26 front,
 * from the Russian border in Kharkiv oblast to the Dnipro and down the river to the sea. It is
 * NOT traced from DeepState or any other dataset and carries no authority: the UI labels it
 * "illustrative". Waypoints are densified to about 12 km between vertices.
 */
const WAYPOINTS: [number, number][] = [
  [36.98, 50.36], // Russian border north-east of Vovchansk
  [36.94, 50.29], // Vovchansk
  [37.12, 50.14],
  [37.42, 49.98],
  [37.58, 49.8],
  [37.63, 49.71], // Kupiansk
  [37.7, 49.52],
  [37.66, 49.38], // Borova
  [37.83, 49.16],
  [37.8, 48.98], // Lyman
  [38.02, 48.92],
  [38.1, 48.86], // Siversk
  [37.98, 48.72],
  [37.84, 48.59], // Chasiv Yar
  [37.86, 48.4], // Toretsk
  [37.62, 48.35],
  [37.35, 48.32],
  [37.14, 48.27], // Pokrovsk
  [37.04, 48.12],
  [37.08, 47.96], // Kurakhove
  [36.83, 47.85], // Velyka Novosilka
  [36.52, 47.78],
  [36.26, 47.66], // Huliaipole
  [36.02, 47.55],
  [35.84, 47.45], // Robotyne
  [35.6, 47.47],
  [35.38, 47.5], // Kamianske, on the former Kakhovka reservoir
  [35.05, 47.56],
  [34.65, 47.52], // Enerhodar opposite Nikopol
  [34.3, 47.45],
  [33.98, 47.3],
  [33.72, 47.06],
  [33.38, 46.77], // Nova Kakhovka
  [33.02, 46.7],
  [32.66, 46.63], // Kherson
  [32.42, 46.55],
  [32.2, 46.5], // Dnipro mouth
  [31.88, 46.49], // into the Dnipro-Buh estuary, toward the sea
];

const KM_PER_DEG_LAT = 111.2;

function densify(points: [number, number][], stepKm: number): [number, number][] {
  const out: [number, number][] = [points[0]!];
  for (let i = 1; i < points.length; i++) {
    const [x0, y0] = points[i - 1]!;
    const [x1, y1] = points[i]!;
    const kx = KM_PER_DEG_LAT * Math.cos((((y0 + y1) / 2) * Math.PI) / 180);
    const km = Math.hypot((x1 - x0) * kx, (y1 - y0) * KM_PER_DEG_LAT);
    const n = Math.max(1, Math.round(km / stepKm));
    for (let j = 1; j <= n; j++) {
      const t = j / n;
      out.push([Math.round((x0 + (x1 - x0) * t) * 1e4) / 1e4, Math.round((y0 + (y1 - y0) * t) * 1e4) / 1e4]);
    }
  }
  return out;
}

export const ILLUSTRATIVE_LINE_COORDS: [number, number][] = densify(WAYPOINTS, 12);

export const ILLUSTRATIVE_CONTACT_LINE: Feature<LineString, { name: string; status: string; note: string }> = {
  type: 'Feature',
  properties: {
    name: 'Contact line (illustrative)',
    status: 'illustrative',
    note: 'Drawn by the Truceline project for demonstration; not an authoritative line.',
  },
  geometry: { type: 'LineString', coordinates: ILLUSTRATIVE_LINE_COORDS },
};

/** Sectors as sections of the line, by waypoint: monitors' areas of responsibility in the demo. */
export const DEMO_SECTOR_SECTIONS: { id: string; name: string; from: [number, number]; to: [number, number] }[] = [
  { id: 'kharkiv', name: 'Kharkiv', from: WAYPOINTS[0]!, to: WAYPOINTS[7]! },
  { id: 'lyman-siversk', name: 'Lyman–Siversk', from: WAYPOINTS[7]!, to: WAYPOINTS[12]! },
  { id: 'donetsk', name: 'Donetsk', from: WAYPOINTS[12]!, to: WAYPOINTS[20]! },
  { id: 'zaporizhzhia', name: 'Zaporizhzhia', from: WAYPOINTS[20]!, to: WAYPOINTS[27]! },
  { id: 'kherson', name: 'Dnipro–Kherson', from: WAYPOINTS[27]!, to: WAYPOINTS[37]! },
];
