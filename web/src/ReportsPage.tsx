import { useState } from 'react';
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
