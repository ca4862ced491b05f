import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ProblemError } from './api';
import { formatUtc } from './format';
import { useLoaded } from './hooks';
import { age, getIncident, listIncidents, OPEN_STATES, STATE_LABELS, transition, type AssessmentDraft, type Incident, type IncidentAction, type IncidentHeader } from './incidents';
import { IncidentMap } from './IncidentMap';
import { EvidenceSection } from './EvidenceSection';
import { kindLabel } from './kinds';
import type { BaseMap } from './geo';
import type { PageProps } from './pages';
import { useSession } from './session';

const loadBase = () => fetch(`${import.meta.env.BASE_URL}ukraine-oblasts.geojson`).then((r) => (r.ok ? (r.json() as Promise<BaseMap>) : Promise.reject(new Error(`HTTP ${r.status}`))));
const message = (e: unknown) => (e instanceof ProblemError ? (e.problem.detail ?? e.problem.title ?? `HTTP ${e.status}`) : e instanceof Error ? e.message : String(e));

/** `#/incidents`: the verification queue; `#/incidents/ID`: one incident. */
export function IncidentsPage({ rest }: PageProps) {
  const { me } = useSession();
  if (me === null) return <p className="muted">Log in (on the map page) to see incidents.</p>;
  return rest ? <IncidentView id={rest} /> : <Queue />;
}

function Queue() {
  const [sort, setSort] = useState<'age' | 'recent' | 'sector' | 'updated'>('age');
  const [scope, setScope] = useState<'open' | 'all'>('open');
  const [sector, setSector] = useState('');
  const [data, setData] = useState<{ items: IncidentHeader[]; total: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    listIncidents({ states: scope === 'open' ? OPEN_STATES : [], sector: sector || undefined, sort }, abort.signal).then(
      (d) => {
        setData(d);
        setError(null);
      },
      (e: unknown) => !abort.signal.aborted && setError(message(e)),
    );
    return () => abort.abort();
  }, [sort, scope, sector]);
  return (
    <section aria-labelledby="queue-title">
      <h2 id="queue-title">Verification queue</h2>
      <div className="queue-filters">
        <label>
          Show
          <select value={scope} onChange={(e) => setScope(e.target.value as 'open' | 'all')} data-testid="queue-scope">
            <option value="open">Awaiting a decision</option>
            <option value="all">All incidents</option>
          </select>
        </label>
        <label>
          Sort by
          <select value={sort} onChange={(e) => setSort(e.target.value as typeof sort)}>
            <option value="age">Oldest event first</option>
            <option value="recent">Newest event first</option>
            <option value="sector">Sector</option>
            <option value="updated">Last changed</option>
          </select>
        </label>
        <label>
          Sector
          <input value={sector} onChange={(e) => setSector(e.target.value.trim())} placeholder="any" size={12} />
        </label>
        {data && <span className="muted">{data.total} incidents</span>}
      </div>
      {error && <p className="field-error" role="alert">{error}</p>}
      <table className="queue">
        <thead>
          <tr>
            <th scope="col">Began</th>
            <th scope="col">Age</th>
            <th scope="col">Kind</th>
            <th scope="col">Sector</th>
            <th scope="col">Observations</th>
            <th scope="col">State</th>
            <th scope="col">Label</th>
          </tr>
        </thead>
        <tbody>
          {data?.items.map((i) => (
            <tr key={i.id} data-testid="queue-row" data-state={i.state}>
              <td>
                <a href={`#/incidents/${i.id}`}>{formatUtc(i.firstObservedAt)}</a>
              </td>
              <td>{age(i.firstObservedAt)}</td>
              <td>{i.kind.replace(/_/g, ' ')}</td>
              <td>{i.sector ?? '—'}</td>
              <td>
                {i.observationCount} ({i.events} events){i.allegationCount ? ` · ${i.allegationCount} allegations` : ''}
              </td>
              <td>{STATE_LABELS[i.state]}</td>
              <td>{i.releasability}</td>
            </tr>
          ))}
          {data && data.items.length === 0 && (
            <tr>
              <td colSpan={7} className="muted">
                Nothing here.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}

function IncidentView({ id }: { id: string }) {
  const base = useLoaded(loadBase);
  const [incident, setIncident] = useState<Incident | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    getIncident(id).then(
      (i) => {
        setIncident(i);
        setError(null);
      },
      (e: unknown) => setError(message(e)),
    );
  }, [id]);
  useEffect(load, [load]);
  if (error && !incident) return <p className="field-error" role="alert">{error}</p>;
  if (!incident) return <p className="muted">Loading…</p>;
  const a = incident.assessment;
  return (
    <article className="incident" aria-labelledby="incident-title">
      <p className="incident-links">
        <a href="#/incidents">← Verification queue</a>
        <span>
          Spot report:{' '}
          <a href={`/api/incidents/${incident.id}/spot-report?format=html`} target="_blank" rel="noreferrer" data-testid="spot-report">
            HTML
          </a>{' '}
          · <a href={`/api/incidents/${incident.id}/spot-report?format=pdf`} target="_blank" rel="noreferrer">PDF</a> ·{' '}
          <a href={`/api/incidents/${incident.id}/spot-report?format=json`} target="_blank" rel="noreferrer">JSON</a>
        </span>
      </p>
      <h2 id="incident-title">
        {incident.kind.replace(/_/g, ' ')} · {incident.sector ?? 'outside every sector'} · <span data-testid="incident-state">{STATE_LABELS[incident.state]}</span>
      </h2>
      <p className="muted">
        {formatUtc(incident.firstObservedAt)} to {formatUtc(incident.lastObservedAt)} · {incident.observationCount} observations, {incident.events} events · label {incident.releasability}
      </p>
      <div className="incident-grid">
        <div>
          <IncidentMap incident={incident} base={base} />
          {incident.origin ? (
            <p data-testid="origin">
              Origin estimate {incident.origin.lat.toFixed(4)}, {incident.origin.lon.toFixed(4)}: ellipse {Math.round(incident.origin.ellipse.semiMajorM)} × {Math.round(incident.origin.ellipse.semiMinorM)} m ({Math.round(incident.origin.ellipse.probability * 100)}%), from{' '}
              {incident.origin.observationIds.length} bearings{incident.origin.warnings.length ? `; ${incident.origin.warnings.join('; ')}` : ''}
            </p>
          ) : (
            incident.originNote && <p className="muted">{incident.originNote}</p>
          )}
        </div>
        <div>
          <section aria-labelledby="assessment-title">
            <h3 id="assessment-title">Assessment</h3>
            {a ? (
              <dl className="assessment" data-testid="assessment">
                <dt>Finding</dt>
                <dd>{a.finding.replace(/_/g, ' ')}</dd>
                <dt>Attribution</dt>
                <dd>{a.attribution.replace(/_/g, ' ')}</dd>
                <dt>Confidence</dt>
                <dd>{a.confidence}</dd>
                <dt>Rationale</dt>
                <dd>{a.rationale}</dd>
                <dt>Drafted</dt>
                <dd>
                  {a.draftedBy.by} ({a.draftedBy.nation})
                </dd>
                <dt>Confirmed</dt>
                <dd>{a.confirmedBy ? `${a.confirmedBy.by} (${a.confirmedBy.nation})` : 'not yet (a second analyst of another nation)'}</dd>
                <dt>Reviewed</dt>
                <dd>{a.reviewedBy ? `${a.reviewedBy.by} (${a.reviewedBy.nation})` : 'not yet (a chief monitor)'}</dd>
              </dl>
            ) : (
              <p className="muted">No findings drafted yet.</p>
            )}
          </section>
          <Actions incident={incident} onDone={setIncident} />
        </div>
      </div>
      <section aria-labelledby="timeline-title">
        <h3 id="timeline-title">Timeline</h3>
        <ol className="timeline">
          {incident.observations.map((o) => (
            <li key={o.id}>
              {formatUtc(o.observedAt)} · {kindLabel(o)}
              {o.count > 1 ? ` ×${o.count}` : ''} · {o.source.kind}
              {o.source.nation ? ` (${o.source.nation})` : ''}
              {o.observer ? ` · bearing ${o.observer.bearingDeg ?? '?'}°` : ''}
              {o.notes ? ` · ${o.notes}` : ''}
            </li>
          ))}
        </ol>
      </section>
      {incident.allegations.length > 0 && (
        <section aria-labelledby="allegations-title">
          <h3 id="allegations-title">Allegations</h3>
          <ul>
            {incident.allegations.map((al) => (
              <li key={al.id}>
                {formatUtc(al.claimedAt)} · {al.source.kind}
                {al.source.name ? ` ${al.source.name}` : ''}
                {al.accusedParty ? ` accuses ${al.accusedParty}` : ''}: {al.narrative}
              </li>
            ))}
          </ul>
        </section>
      )}
      {incident.tasks.length > 0 && (
        <section aria-labelledby="tasks-title">
          <h3 id="tasks-title">Investigations</h3>
          <ul>
            {incident.tasks.map((t) => (
              <li key={t.id}>
                {t.title} · {t.state} · due {formatUtc(t.dueAt)}
              </li>
            ))}
          </ul>
        </section>
      )}
      <EvidenceSection incident={incident} />
      <section aria-labelledby="history-title">
        <h3 id="history-title">Decisions</h3>
        <ol className="timeline" data-testid="history">
          {incident.history.map((h) => (
            <li key={h.version}>
              {formatUtc(h.at)} · {h.by} · {h.action === 'transition' ? `${h.from ? STATE_LABELS[h.from] : ''} → ${STATE_LABELS[h.to]}` : h.action.replace(/_/g, ' ')}
              {h.reason ? ` · “${h.reason}”` : ''}
            </li>
          ))}
        </ol>
      </section>
    </article>
  );
}

/** The workflow's actions for this user now (the server's table decides), with the reasons and findings they need. */
function Actions({ incident, onDone }: { incident: Incident; onDone(i: Incident): void }) {
  const [chosen, setChosen] = useState<IncidentAction | null>(null);
  const [reason, setReason] = useState('');
  const [draft, setDraft] = useState<AssessmentDraft>({ finding: 'violation', attribution: 'undetermined', confidence: 'medium', rationale: '' });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!chosen) return;
    setBusy(true);
    setError(null);
    try {
      onDone(await transition(incident, chosen.to, reason.trim() || null, chosen.assessmentRequired ? draft : undefined));
      setChosen(null);
      setReason('');
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };
  const actions = incident.actions.filter((x) => x.via === 'transition');
  return (
    <section aria-labelledby="actions-title" className="incident-actions">
      <h3 id="actions-title">Your actions</h3>
      {actions.length === 0 && <p className="muted">None now.</p>}
      <div className="action-buttons">
        {actions.map((x) => (
          <button key={x.to} type="button" className={chosen?.to === x.to ? 'primary' : ''} data-testid={`action-${x.to}`} onClick={() => setChosen(x)}>
            {x.action}
          </button>
        ))}
      </div>
      {incident.refusedActions.map((x) => (
        <p key={x.to} className="muted" data-testid={`refused-${x.to}`}>
          {x.action}: {x.why}
        </p>
      ))}
      {chosen && (
        <form onSubmit={(e) => void submit(e)} className="action-form" data-testid="action-form">
          {chosen.assessmentRequired && (
            <>
              <label>
                Finding
                <select value={draft.finding} onChange={(e) => setDraft({ ...draft, finding: e.target.value as AssessmentDraft['finding'] })} name="finding">
                  <option value="violation">Violation</option>
                  <option value="no_violation">No violation</option>
                  <option value="inconclusive">Inconclusive</option>
                </select>
              </label>
              <label>
                Attribution
                <select value={draft.attribution} onChange={(e) => setDraft({ ...draft, attribution: e.target.value })} name="attribution">
                  <option value="undetermined">Undetermined</option>
                  <option value="not_attributable">Not attributable</option>
                  <option value="RUS">Russia (RUS)</option>
                  <option value="UKR">Ukraine (UKR)</option>
                </select>
              </label>
              <label>
                Confidence
                <select value={draft.confidence} onChange={(e) => setDraft({ ...draft, confidence: e.target.value as AssessmentDraft['confidence'] })} name="confidence">
                  <option value="low">Low</option>
                  <option value="medium">Medium</option>
                  <option value="high">High</option>
                </select>
              </label>
              <label>
                Rationale
                <textarea value={draft.rationale} onChange={(e) => setDraft({ ...draft, rationale: e.target.value })} name="rationale" rows={4} required />
              </label>
            </>
          )}
          <label>
            Reason{chosen.reasonRequired ? '' : ' (optional)'}
            <textarea value={reason} onChange={(e) => setReason(e.target.value)} name="reason" rows={2} required={chosen.reasonRequired} />
          </label>
          {error && (
            <p className="field-error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" className="primary" disabled={busy} data-testid="action-submit">
            {chosen.action}
          </button>
        </form>
      )}
    </section>
  );
}
