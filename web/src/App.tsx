import { useCallback, useEffect, useMemo, useState } from 'react';
import type { FeatureCollection, Point } from 'geojson';
import { getContactLine, getSectors } from './api';
import { DetailsPanel } from './DetailsPanel';
import { newDraft, rememberNation, type Draft } from './draft';
import { nameAt, oblastAt, type BaseMap } from './geo';
import { Header } from './Header';
import { useHotkeys, useLoaded, useOnline, useStoredState } from './hooks';
import { KindFilter } from './KindFilter';
import { ALL_KINDS, styleKey } from './kinds';
import { MapLegend } from './MapLegend';
import { ObservationMap, type ObservationFeatureProps } from './map/ObservationMap';
import { ObservationForm } from './ObservationForm';
import { useOutbox } from './outbox';
import { OutboxPanel } from './OutboxPanel';
import { TimeFilterPanel } from './TimeFilterPanel';
import { PRESETS, type TimeFilter } from './time-window';
import { Toasts, useToasts } from './Toasts';
import type { LatLon, Observation, ObservationInput, ObservationKind } from './types';
import { useObservations } from './useObservations';
import { usePositions } from './positions';
import { PositionPanel } from './PositionPanel';
import { useAgreement, type AgreementView } from './agreement';
import { AgreementPanel } from './AgreementPanel';
import { TasksPanel } from './TasksPanel';
import { useTasks } from './tasks';
import { useForceUnits } from './force';
import { AGREEMENT_GROUPS, type AgreementGroup } from './map/agreement-style';
import { canFile, useSession } from './session';
import { LoginPanel } from './LoginPanel';
import { useLive } from './live';
import { AlertsPanel } from './AlertsPanel';
import type { AlertRecord } from './alerts';

/** The right-hand panel. Details keep the observation, so they stay open if a refresh drops it. */
type Panel = { kind: 'none' } | { kind: 'details'; observation: Observation } | { kind: 'form' } | { kind: 'outbox' } | { kind: 'position'; uid: string } | { kind: 'login' };

const loadBase = () => fetch(`${import.meta.env.BASE_URL}ukraine-oblasts.geojson`).then((r) => (r.ok ? (r.json() as Promise<BaseMap>) : Promise.reject(new Error(`HTTP ${r.status}`))));

const isTimeFilter = (v: unknown): v is TimeFilter => typeof v === 'object' && v !== null && PRESETS.some((p) => p.id === (v as TimeFilter).preset);
const isGroups = (v: unknown): v is AgreementGroup[] => Array.isArray(v) && v.every((g) => AGREEMENT_GROUPS.some((x) => x.id === g));
/** The legend's name of the contact line: "illustrative" while it is the default one. */
const contactLabel = (a: AgreementView | null) =>
  !a || a.illustrative ? 'Contact line (illustrative)' : /^contact line/i.test(a.contactName) ? a.contactName : `Contact line: ${a.contactName}`;
const isKinds = (v: unknown): v is ObservationKind[] => Array.isArray(v) && v.every((k) => ALL_KINDS.includes(k as ObservationKind));

/** A queued (unsent) observation, shaped as a stored one for the map and the details panel. */
const asObservation = (i: ObservationInput): Observation => ({ count: 1, source: { kind: 'monitor' }, releasability: 'MECHANISM', ...i, sector: null, receivedAt: '' }) as Observation;

/** "Donetsk Oblast · sector Donetsk", for the form's place. */
const placeName = (oblast: string | undefined, sector: string | undefined) => [oblast ?? 'Outside Ukraine', sector && `sector ${sector}`].filter(Boolean).join(' · ');

export function App() {
  const [time, setTime] = useStoredState<TimeFilter>('truceline.time', { preset: '24h', from: '', to: '' }, isTimeFilter);
  const [kinds, setKinds] = useStoredState<ObservationKind[]>('truceline.kinds', ALL_KINDS, isKinds);
  const [breachesOnly, setBreachesOnly] = useStoredState<boolean>('truceline.breachesOnly', false, (v): v is boolean => typeof v === 'boolean');
  const [hiddenGroups, setHiddenGroups] = useStoredState<AgreementGroup[]>('truceline.hiddenLayers', [], isGroups);
  const session = useSession();
  // Until a one-time password is replaced, the server answers nothing else: ask for nothing.
  const mustChange = !!session.me?.mustChangePassword;
  const viewer = session.me ? `${session.me.username}:${session.me.mustChangePassword}` : session.me === null ? 'public' : '';
  const observations = useObservations(time, kinds, breachesOnly, viewer);
  const tasks = useTasks(viewer, session.me);
  const units = useForceUnits(viewer);
  const agreement = useAgreement();
  const positions = usePositions(viewer, !!session.me);
  const base = useLoaded(loadBase);
  const sectors = useLoaded(getSectors);
  const contactLine = useLoaded(getContactLine);
  const online = useOnline();
  const { toasts, toast } = useToasts();

  const [panel, setPanel] = useState<Panel>({ kind: 'none' });
  const [draft, setDraft] = useState<Draft>(newDraft);

  const { upsert, remove } = observations;
  const [pushedAlerts, setPushedAlerts] = useState<AlertRecord[]>([]);
  const live = useLive(viewer, (c) => {
    // A task's answer carries what this user may do with it, which the stream does not: reload.
    if (c.entity === 'task') return tasks.reload();
    if (c.entity === 'alert') return c.record && setPushedAlerts([c.record as AlertRecord]);
    if (c.entity !== 'observation') return;
    if (c.op === 'withdrawn' || !c.record) remove(c.id);
    else upsert(c.record as Observation);
  }, !mustChange);
  const outbox = useOutbox(
    useCallback(
      (o: Observation) => {
        upsert(o);
        toast('A queued observation was sent');
      },
      [upsert, toast],
    ),
  );

  const pending = useMemo(() => outbox.items.filter((i) => !i.rejected).map((i) => asObservation(i.input)), [outbox.items]);
  const features = useMemo<FeatureCollection<Point, ObservationFeatureProps>>(() => {
    const feature = (o: Observation, isPending: boolean) => ({
      type: 'Feature' as const,
      geometry: { type: 'Point' as const, coordinates: [o.location.lon, o.location.lat] },
      properties: { id: o.id, kind: o.kind, style: styleKey(o), count: o.count, t: Date.parse(o.observedAt), pending: isPending, breach: !!o.judgement?.breaches.length },
    });
    return { type: 'FeatureCollection', features: [...observations.items.map((o) => feature(o, false)), ...pending.map((o) => feature(o, true))] };
  }, [observations.items, pending]);
  const counts = useMemo(() => {
    const c = new Map<string, number>();
    for (const o of observations.items) c.set(styleKey(o), (c.get(styleKey(o)) ?? 0) + 1);
    return c;
  }, [observations.items]);

  const find = (id: string) => observations.items.find((o) => o.id === id) ?? pending.find((o) => o.id === id);
  const selected = panel.kind === 'details' ? (find(panel.observation.id) ?? panel.observation) : undefined;
  const sectorName = (id: string | null) => sectors?.features.find((f) => f.properties.id === id)?.properties.name;

  const openForm = () => {
    if (!canFile(session.me)) return setPanel({ kind: 'login' });
    // An untouched draft starts afresh (time = now); a touched one is restored as the monitor left it.
    if (!draft.touched) setDraft(newDraft());
    setPanel({ kind: 'form' });
  };
  const close = () => setPanel({ kind: 'none' });
  useHotkeys({ onNew: openForm, onEscape: close });

  const place: LatLon | null = panel.kind === 'form' && draft.lat && draft.lon && Number.isFinite(+draft.lat) && Number.isFinite(+draft.lon) ? { lat: +draft.lat, lon: +draft.lon } : null;

  return (
    <div className="app">
      <Header
        shown={observations.items.length}
        total={observations.total}
        loading={observations.loading}
        error={mustChange ? null : observations.error}
        updatedAt={observations.updatedAt}
        queued={pending.length}
        rejected={outbox.items.length - pending.length}
        online={online}
        onOpenOutbox={() => setPanel({ kind: 'outbox' })}
        onNew={openForm}
        me={session.me}
        live={live.connected}
        canFile={canFile(session.me)}
        onLogin={() => setPanel({ kind: 'login' })}
        onLogout={() => void session.logout()}
      />
      {session.me && <AlertsPanel key={viewer} pushed={pushedAlerts} sectorName={sectorName} />}
      <div className="body">
        <nav className="sidebar" aria-label="Filters">
          <TimeFilterPanel value={time} onChange={setTime} />
          <AgreementPanel agreement={agreement} breachesOnly={breachesOnly} onBreachesOnly={setBreachesOnly} hidden={hiddenGroups} onHidden={setHiddenGroups} />
          <KindFilter selected={kinds} counts={counts} onChange={setKinds} />
          <TasksPanel tasks={tasks} />
        </nav>
        <main className="map-area">
          <ObservationMap
            base={base}
            sectors={sectors}
            contactLine={agreement?.contact ?? contactLine}
            agreement={agreement?.layers ?? null}
            hiddenLayers={hiddenGroups.flatMap((g) => AGREEMENT_GROUPS.find((x) => x.id === g)?.layers ?? [])}
            observations={features}
            selectedId={selected?.id ?? null}
            selectedAt={selected?.location ?? null}
            picking={panel.kind === 'form'}
            place={place}
            onSelect={(id) => {
              const o = id ? find(id) : undefined;
              setPanel(o ? { kind: 'details', observation: o } : { kind: 'none' });
            }}
            onPick={({ lat, lon }) => setDraft((d) => ({ ...d, lat: lat.toFixed(5), lon: lon.toFixed(5), touched: true }))}
            positions={positions}
            tasks={tasks.items}
            units={units}
            onSelectPosition={(uid) => setPanel({ kind: 'position', uid })}
          />
          <MapLegend contactLabel={contactLabel(agreement)} breaches={!!agreement} positions={!!positions?.features.length} />
          {panel.kind === 'form' && !place && <div className="map-hint">Click the map to set the place</div>}
          <Toasts toasts={toasts} />
          {selected && (
            <DetailsPanel
              observation={selected}
              pending={pending.some((p) => p.id === selected.id)}
              sectorName={sectorName(selected.sector)}
              oblast={oblastAt(base, selected.location.lat, selected.location.lon)}
              onClose={close}
            />
          )}
          {panel.kind === 'form' && (
            <ObservationForm
              draft={draft}
              onChange={setDraft}
              where={place ? placeName(oblastAt(base, place.lat, place.lon), nameAt(sectors, place.lat, place.lon)) : undefined}
              onClose={close}
              onFiled={(o) => {
                rememberNation(draft.nation);
                const visible = upsert(o);
                setDraft(newDraft());
                setPanel({ kind: 'details', observation: o });
                toast(visible ? 'Observation filed' : 'Observation filed; the current filters hide it on the map');
              }}
              onQueued={(input) => {
                rememberNation(draft.nation);
                outbox.enqueue(input);
                setDraft(newDraft());
                setPanel({ kind: 'none' });
                toast('No connection: the observation is queued and will be sent when the connection is back', 'warn');
              }}
            />
          )}
          {panel.kind === 'position' &&
            (() => {
              const f = positions?.features.find((x) => x.properties.uid === panel.uid);
              return f ? <PositionPanel position={f.properties} lat={f.geometry.coordinates[1]!} lon={f.geometry.coordinates[0]!} onClose={close} /> : null;
            })()}
          {(panel.kind === 'login' || session.me?.mustChangePassword) && (
            <LoginPanel
              session={session}
              onClose={() => {
                if (!session.me?.mustChangePassword) close();
              }}
            />
          )}
          {panel.kind === 'login' && session.me && !session.me.mustChangePassword && <LoginDone onClose={close} />}
          {panel.kind === 'outbox' && (
            <OutboxPanel items={outbox.items} online={online} onRetry={() => void outbox.flush()} onDiscard={outbox.discard} onClose={close} />
          )}
        </main>
      </div>
    </div>
  );
}

/** Closes the login panel once the login went through. */
function LoginDone({ onClose }: { onClose(): void }) {
  useEffect(onClose, [onClose]);
  return null;
}
