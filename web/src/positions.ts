import { useEffect, useState } from 'react';
import type { FeatureCollection, Point } from 'geojson';

/** A TAK client's current position, as GET /api/positions answers it. */
export interface PositionProps {
  uid: string;
  callsign: string;
  cotType: string;
  how?: string;
  time: string;
  stale: string;
  hae?: number;
  accuracyM?: number;
  course?: number;
  speed?: number;
  battery?: number;
  group?: { name?: string; role?: string };
  device?: string;
  platform?: string;
  receivedAt: string;
}
export type PositionCollection = FeatureCollection<Point, PositionProps>;

const REFRESH_MS = 10_000;

/** Monitors' and patrols' positions from TAK (not stale), refreshed every 10 s; null until the first answer. */
export function usePositions(): PositionCollection | null {
  const [data, setData] = useState<PositionCollection | null>(null);
  useEffect(() => {
    let live = true;
    const load = () =>
      fetch('/api/positions', { signal: AbortSignal.timeout(15_000) })
        .then((r) => (r.ok ? (r.json() as Promise<PositionCollection>) : null))
        .then((fc) => {
          if (live && fc) setData(fc);
        })
        .catch(() => undefined); // offline: keep the last picture
    void load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);
  return data;
}
