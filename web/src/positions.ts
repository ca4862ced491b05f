import { useEffect, useState } from 'react';
import type { FeatureCollection, Point } from 'geojson';
import type { CotPosition } from '../../src/ingest/cot/map';

/** A TAK client's current position, as GET /api/positions answers it (type-only: nothing of the parser is bundled). */
export type PositionProps = Omit<CotPosition, 'type' | 'lat' | 'lon' | 'endpoint'> & { receivedAt: string };
export type PositionCollection = FeatureCollection<Point, PositionProps>;

const REFRESH_MS = 10_000;

/** Monitors' and patrols' positions from TAK (not stale), refreshed every 10 s; null until the first answer. */
export function usePositions(viewer: string, loggedIn: boolean): PositionCollection | null {
  const [data, setData] = useState<PositionCollection | null>(null);
  useEffect(() => {
    // TAK positions are the mechanism's picture, not public: the public does not ask.
    setData(null);
    if (!loggedIn) return;
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
  }, [viewer, loggedIn]);
  return data;
}
