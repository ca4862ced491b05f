import { useCallback, useEffect, useState } from 'react';
import { csrfHeader, ProblemError, request } from './api';
import { useSession, type Me } from './session';
import type { PageProps } from './pages';

type Audience = 'public' | 'cell' | 'parties';

/** Which versions a reader may open: the server decides (404 otherwise); this only hides what would fail. */
function audiencesFor(me: Me | null | undefined): Audience[] {
  if (!me) return ['public'];
  if (me.roles.includes('admin') || me.orgKind === 'mechanism') return ['public', 'parties', 'cell'];
  if (me.orgKind === 'party') return ['public', 'parties'];
  return ['public', 'cell'];
}

interface Issued {
  id: string;
  date: string;
  audience: Audience;
  number: string;
  state: 'draft' | 'reviewed' | 'approved' | 'published';
  publishedAt: string | null;
  history: { at: string; by: string; to: string }[];
}

/** The next steps a role may take (the server's table decides; this only offers the buttons). */
const NEXT: Record<Issued['state'], { to: Issued['state']; label: string; roles: string[] }[]> = {
  draft: [{ to: 'reviewed', label: 'Mark reviewed', roles: ['analyst', 'chief_monitor', 'admin'] }],
  reviewed: [{ to: 'approved', label: 'Approve', roles: ['chief_monitor', 'admin'] }],
  approved: [{ to: 'published', label: 'Publish', roles: ['chief_monitor', 'admin'] }],
  published: [],
};
const ISSUERS = ['analyst', 'chief_monitor', 'admin'];

/** Issued reports: drafts and their steps for those who issue them, the published ones for everyone. */
function IssuedReports({ me, date, audience }: { me: Me | null | undefined; date: string; audience: Audience }) {
  const [items, setItems] = useState<Issued[]>([]);
  const [error, setError] = useState<string | null>(null);
  const issuer = !!me?.roles.some((r) => ISSUERS.includes(r));
  const load = useCallback(() => {
    request<{ items: Issued[] }>('/api/reports?limit=50').then(
      (r) => setItems(r.items),
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  }, []);
  useEffect(load, [load, me]);
  const act = async (url: string, body: unknown) => {
    setError(null);
    try {
      await request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...csrfHeader() }, body: JSON.stringify(body) });
      load();
    } catch (e) {
      setError(e instanceof ProblemError ? (e.problem.detail ?? e.message) : String(e));
    }
  };
  return (
    <section aria-labelledby="issued-title">
      <h3 id="issued-title">{issuer ? 'Issued reports' : 'Published reports'}</h3>
      {issuer && (
        <button type="button" className="primary" data-testid="report-draft" onClick={() => void act('/api/reports', { date, audience })}>
          Draft the {audience} report of {date}
        </button>
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <table className="issued">
        <thead>
          <tr>
            <th scope="col">Number</th>
            <th scope="col">Date</th>
            <th scope="col">Audience</th>
            <th scope="col">State</th>
            <th scope="col" />
          </tr>
        </thead>
        <tbody>
          {items.map((r) => (
            <tr key={r.id} data-testid="issued-report" data-state={r.state}>
              <td>
                <a href={`/api/reports/${r.id}/html`} target="_blank" rel="noreferrer">
                  {r.number}
                </a>{' '}
                <a href={`/api/reports/${r.id}/pdf`} target="_blank" rel="noreferrer" className="muted" data-testid="issued-pdf">
                  PDF
                </a>
              </td>
              <td>{r.date}</td>
              <td>{r.audience}</td>
              <td>{r.state}</td>
              <td>
                {NEXT[r.state]
                  .filter((n) => me?.roles.some((x) => n.roles.includes(x)))
                  .map((n) => (
                    <button key={n.to} type="button" data-testid={`report-${n.to}`} onClick={() => void act(`/api/reports/${r.id}/steps`, { to: n.to })}>
                      {n.label}
                    </button>
                  ))}
              </td>
            </tr>
          ))}
          {items.length === 0 && (
            <tr>
              <td colSpan={5} className="muted">
                None yet.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <p className="muted">
        Published public reports are also an <a href="/api/reports/feed.atom">Atom feed</a>; open data: <a href="/api/open-data/observations.csv">CSV</a>,{' '}
        <a href="/api/open-data/observations.geojson">GeoJSON</a>, <a href="/api/open-data/observations.kml">KML</a>.
      </p>
    </section>
  );
}

const today = () => new Date().toISOString().slice(0, 10);
const daysBefore = (date: string, n: number) => new Date(Date.parse(`${date}T12:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);

/** The daily reports: pick a date and an audience, open the page or take the JSON. */
export function ReportsPage(_: PageProps) {
  const { me } = useSession();
  const [date, setDate] = useState(today);
  const [audience, setAudience] = useState<Audience>('public');
  const audiences = audiencesFor(me);
  const url = (d: string, format: 'html' | 'json') => `/api/reports/daily/${d}?audience=${audiences.includes(audience) ? audience : 'public'}&format=${format}`;
  return (
    <section className="reports-page" aria-labelledby="reports-title">
      <h2 id="reports-title">Daily reports</h2>
      <p className="muted">
        Each report covers the 24 hours to the 19:30 (Kyiv) cut-off of its date and holds only what its audience may see. The same store gives the same report, byte for byte.
      </p>
      <form className="report-pick" onSubmit={(e) => e.preventDefault()}>
        <label>
          Date
          <input type="date" value={date} max={today()} onChange={(e) => setDate(e.target.value)} data-testid="report-date" />
        </label>
        <label>
          Audience
          <select value={audience} onChange={(e) => setAudience(e.target.value as Audience)} data-testid="report-audience">
            {audiences.map((a) => (
              <option key={a} value={a}>
                {a === 'cell' ? 'Coordination cell' : a === 'parties' ? 'Parties' : 'Public'}
              </option>
            ))}
          </select>
        </label>
        <a className="button primary" href={url(date, 'html')} target="_blank" rel="noreferrer" data-testid="report-open">
          Open report
        </a>
        <a className="button" href={url(date, 'json')} target="_blank" rel="noreferrer">
          JSON
        </a>
      </form>
      <IssuedReports me={me} date={date} audience={audiences.includes(audience) ? audience : 'public'} />
      <h3>Last seven days</h3>
      <ul className="report-days">
        {Array.from({ length: 7 }, (_, i) => daysBefore(today(), i)).map((d) => (
          <li key={d}>
            <a href={url(d, 'html')} target="_blank" rel="noreferrer">
              {d}
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}
