import { dayMapSvg } from './day-map';
import { VIOLATION_CATEGORIES, type AreaCounts, type DailyReport, type PlaceLine, type WeaponLine } from '../domain/daily-report';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const LABELS: Record<(typeof VIOLATION_CATEGORIES)[number], string> = {
  explosion_impact: 'Impacts',
  explosion_airburst: 'Airbursts',
  explosion_outgoing: 'Outgoing',
  explosion_undetermined: 'Undetermined explosions',
  burst: 'Bursts',
  shot: 'Shots',
};
const AUDIENCE: Record<DailyReport['audience'], string> = { cell: 'Coordination cell', parties: 'Parties to the ceasefire', public: 'Public' };
const utc = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;
const place = (l: { sector: string | null; oblast: string | null; place: string | null; lat: number; lon: number }) =>
  `${l.place ? `${esc(l.place)}, ` : ''}${esc(l.oblast ?? 'outside Ukraine')}${l.sector ? `, sector ${esc(l.sector)}` : ''} (${l.lat.toFixed(3)}, ${l.lon.toFixed(3)})`;
const signed = (n: number) => (n > 0 ? `+${n}` : String(n));

function areaRows(rows: AreaCounts[]): string {
  if (!rows.length) return '<tr><td colspan="9">None recorded.</td></tr>';
  return rows
    .map(
      (r) =>
        `<tr><th scope="row">${esc(r.area)}</th>${VIOLATION_CATEGORIES.map((c) => `<td>${r.current[c]}</td>`).join('')}<td><strong>${r.current.total}</strong></td><td class="${r.change > 0 ? 'up' : r.change < 0 ? 'down' : ''}">${signed(r.change)} (was ${r.previous.total})</td></tr>`,
    )
    .join('\n');
}

function areaTable(title: string, rows: AreaCounts[]): string {
  return `<table><caption>${esc(title)}</caption><thead><tr><th scope="col">Area</th>${VIOLATION_CATEGORIES.map((c) => `<th scope="col">${LABELS[c]}</th>`).join('')}<th scope="col">Total</th><th scope="col">Against the previous period</th></tr></thead><tbody>${areaRows(rows)}</tbody></table>`;
}

const weaponList = (rows: WeaponLine[]) =>
  rows.length
    ? `<ul>${rows.map((w) => `<li>${utc(w.observedAt)}: ${w.count} × ${esc(w.weapon ?? w.weaponClass ?? 'weapon')} ${w.distanceKm !== null ? `${w.distanceKm} km from the line ` : ''}at ${place(w)}; provision ${esc(w.provision)}</li>`).join('')}</ul>`
    : '<p>None recorded.</p>';
const placeList = (rows: PlaceLine[]) =>
  rows.length ? `<ul>${rows.map((p) => `<li>${utc(p.observedAt)}, ${place(p)}${p.count > 1 ? ` (${p.count})` : ''}${p.notes ? `: ${esc(p.notes)}` : ''}</li>`).join('')}</ul>` : '<p>None recorded.</p>';

/** The trend as an inline SVG line chart per sector: vector, no script, prints as it shows. */
function trendChart(r: DailyReport): string {
  const days = [...new Set(r.trend.map((t) => t.day))].sort();
  const sectors = [...new Set(r.trend.map((t) => t.sector))].sort();
  if (!days.length) return '<p>No violations in the last 30 days.</p>';
  const W = 720, H = 220, L = 40, B = 24;
  const max = Math.max(1, ...r.trend.map((t) => t.total));
  const x = (i: number) => L + (days.length === 1 ? 0 : (i * (W - L - 10)) / (days.length - 1));
  const y = (v: number) => H - B - (v * (H - B - 10)) / max;
  const colours = ['#d62728', '#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2'];
  const lines = sectors.map((s, k) => {
    const pts = days.map((d, i) => `${x(i).toFixed(1)},${y(r.trend.find((t) => t.day === d && t.sector === s)?.total ?? 0).toFixed(1)}`).join(' ');
    return `<polyline fill="none" stroke="${colours[k % colours.length]}" stroke-width="2" points="${pts}"><title>${esc(s)}</title></polyline>`;
  });
  const legend = sectors.map((s, k) => `<span style="color:${colours[k % colours.length]}">■</span> ${esc(s)}`).join(' &nbsp; ');
  return `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="Violations per day by sector, last 30 days">
<line x1="${L}" y1="${H - B}" x2="${W}" y2="${H - B}" stroke="#888"/><line x1="${L}" y1="0" x2="${L}" y2="${H - B}" stroke="#888"/>
<text x="${L - 4}" y="14" text-anchor="end" font-size="11">${max}</text><text x="${L - 4}" y="${H - B}" text-anchor="end" font-size="11">0</text>
<text x="${L}" y="${H - 6}" font-size="11">${days[0]}</text><text x="${W}" y="${H - 6}" text-anchor="end" font-size="11">${days[days.length - 1]}</text>
${lines.join('\n')}</svg><p class="legend">${legend}</p>`;
}

/** The daily report as one self-contained HTML page (no scripts, no external resources). */
/** `cites`: the transparency-log checkpoint an issued report was built against, shown at its foot. */
export function dailyReportHtml(r: DailyReport, cites?: { treeSize: number; rootHash: string; timestamp: string } | null): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Daily report ${esc(r.number)}</title>
<style>body{font:15px/1.45 system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#111}table{border-collapse:collapse;margin:1em 0;width:100%}caption{text-align:left;font-weight:600;margin-bottom:.3em}th,td{border:1px solid #ccc;padding:4px 6px;text-align:right}th[scope=row],thead th:first-child{text-align:left}.up{color:#b00}.down{color:#070}.meta{color:#444}.legend{font-size:13px}</style></head>
<body>
<h1>Daily report ${esc(r.number)}</h1>
<p class="meta">Audience: ${AUDIENCE[r.audience]}. Period: ${utc(r.period.from)} to ${utc(r.period.to)} (cut-off ${esc(r.cutOff.time)} ${esc(r.cutOff.timeZone)}), compared with the previous period. Counts are of the mechanism's own observations (${r.observationIds.length} in the period).</p>
<h2>Ceasefire violations</h2>
<p>In all: <strong>${r.violations.total.total}</strong> (previous period ${r.violations.previousTotal.total}, ${signed(r.violations.total.total - r.violations.previousTotal.total)}).</p>
${areaTable('By sector', r.violations.bySector)}
${areaTable('By oblast', r.violations.byOblast)}
${r.otherSources.length ? `<p>Reported by others (not counted above): ${r.otherSources.map((o) => `${esc(o.sourceKind)} ${o.total}`).join(', ')}.</p>` : ''}
<h2>Map of the day</h2>
${dayMapSvg(r)}
<h2>Trend, last 30 days</h2>
${trendChart(r)}
<h2>Verified incidents</h2>
${
  r.verifiedIncidents.length
    ? `<ul>${r.verifiedIncidents.map((i) => `<li><strong>${esc(i.verdict.replace(/_/g, ' '))}</strong>: ${esc(i.kind.replace(/_/g, ' '))} from ${utc(i.firstObservedAt)}${i.place ? `, ${esc(i.place)}` : ''}${i.sector ? `, sector ${esc(i.sector)}` : ''} (${i.observationCount} observations). Attribution: ${esc(i.attribution.replace(/_/g, ' '))}, ${esc(i.confidence)} confidence. ${esc(i.rationale)}</li>`).join('')}</ul>`
    : '<p>None in this period.</p>'
}
<h2>Weapons in breach of withdrawal lines</h2>
${weaponList(r.weapons.inBreachOfWithdrawal)}
<h2>Weapons beyond withdrawal lines outside storage sites</h2>
${weaponList(r.weapons.outsideStorage)}
<h2>Restrictions of the monitors' movement</h2>
${placeList(r.restrictions)}
<h2>Civilian casualties</h2>
${placeList(r.casualties)}
<h2>Damage</h2>
${placeList(r.damage)}
${cites ? `<p class="meta">Inputs: the transparency log at checkpoint ${cites.treeSize} (root ${esc(cites.rootHash)}, signed ${esc(cites.timestamp)}); verify with GET /api/log/checkpoints and the proofs of /api/log.</p>` : ''}
</body></html>
`;
}
