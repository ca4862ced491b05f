import type { IncidentView } from '../services/incident.service';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const utc = (iso: string) => `${new Date(iso).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
const words = (s: string) => s.replace(/_/g, ' ');

/**
 * A spot report of one incident, as its reader may see it (the incident service already left out
 * what is not released to them): what happened, where and when, what was observed, the origin
 * estimate, the allegations, and the finding so far. The same view gives the same report.
 */
export interface SpotReport {
  title: string;
  incidentId: string;
  state: string;
  kind: string;
  sector: string | null;
  from: string;
  to: string;
  releasability: string;
  /** Where, from the estimated origin or else the mean of the observations: "12 km W of Kupiansk (Куп'янськ), Kharkiv Oblast (…)". */
  where: string | null;
  observations: { observedAt: string; kind: string; subkind: string | null; count: number; source: string; lat: number; lon: number; place: string | null; notes: string | null }[];
  origin: { lat: number; lon: number; semiMajorM: number; semiMinorM: number; orientationDeg: number; probability: number; bearings: number } | null;
  allegations: { claimedAt: string; source: string; accusedParty: string | null; narrative: string }[];
  assessment: { finding: string; attribution: string; confidence: string; rationale: string; draftedBy: string; confirmedBy: string | null; reviewedBy: string | null } | null;
}

/** Names a place in words ("12 km W of Kupiansk (Куп'янськ), Kharkiv Oblast (…)"), or null. */
export type PlaceNamer = (lon: number, lat: number) => string | null;

export function spotReport(i: IncidentView, nameOf: PlaceNamer = () => null): SpotReport {
  const a = i.assessment;
  const sig = (s: { by: string; nation: string } | null) => (s ? `${s.by} (${s.nation})` : null);
  const n = i.observations.length;
  const centre = i.origin ?? (n ? { lon: i.observations.reduce((s, o) => s + o.location.lon, 0) / n, lat: i.observations.reduce((s, o) => s + o.location.lat, 0) / n } : null);
  return {
    title: `Spot report: ${words(i.kind)}${i.sector ? `, sector ${i.sector}` : ''}, ${utc(i.firstObservedAt)}`,
    incidentId: i.id,
    state: i.state,
    kind: i.kind,
    sector: i.sector,
    from: new Date(i.firstObservedAt).toISOString(),
    to: new Date(i.lastObservedAt).toISOString(),
    releasability: i.releasability,
    where: centre ? nameOf(centre.lon, centre.lat) : null,
    observations: i.observations.map((o) => ({
      observedAt: new Date(o.observedAt).toISOString(),
      kind: o.kind,
      subkind: o.subkind ?? null,
      count: o.count,
      source: o.source.kind,
      lat: o.location.lat,
      lon: o.location.lon,
      place: nameOf(o.location.lon, o.location.lat),
      notes: o.notes ?? null,
    })),
    origin: i.origin
      ? { lat: i.origin.lat, lon: i.origin.lon, semiMajorM: Math.round(i.origin.ellipse.semiMajorM), semiMinorM: Math.round(i.origin.ellipse.semiMinorM), orientationDeg: Math.round(i.origin.ellipse.orientationDeg), probability: i.origin.ellipse.probability, bearings: i.origin.observationIds.length }
      : null,
    allegations: i.allegations.map((al) => ({ claimedAt: new Date(al.claimedAt).toISOString(), source: al.source.kind, accusedParty: al.accusedParty ?? null, narrative: al.narrative })),
    assessment: a ? { finding: a.finding, attribution: a.attribution, confidence: a.confidence, rationale: a.rationale, draftedBy: sig(a.draftedBy)!, confirmedBy: sig(a.confirmedBy), reviewedBy: sig(a.reviewedBy) } : null,
  };
}

export function spotReportHtml(r: SpotReport): string {
  const obs = r.observations
    .map((o) => `<li>${utc(o.observedAt)}: ${esc(words(o.kind))}${o.subkind ? ` (${esc(o.subkind)})` : ''}${o.count > 1 ? ` ×${o.count}` : ''}, ${esc(o.source)}, ${o.place ? `${esc(o.place)} ` : ''}(${o.lat.toFixed(4)}, ${o.lon.toFixed(4)})${o.notes ? `: ${esc(o.notes)}` : ''}</li>`)
    .join('');
  const a = r.assessment;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(r.title)}</title>
<style>body{font:15px/1.45 system-ui,sans-serif;max-width:860px;margin:2em auto;padding:0 1em;color:#111}.meta{color:#444}</style></head><body>
<h1>${esc(r.title)}</h1>
<p class="meta">Incident ${esc(r.incidentId)} · ${esc(words(r.state))} · ${utc(r.from)} to ${utc(r.to)} · label ${esc(r.releasability)}</p>
${r.where ? `<p><strong>Where:</strong> ${esc(r.where)}</p>` : ''}
<h2>Observations (${r.observations.length})</h2><ul>${obs}</ul>
<h2>Point of origin</h2>${r.origin ? `<p>${r.origin.lat.toFixed(4)}, ${r.origin.lon.toFixed(4)}, within an ellipse of ${r.origin.semiMajorM} × ${r.origin.semiMinorM} m (${Math.round(r.origin.probability * 100)}%, long axis ${r.origin.orientationDeg}°), from ${r.origin.bearings} bearings.</p>` : '<p>No estimate (fewer than two bearings).</p>'}
<h2>Allegations</h2>${r.allegations.length ? `<ul>${r.allegations.map((al) => `<li>${utc(al.claimedAt)}, ${esc(al.source)}${al.accusedParty ? ` accusing ${esc(al.accusedParty)}` : ''}: ${esc(al.narrative)}</li>`).join('')}</ul>` : '<p>None linked.</p>'}
<h2>Assessment</h2>${a ? `<p><strong>${esc(words(a.finding))}</strong>; attribution ${esc(words(a.attribution))}, ${esc(a.confidence)} confidence. ${esc(a.rationale)}</p><p class="meta">Drafted by ${esc(a.draftedBy)}; confirmed by ${esc(a.confirmedBy ?? '(not yet)')}; reviewed by ${esc(a.reviewedBy ?? '(not yet)')}.</p>` : '<p>Not yet assessed.</p>'}
</body></html>
`;
}
