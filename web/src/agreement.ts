import { useEffect, useState } from 'react';
import type { Feature, FeatureCollection, LineString, MultiLineString } from 'geojson';

/** /api/agreements/current/layers: the zones of the version in force now. */
export interface AgreementLayers extends FeatureCollection {
  agreementId: string;
  revision: number;
  version: number;
  effectiveFrom: string;
}

export interface AgreementView {
  layers: AgreementLayers;
  /** The contact line's features, for the contact-line layers of the map. */
  contact: FeatureCollection<LineString | MultiLineString>;
  /** The contact line is the illustrative default one. */
  illustrative: boolean;
  contactName: string;
  /** Weapon classes that have withdrawal lines, in drawing order. */
  withdrawalClasses: string[];
}

const REVISION_POLL_MS = 60_000;

async function fetchJson<T>(url: string): Promise<T | null> {
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

function view(layers: AgreementLayers): AgreementView {
  const contact = layers.features.filter((f) => f.properties?.layer === 'line' && f.properties.role === 'contact') as Feature<LineString | MultiLineString>[];
  const props = contact[0]?.properties ?? {};
  const classes = new Set(layers.features.filter((f) => f.properties?.layer === 'withdrawal_line').map((f) => String(f.properties!.weaponClass)));
  return {
    layers,
    contact: { type: 'FeatureCollection', features: contact },
    illustrative: props.illustrative === true,
    contactName: String(props.name ?? props.id ?? 'Contact line'),
    withdrawalClasses: [...classes],
  };
}

/**
 * The agreement's map layers, or null while there is none (the map then shows the illustrative
 * line of /api/contact-line). The revision is checked every minute (a small request); the layers
 * are fetched again only when it changed.
 */
export function useAgreement(): AgreementView | null {
  const [state, setState] = useState<AgreementView | null>(null);
  useEffect(() => {
    let live = true;
    let revision: number | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const check = async () => {
      try {
        const revs = await fetchJson<{ items: { revision: number }[] }>('/api/agreements/revisions');
        const latest = revs?.items[0]?.revision ?? 0;
        if (latest !== revision) {
          const layers = latest ? await fetchJson<AgreementLayers>('/api/agreements/current/layers') : null;
          if (!live) return;
          revision = latest;
          setState(layers ? view(layers) : null);
        }
      } catch {
        // offline or the server is starting: try again at the next tick
      }
      if (live) timer = setTimeout(() => void check(), REVISION_POLL_MS);
    };
    void check();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, []);
  return state;
}
