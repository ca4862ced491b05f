import { useEffect, useState } from 'react';
import { getDeployments, getGeneration, getLeadNations, getUnits, km, n, STATUS_LABELS, type Generation, type GenerationRow, type LeadNationView, type PledgeStatus, type UnitView } from './force';
import { useSession } from './session';
import type { PageProps } from './pages';

const STATUSES: PledgeStatus[] = ['pledged', 'approved_by_parliament', 'deploying', 'deployed', 'withdrawn'];

/** Required, pledged and deployed troops per capability as horizontal bars; inline SVG, no chart library. */
function GenerationChart({ g }: { g: Generation }) {
  const rows = g.byCapability;
  const max = Math.max(1, ...rows.map((r) => Math.max(r.requiredTroops, r.pledgedTroops)));
  const label = 150;
  const width = 640;
  const bar = width - label - 70;
  const rowH = 26;
  const name = (key: string) => g.capabilities.find((c) => c.id === key)?.label ?? key;
  return (
    <svg className="force-chart" role="img" aria-label="Troops required, pledged and deployed by capability" viewBox={`0 0 ${width} ${rows.length * rowH + 30}`} data-testid="force-chart">
      {rows.map((r, i) => {
        const y = i * rowH + 4;
        const w = (v: number) => (v / max) * bar;
        return (
          <g key={r.key} transform={`translate(0, ${y})`}>
            <text x={label - 8} y={14} textAnchor="end" className="force-chart-label">
              {name(r.key)}
            </text>
            <rect x={label} y={2} width={w(r.pledgedTroops)} height={16} className="force-bar-pledged" />
            <rect x={label} y={2} width={w(r.deployedTroops)} height={16} className="force-bar-deployed" />
            <rect x={label} y={0} width={w(r.requiredTroops)} height={20} className={r.troopGap > 0 ? 'force-bar-required gap' : 'force-bar-required'} />
            <text x={label + Math.max(w(r.requiredTroops), w(r.pledgedTroops)) + 6} y={14} className="force-chart-value">
              {r.troopGap > 0 ? `−${n(r.troopGap)}` : '✓'}
            </text>
          </g>
        );
      })}
      <g transform={`translate(${label}, ${rows.length * rowH + 14})`} className="force-chart-legend">
        <rect width={12} height={10} className="force-bar-deployed" />
        <text x={16} y={9}>
          deployed
        </text>
        <rect x={90} width={12} height={10} className="force-bar-pledged" />
        <text x={106} y={9}>
          pledged
        </text>
        <rect x={180} width={12} height={10} className="force-bar-required" />
        <text x={196} y={9}>
          required (red: a gap)
        </text>
      </g>
    </svg>
  );
}

function StatusCells({ r }: { r: GenerationRow }) {
  return (
    <>
      {STATUSES.map((s) => (
        <td key={s} className="num">
          {n(r.troopsByStatus[s])}
        </td>
      ))}
    </>
  );
}

/** The force-generation table, by capability and by nation, with the gaps highlighted; the units and where they are. */
export function ForcePage(_: PageProps) {
  const { me } = useSession();
  const [g, setG] = useState<Generation | null>(null);
  const [units, setUnits] = useState<UnitView[]>([]);
  const [deployments, setDeployments] = useState<Awaited<ReturnType<typeof getDeployments>>>([]);
  const [leads, setLeads] = useState<LeadNationView[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!me) return;
    Promise.all([getGeneration(), getUnits(), getDeployments(), getLeadNations()]).then(
      ([gen, u, d, l]) => {
        setG(gen);
        setUnits(u);
        setDeployments(d);
        setLeads(l);
      },
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  }, [me]);
  if (me === undefined) return null;
  if (me === null) return <p className="muted">Log in to see the force: its register is released to the coalition, not to the public.</p>;
  if (error) return <p className="error">{error}</p>;
  if (!g) return <p className="muted">Loading…</p>;
  const cap = (key: string) => g.capabilities.find((c) => c.id === key);
  return (
    <div className="force-page">
      <section aria-labelledby="generation-title">
        <h2 id="generation-title">Force generation</h2>
        <p className="muted">
          Troops by pledge status (pledged, approved by parliament, deploying, deployed, withdrawn). Every status but withdrawn counts towards the force; a gap is what a requirement lacks of those pledges. Total required {n(g.total.requiredTroops)}, pledged {n(g.total.pledgedTroops)}, deployed{' '}
          {n(g.total.deployedTroops)}, gaps {n(g.total.troopGap)}.
        </p>
        <GenerationChart g={g} />
        <table className="force-table" data-testid="force-by-capability">
          <thead>
            <tr>
              <th>Capability</th>
              <th className="num">Required</th>
              <th className="num">Troops required</th>
              <th className="num">Troops pledged (all but withdrawn)</th>
              {STATUSES.map((s) => (
                <th key={s} className="num">
                  {STATUS_LABELS[s]}
                </th>
              ))}
              <th className="num">Pledged (qty)</th>
              <th className="num">Gap (troops)</th>
              <th className="num">Gap (qty)</th>
            </tr>
          </thead>
          <tbody>
            {g.byCapability.map((r) => (
              <tr key={r.key} className={r.troopGap > 0 || r.quantityGap > 0 ? 'gap' : undefined} data-capability={r.key} data-gap={r.troopGap > 0 || r.quantityGap > 0}>
                <th scope="row">{cap(r.key)?.label ?? r.key}</th>
                <td className="num">
                  {n(r.requiredQuantity)} {cap(r.key)?.unit}
                </td>
                <td className="num">{n(r.requiredTroops)}</td>
                <td className="num">{n(r.pledgedTroops)}</td>
                <StatusCells r={r} />
                <td className="num">{n(r.pledgedQuantity)}</td>
                <td className="num gap-cell">{r.troopGap > 0 ? n(r.troopGap) : '–'}</td>
                <td className="num gap-cell">{r.quantityGap > 0 ? n(r.quantityGap) : '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section aria-labelledby="nations-title">
        <h2 id="nations-title">By nation</h2>
        <table className="force-table" data-testid="force-by-nation">
          <thead>
            <tr>
              <th>Nation</th>
              <th className="num">Pledges</th>
              {STATUSES.map((s) => (
                <th key={s} className="num">
                  {STATUS_LABELS[s]}
                </th>
              ))}
              <th />
            </tr>
          </thead>
          <tbody>
            {g.byNation.map((r) => (
              <tr key={r.key}>
                <th scope="row">{r.key}</th>
                <td className="num">{r.pledges}</td>
                <StatusCells r={r} />
                <td>
                  <a href={`#/commitments/${r.key}`}>commitments</a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section aria-labelledby="units-title">
        <h2 id="units-title">Units and deployments</h2>
        <table className="force-table" data-testid="force-units">
          <thead>
            <tr>
              <th>Unit</th>
              <th>Nation</th>
              <th>Type</th>
              <th className="num">Size</th>
              <th>Deployed at</th>
              <th className="num">To the line</th>
              <th>Stand-off rule</th>
            </tr>
          </thead>
          <tbody>
            {units.map((u) => {
              const ds = deployments.filter((d) => d.unitId === u.id);
              const flagged = ds.some((d) => d.check.flagged);
              return (
                <tr key={u.id} className={flagged ? 'flagged' : undefined} data-unit={u.id}>
                  <th scope="row">{u.name}</th>
                  <td>{u.nation}</td>
                  <td>
                    {u.type} ({u.echelon})
                  </td>
                  <td className="num">{n(u.size)}</td>
                  <td>{ds.map((d) => d.place).join('; ') || '–'}</td>
                  <td className="num">{ds.map((d) => km(d.check.distanceToLineM)).join('; ') || '–'}</td>
                  <td>{flagged ? <strong className="flag">⚑ {ds.flatMap((d) => d.check.reasons).join('; ')}</strong> : ds.length ? 'kept' : '–'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <p className="muted">
          Units are drawn on the <a href="#/">map</a> with their MIL-STD-2525 / APP-6 symbols; one reporting over TAK is drawn at its position report.
        </p>
      </section>

      <section aria-labelledby="leads-title">
        <h2 id="leads-title">Lead nations</h2>
        <table className="force-table" data-testid="force-leads">
          <thead>
            <tr>
              <th>Domain</th>
              <th>Lead</th>
              <th>From</th>
              <th>Until</th>
              <th>Coordinates with</th>
              <th>Note</th>
            </tr>
          </thead>
          <tbody>
            {[...leads]
              .sort((a, b) => a.domain.localeCompare(b.domain) || a.nation.localeCompare(b.nation))
              .map((l) => (
                <tr key={l.id}>
                  <th scope="row">{l.domain}</th>
                  <td>{l.nation}</td>
                  <td>{l.from}</td>
                  <td>{l.to ?? 'open-ended'}</td>
                  <td>{l.coordinatesWith.map((c) => (c.domain ? `${c.nation} (${c.domain})` : c.nation)).join(', ') || '–'}</td>
                  <td>{l.note}</td>
                </tr>
              ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}
