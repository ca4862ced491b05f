import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { AttributionControl, Map as MapLibreMap, NavigationControl, type GeoJSONSource, type MapOptions } from 'maplibre-gl';
import type { Feature, FeatureCollection, Geometry } from 'geojson';
import { mapStyle } from './map/map-style';
import { compareLand, comparePdfUrl, importLandOption, km, listLandOptions, settlementName, sideFeatures, type CompareResult, type LandOption } from './land';
import { canFile, useSession } from './session';
import type { PageProps } from './pages';

type Style = Exclude<MapOptions['style'], string | undefined>;
type LandFeature = Feature<Geometry, { role: string }>;

const OPTION_COLOURS = ['#4da3ff', '#ff9f1c', '#c77dff'];
const EMPTY: FeatureCollection = { type: 'FeatureCollection', features: [] };

/** The shared base style plus the land options' own layers (areas, changed areas, lines). */
function landStyle(): Style {
  const base = mapStyle() as { sources: Record<string, unknown>; layers: { id: string }[] };
  const keep = new Set(['background', 'oblast-fill', 'oblast-line', 'border-line']);
  const role = (r: string) => ['==', ['get', 'role'], r];
  return {
    ...base,
    sources: { base: base.sources.base, land: { type: 'geojson', data: EMPTY, attribution: 'Lines and areas as supplied (e.g. DeepStateMap) · settlements: GeoNames CC BY 4.0, © OpenStreetMap contributors (ODbL)' } },
    layers: [
      ...base.layers.filter((l) => keep.has(l.id)),
      { id: 'land-reference-area', type: 'fill', source: 'land', filter: role('reference-area'), paint: { 'fill-color': '#8899aa', 'fill-opacity': 0.25 } },
      { id: 'land-option-area', type: 'fill', source: 'land', filter: role('option-area'), paint: { 'fill-color': ['get', 'colour'], 'fill-opacity': 0.22 } },
      { id: 'land-gained', type: 'fill', source: 'land', filter: role('gained'), paint: { 'fill-color': '#ff3b30', 'fill-opacity': 0.55 } },
      { id: 'land-lost', type: 'fill', source: 'land', filter: role('lost'), paint: { 'fill-color': '#34c759', 'fill-opacity': 0.55 } },
      { id: 'land-reference-line', type: 'line', source: 'land', filter: role('reference-line'), paint: { 'line-color': '#ffffff', 'line-width': 2.5 } },
      { id: 'land-option-line', type: 'line', source: 'land', filter: role('option-line'), paint: { 'line-color': ['get', 'colour'], 'line-width': 2.5, 'line-dasharray': [2, 1] } },
    ],
  } as unknown as Style;
}

interface Debug {
  __trucelineLand?: { left: MapLibreMap; right: MapLibreMap };
}

/** Left: the reference and every option overlaid. Right (swiped over it): the option chosen for the swipe alone. */
function featuresFor(result: CompareResult | null, swipe: number): { left: LandFeature[]; right: LandFeature[] } {
  if (!result) return { left: [], right: [] };
  const tag = (fs: LandFeature[], colour: string) => fs.map((f) => ({ ...f, properties: { ...f.properties, colour } }));
  const ref = sideFeatures(result.reference, 'reference') as LandFeature[];
  const left: LandFeature[] = [...ref];
  result.comparisons.forEach((c, i) => {
    if (c.gainedArea) left.push({ type: 'Feature', properties: { role: 'gained' }, geometry: c.gainedArea });
    if (c.lostArea) left.push({ type: 'Feature', properties: { role: 'lost' }, geometry: c.lostArea });
    left.push(...tag((sideFeatures(c.option, 'option') as LandFeature[]).filter((f) => f.properties.role === 'option-line'), OPTION_COLOURS[i]!));
  });
  const chosen = result.comparisons[swipe];
  const right = chosen ? tag(sideFeatures(chosen.option, 'option') as LandFeature[], OPTION_COLOURS[swipe]!) : [];
  return { left, right };
}

/** A map in `container` once it is in the page (the page renders its maps only after the session is known). */
function useLandMap(container: HTMLDivElement | null): MapLibreMap | null {
  const [map, setMap] = useState<MapLibreMap | null>(null);
  useEffect(() => {
    if (!container) return;
    const m = new MapLibreMap({ container, style: landStyle(), center: [36.5, 48.3], zoom: 5.3, attributionControl: false });
    m.addControl(new AttributionControl({ compact: true }));
    m.addControl(new NavigationControl({ showCompass: false }), 'top-left');
    m.on('load', () => {
      fetch(`${import.meta.env.BASE_URL}ukraine-oblasts.geojson`)
        .then((r) => r.json())
        .then((base: FeatureCollection) => (m.getSource('base') as GeoJSONSource | undefined)?.setData(base))
        .catch(() => undefined);
      setMap(m);
    });
    return () => {
      setMap(null);
      m.remove();
    };
  }, [container]);
  return map;
}

/** Land options: proposed lines side by side, what changes hands, a PDF for the table. */
export function LandPage(_props: PageProps) {
  const { me } = useSession();
  const [options, setOptions] = useState<LandOption[] | null>(null);
  const [reference, setReference] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  const [result, setResult] = useState<CompareResult | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [swipe, setSwipe] = useState(0);
  const [split, setSplit] = useState(50);
  const [leftEl, setLeftEl] = useState<HTMLDivElement | null>(null);
  const [rightEl, setRightEl] = useState<HTMLDivElement | null>(null);
  const left = useLandMap(leftEl);
  const right = useLandMap(rightEl);

  const reload = () => listLandOptions().then(setOptions, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  useEffect(() => {
    if (me) void reload();
  }, [me]);

  // Both maps move as one: the swipe shows the same place on either side of the divider.
  useEffect(() => {
    if (!left || !right) return;
    (window as Debug).__trucelineLand = { left, right };
    let syncing = false;
    const follow = (from: MapLibreMap, to: MapLibreMap) => () => {
      if (syncing) return;
      syncing = true;
      to.jumpTo({ center: from.getCenter(), zoom: from.getZoom(), bearing: from.getBearing(), pitch: from.getPitch() });
      syncing = false;
    };
    const a = follow(left, right);
    const b = follow(right, left);
    left.on('move', a);
    right.on('move', b);
    return () => {
      left.off('move', a);
      right.off('move', b);
    };
  }, [left, right]);

  const features = useMemo(() => featuresFor(result, swipe), [result, swipe]);
  useEffect(() => {
    (left?.getSource('land') as GeoJSONSource | undefined)?.setData({ type: 'FeatureCollection', features: features.left });
    (right?.getSource('land') as GeoJSONSource | undefined)?.setData({ type: 'FeatureCollection', features: features.right });
  }, [left, right, features]);

  const toggle = (id: string) => setChosen((c) => (c.includes(id) ? c.filter((x) => x !== id) : c.length >= 3 ? c : [...c, id]));
  const compare = async () => {
    setBusy(true);
    setError(null);
    try {
      setResult(await compareLand(reference, chosen));
      setSwipe(0);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  const onImport = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const file = data.get('file');
    if (!(file instanceof File) || !file.name) return setError('choose a GeoJSON or KML file');
    try {
      await importLandOption(file, { name: String(data.get('name') ?? ''), date: String(data.get('date') ?? ''), releasability: String(data.get('releasability') ?? 'MECHANISM') });
      form.reset();
      await reload();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  if (me === undefined) return null;
  if (me === null) return <p className="muted">Log in to see the land options.</p>;
  const others = (options ?? []).filter((o) => o.id !== reference);
  return (
    <div className="land-page">
      <section className="land-controls" aria-label="Options">
        <h2>Land options</h2>
        {error && <p className="error" role="alert">{error}</p>}
        {!options ? (
          <p className="muted">Loading…</p>
        ) : options.length === 0 ? (
          <p className="muted">No options yet: import one below.</p>
        ) : (
          <>
            <label>
              Reference{' '}
              <select aria-label="Reference" data-testid="land-reference" value={reference} onChange={(e) => setReference(e.target.value)}>
                <option value="">choose…</option>
                {options.map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.name} (v{o.version}, {o.date})
                  </option>
                ))}
              </select>
            </label>
            <fieldset>
              <legend>Compare (up to three)</legend>
              {others.map((o) => (
                <label key={o.id} className="land-option-choice">
                  <input type="checkbox" checked={chosen.includes(o.id)} onChange={() => toggle(o.id)} data-testid="land-option" data-name={o.name} /> {o.name}{' '}
                  <span className="muted">
                    v{o.version} · {o.status} · {o.releasability}
                  </span>
                </label>
              ))}
            </fieldset>
            <div className="land-actions">
              <button type="button" onClick={() => void compare()} disabled={!reference || chosen.length === 0 || busy} data-testid="land-compare">
                {busy ? 'Comparing…' : 'Compare'}
              </button>
              {result && reference && (
                <a className="button" href={comparePdfUrl(reference, chosen)} download="land-comparison.pdf" data-testid="land-pdf">
                  PDF
                </a>
              )}
            </div>
          </>
        )}
        {canFile(me) && (
          <form className="land-import" onSubmit={(e) => void onImport(e)} aria-label="Import an option">
            <h3>Import (GeoJSON or KML)</h3>
            <input type="file" name="file" accept=".geojson,.json,.kml" aria-label="File" />
            <input type="text" name="name" placeholder="Name (optional)" aria-label="Name" />
            <input type="date" name="date" aria-label="Date" defaultValue={new Date().toISOString().slice(0, 10)} required />
            <select name="releasability" aria-label="Releasability" defaultValue="MECHANISM">
              <option>MECHANISM</option>
              <option>COALITION</option>
            </select>
            <button type="submit">Import</button>
          </form>
        )}
      </section>

      <section className="land-map-section" aria-label="Map">
        <div className="land-maps" data-testid="land-maps">
          <div ref={setLeftEl} className="land-map" />
          <div ref={setRightEl} className="land-map land-map-right" style={{ clipPath: `inset(0 0 0 ${split}%)` }} />
          <div className="land-divider" style={{ left: `${split}%` }} aria-hidden="true" />
        </div>
        <div className="land-swipe">
          <label>
            Swipe{' '}
            <input type="range" min={0} max={100} value={split} onChange={(e) => setSplit(Number(e.target.value))} aria-label="Swipe position" data-testid="land-swipe" />
          </label>
          {result && result.comparisons.length > 1 && (
            <select aria-label="Option on the right" value={swipe} onChange={(e) => setSwipe(Number(e.target.value))}>
              {result.comparisons.map((c, i) => (
                <option key={i} value={i}>
                  {c.option.name}
                </option>
              ))}
            </select>
          )}
          <span className="muted">
            Left: {result ? `${result.reference.name} and every option` : '—'} · right: {result?.comparisons[swipe]?.option.name ?? '—'} · red joins the option side, green leaves it
          </span>
        </div>
      </section>

      {result && <ComparisonTable result={result} />}
    </div>
  );
}

function ComparisonTable({ result }: { result: CompareResult }) {
  const cs = result.comparisons;
  const row = (label: string, f: (c: CompareResult['comparisons'][number]) => string) => (
    <tr key={label}>
      <th scope="row">{label}</th>
      {cs.map((c, i) => (
        <td key={i}>{f(c)}</td>
      ))}
    </tr>
  );
  const names = (list: { name: string; nameUk?: string; population: number | null }[]) =>
    list.length === 0 ? '—' : list.slice(0, 12).map((s) => `${settlementName(s)}${s.population ? ` (${km(s.population)})` : ''}`).join(', ') + (list.length > 12 ? `, … ${list.length - 12} more` : '');
  return (
    <section className="land-table" aria-label="Comparison">
      <table data-testid="land-table">
        <thead>
          <tr>
            <th scope="col">Against {result.reference.name}</th>
            {cs.map((c, i) => (
              <th scope="col" key={i} style={{ color: OPTION_COLOURS[i] }}>
                {c.option.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {row('Area joining the option side (km²)', (c) => km(c.gainedKm2))}
          {row('Area leaving it (km²)', (c) => km(c.lostKm2))}
          {row('Area changing sides (km²)', (c) => km(c.changedKm2))}
          {row('Settlements joining / people', (c) => `${c.settlementsGained.length} / ${km(c.peopleGained)}`)}
          {row('Settlements leaving / people', (c) => `${c.settlementsLost.length} / ${km(c.peopleLost)}`)}
          {row('Joining', (c) => names(c.settlementsGained))}
          {row('Leaving', (c) => names(c.settlementsLost))}
          {cs[0]?.zones.map((z, zi) => row(`Within ${km(z.band.distanceM / 1000)} km (${z.band.label})`, (c) => `${c.zones[zi]?.settlements.length ?? 0} / ${km(c.zones[zi]?.people ?? 0)} people`))}
          {row('Towns > 10,000 within 25 km of the new line', (c) =>
            c.towns
              .filter((t) => t.distanceKm <= 25)
              .map((t) => `${settlementName(t)} ${km(t.distanceKm)} km`)
              .join(', ') || '—',
          )}
          {row('New line length (km)', (c) => km(c.newLineLengthKm))}
        </tbody>
      </table>
      <p className="muted small">
        Areas geodesic on the WGS84 ellipsoid. {result.attribution}. Oblasts © OpenStreetMap contributors.
      </p>
    </section>
  );
}
