import { v7 as uuidv7 } from 'uuid';
import type { ObservationInput } from '../domain/observation';
import { DEMO_SECTOR_SECTIONS, ILLUSTRATIVE_LINE_COORDS } from './contact-line';
import { prng } from './prng';


const KM_PER_DEG_LAT = 111.2;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Shelling along the line peaked in the evening and at night (OSCE SMM daily reports). */
const HOURLY_WEIGHT = [8, 7, 6, 5, 4, 3, 2, 2, 2, 2, 2, 3, 3, 3, 3, 4, 5, 7, 9, 10, 10, 10, 9, 9];
const SECTOR_INTENSITY: Record<string, number> = { kharkiv: 0.7, 'lyman-siversk': 0.9, donetsk: 1.4, zaporizhzhia: 1.0, kherson: 0.6 };

const WEAPONS = [
  { model: '2S1', caliberMm: 122 },
  { model: 'D-30', caliberMm: 122 },
  { model: '2S3', caliberMm: 152 },
  { model: 'BM-21', caliberMm: 122 },
  { model: 'BM-27', caliberMm: 220 },
  { model: 'BM-30', caliberMm: 300 },
  { model: 'T-72', caliberMm: 125 },
  { model: '2B11', caliberMm: 120 },
  { model: 'MT-12', caliberMm: 100 },
];
const NATIONS = ['FRA', 'GBR', 'DEU', 'POL', 'FIN', 'USA', 'CAN', 'ITA', 'NLD', 'SWE', 'DNK', 'EST'];
const RESTRICTION_REASONS = [
  'Patrol stopped at a checkpoint; armed personnel refused passage citing orders.',
  'Road mined ahead according to the side present; patrol turned back.',
  'UAV signal jammed shortly after launch; flight aborted.',
  'Patrol denied access to an impact site for "safety reasons".',
];

interface Frame {
  x: number;
  y: number;
  /** Unit normal (east-ish side positive), in km per degree space. */
  nx: number;
  ny: number;
  kx: number;
}

function frames(section: [number, number][]): Frame[] {
  return section.map(([x, y], i) => {
    const [ax, ay] = section[Math.max(0, i - 1)]!;
    const [bx, by] = section[Math.min(section.length - 1, i + 1)]!;
    const kx = KM_PER_DEG_LAT * Math.cos((y * Math.PI) / 180);
    const dx = (bx - ax) * kx;
    const dy = (by - ay) * KM_PER_DEG_LAT;
    const len = Math.hypot(dx, dy) || 1;
    return { x, y, nx: -dy / len, ny: dx / len, kx };
  });
}

export interface DemoWeekOptions {
  /** End of the week (exclusive); the demo covers the seven days before it. */
  end: Date;
  seed?: number;
}

/**
 * A realistic week near the illustrative line: explosions of every subkind clustered around a
 * few hot spots per sector with a daily rhythm, bursts and shots, weapon sightings on both sides
 * at varied distances, flights, damage, and a few restrictions of the monitors' movement.
 */
export function demoWeek({ end, seed = 20260106 }: DemoWeekOptions): ObservationInput[] {
  const rnd = prng(seed);
  // Corroborating reports draw from a stream of their own, so the week's main draws stay as they were.
  const more = prng(seed + 1);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const endMs = Math.floor(end.getTime() / HOUR) * HOUR;
  const startMs = endMs - 7 * DAY;
  const totalWeight = HOURLY_WEIGHT.reduce((a, b) => a + b, 0);
  const out: ObservationInput[] = [];

  for (const section of DEMO_SECTOR_SECTIONS) {
    const i = ILLUSTRATIVE_LINE_COORDS.findIndex((p) => p[0] === section.from[0] && p[1] === section.from[1]);
    const j = ILLUSTRATIVE_LINE_COORDS.findIndex((p) => p[0] === section.to[0] && p[1] === section.to[1]);
    const fr = frames(ILLUSTRATIVE_LINE_COORDS.slice(i, j + 1));
    const hotspots = Array.from({ length: 3 + Math.floor(rnd() * 2) }, () => Math.floor(rnd() * fr.length));
    const intensity = SECTOR_INTENSITY[section.id] ?? 1;
    const team = `Team ${section.name.slice(0, 1).toUpperCase()}-${1 + Math.floor(rnd() * 4)}`;

    /** A point offset from the line: positive km toward the east/south side. */
    const near = (offsetKm: number, hot: boolean) => {
      const k = hot ? pick(hotspots) : Math.floor(rnd() * fr.length);
      const f = fr[k]!;
      const along = gauss() * (hot ? 2 : 6);
      const lon = f.x + (f.nx * offsetKm + f.ny * along) / f.kx;
      const lat = f.y + (f.ny * offsetKm - f.nx * along) / KM_PER_DEG_LAT;
      return { lon: Math.round(lon * 1e5) / 1e5, lat: Math.round(lat * 1e5) / 1e5, f };
    };

    for (let day = 0; day < 7; day++) {
      // A quieter day now and then, as in the real reports.
      const dayFactor = 0.5 + rnd() * 1.0;
      const events = Math.round(55 * intensity * dayFactor);
      for (let e = 0; e < events; e++) {
        let r = rnd() * totalWeight;
        let hour = 0;
        while (r > HOURLY_WEIGHT[hour]!) r -= HOURLY_WEIGHT[hour++]!;
        const t = startMs + day * DAY + hour * HOUR + Math.floor(rnd() * HOUR);
        if (t >= endMs) continue;
        const roll = rnd();
        const source = {
          kind: roll < 0.75 ? ('monitor' as const) : roll < 0.83 ? ('camera' as const) : roll < 0.91 ? ('uav' as const) : ('sensor' as const),
          nation: pick(NATIONS),
          reporter: team,
        };
        const rel = rnd();
        const releasability = rel < 0.7 ? 'MECHANISM' : rel < 0.9 ? 'PUBLIC' : 'COALITION';
        const id = uuidv7({ msecs: t, random: Uint8Array.from({ length: 16 }, () => Math.floor(rnd() * 256)) });
        const k = rnd();
        const base = { id, observedAt: new Date(t).toISOString(), source, releasability };
        if (k < 0.45) {
          const s = rnd();
          const subkind = s < 0.4 ? 'impact' : s < 0.65 ? 'outgoing' : s < 0.9 ? 'undetermined' : 'airburst';
          const p = near(gauss() * 4, rnd() < 0.7);
          const observerKm = -(6 + rnd() * 8);
          const obs = near(observerKm, false);
          const dxKm = (p.lon - obs.lon) * obs.f.kx;
          const dyKm = (p.lat - obs.lat) * KM_PER_DEG_LAT;
          const withObserver = rnd() < 0.5;
          out.push({
            ...base,
            kind: 'explosion',
            subkind,
            count: 1 + Math.floor(rnd() * rnd() * 15),
            location: { lat: p.lat, lon: p.lon, accuracyM: withObserver ? 1500 : 500 },
            ...(withObserver
              ? {
                  observer: {
                    lat: obs.lat,
                    lon: obs.lon,
                    bearingDeg: Math.round((Math.atan2(dxKm, dyKm) * 180) / Math.PI + 360) % 360,
                    distanceM: Math.round(Math.hypot(dxKm, dyKm) * 100) * 10,
                  },
                }
              : {}),
            notes: `${subkind === 'outgoing' ? 'Outgoing' : subkind === 'impact' ? 'Impacts' : subkind === 'airburst' ? 'Airbursts' : 'Undetermined explosions'} heard${withObserver ? ' and seen' : ''} from the patrol base.`,
          });
          // A third of the explosions are heard from one or two more posts, each taking a bearing:
          // what fusion groups into one incident and what gives an origin estimate.
          if (more() < 0.35) {
            const posts = 1 + Math.floor(more() * 2);
            for (let c = 0; c < posts; c++) {
              const dKm = 5 + more() * 8;
              const ang = (more() - 0.5) * (Math.PI / 2);
              const f = p.f;
              const ux = -f.nx * Math.cos(ang) + f.ny * Math.sin(ang);
              const uy = -f.ny * Math.cos(ang) - f.nx * Math.sin(ang);
              const oLon = Math.round((p.lon + (ux * dKm) / f.kx) * 1e5) / 1e5;
              const oLat = Math.round((p.lat + (uy * dKm) / KM_PER_DEG_LAT) * 1e5) / 1e5;
              const dx = (p.lon - oLon) * f.kx;
              const dy = (p.lat - oLat) * KM_PER_DEG_LAT;
              const bearing = (Math.atan2(dx, dy) * 180) / Math.PI + (more() - 0.5) * 4;
              const tc = t + Math.round((more() - 0.5) * 4 * 60_000);
              out.push({
                id: uuidv7({ msecs: tc, random: Uint8Array.from({ length: 16 }, () => Math.floor(more() * 256)) }),
                observedAt: new Date(tc).toISOString(),
                source: { kind: 'monitor', nation: NATIONS[Math.floor(more() * NATIONS.length)]!, reporter: `Post ${section.name.slice(0, 1).toUpperCase()}-${c + 5}` },
                releasability,
                kind: 'explosion',
                subkind,
                count: 1 + Math.floor(more() * 6),
                location: { lat: Math.round((p.lat + (more() - 0.5) * 0.006) * 1e5) / 1e5, lon: Math.round((p.lon + (more() - 0.5) * 0.008) * 1e5) / 1e5, accuracyM: 1000 },
                observer: { lat: oLat, lon: oLon, bearingDeg: Math.round(((bearing % 360) + 360) % 360), distanceM: Math.round(Math.hypot(dx, dy) * 100) * 10 },
                notes: 'The same explosions heard from another post; bearing taken.',
              });
            }
          }
        } else if (k < 0.65) {
          const p = near(gauss() * 2, rnd() < 0.6);
          out.push({ ...base, kind: 'burst', count: 1 + Math.floor(rnd() * 30), location: { lat: p.lat, lon: p.lon, accuracyM: 1000 }, notes: 'Bursts of small-arms and heavy-machine-gun fire.' });
        } else if (k < 0.75) {
          const p = near(gauss() * 2, rnd() < 0.6);
          out.push({ ...base, kind: 'shot', count: 1 + Math.floor(rnd() * 10), location: { lat: p.lat, lon: p.lon, accuracyM: 1000 }, notes: 'Single shots of small-arms fire.' });
        } else if (k < 0.82) {
          const kind = pick(['muzzle_flash', 'illumination_flare', 'projectile_in_flight'] as const);
          const p = near(gauss() * 3, true);
          out.push({ ...base, kind, count: 1 + Math.floor(rnd() * 5), location: { lat: p.lat, lon: p.lon, accuracyM: 2000 } });
        } else if (k < 0.87) {
          const w = pick(WEAPONS);
          const distKm = (3 + rnd() * 40) * (rnd() < 0.5 ? 1 : -1);
          const p = near(distKm, false);
          const count = 1 + Math.floor(rnd() * 6);
          out.push({
            ...base,
            kind: 'weapon_sighting',
            location: { lat: p.lat, lon: p.lon, accuracyM: 100 },
            weapon: { ...w, count },
            source: { ...source, kind: rnd() < 0.6 ? 'uav' : 'monitor' },
            notes: `${count} x ${w.model} (${w.caliberMm} mm) seen ${rnd() < 0.5 ? 'in a field' : 'near a residential area'}.`,
          });
        } else if (k < 0.9) {
          const p = near(gauss() * 15, false);
          out.push({ ...base, kind: 'flight', location: { lat: p.lat, lon: p.lon, accuracyM: 3000 }, notes: 'UAV heard flying over the area.' });
        } else if (k < 0.94) {
          const p = near(-(1 + rnd() * 10), true);
          out.push({ ...base, kind: 'damage', location: { lat: p.lat, lon: p.lon, accuracyM: 50 }, notes: 'Fresh damage to a residential house; crater analysis pending.' });
        } else if (k < 0.95) {
          const p = near(-(1 + rnd() * 10), true);
          out.push({ ...base, kind: 'casualty', count: 1, location: { lat: p.lat, lon: p.lon, accuracyM: 200 }, notes: 'Civilian injured by shrapnel, according to medical staff.' });
        } else if (k < 0.96) {
          const p = near(gauss() * 2, false);
          out.push({ ...base, kind: 'mine', count: 1 + Math.floor(rnd() * 8), location: { lat: p.lat, lon: p.lon, accuracyM: 20 }, notes: 'Anti-tank mines seen by the roadside.' });
        } else if (k < 0.98) {
          const p = near(-(2 + rnd() * 6), false);
          out.push({ ...base, kind: 'movement', location: { lat: p.lat, lon: p.lon, accuracyM: 200 }, notes: 'Column of military trucks moving toward the line.' });
        } else {
          const p = near(-(1 + rnd() * 8), false);
          out.push({ ...base, kind: 'access_restriction', location: { lat: p.lat, lon: p.lon, accuracyM: 30 }, notes: pick(RESTRICTION_REASONS) });
        }
      }
    }
  }
  return out;
}
