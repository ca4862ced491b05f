import { pdfDocument } from './pdf-document';
import type { SpotReport } from './spot-report';
import { dayMarks, MAP_H, MAP_LEGEND, oblastOutlines } from './day-map';
import { VIOLATION_CATEGORIES, type AreaCounts, type DailyReport, type PlaceLine, type WeaponLine } from '../domain/daily-report';

/*
 * The daily report as a PDF (fonts: see pdf-document.ts); the map and the trend chart drawn as
 * vector paths. The document's dates come from the report, not the clock.
 */
const SHORT: Record<(typeof VIOLATION_CATEGORIES)[number], string> = {
  explosion_impact: 'Impact',
  explosion_airburst: 'Airburst',
  explosion_outgoing: 'Outgoing',
  explosion_undetermined: 'Undet.',
  burst: 'Bursts',
  shot: 'Shots',
};
const AUDIENCE = { cell: 'Coordination cell', parties: 'Parties to the ceasefire', public: 'Public' } as const;
const COLOURS = ['#d62728', '#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2'];
const utc = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;
const signed = (n: number) => (n > 0 ? `+${n}` : String(n));
const where = (l: { place: string | null; oblast: string | null; sector: string | null }) =>
  [l.place, l.oblast ?? 'outside Ukraine', l.sector ? `sector ${l.sector}` : null].filter(Boolean).join(', ');

export async function dailyReportPdf(r: DailyReport, cites?: { treeSize: number; rootHash: string; timestamp: string } | null): Promise<Buffer> {
  const { doc, done } = pdfDocument(`Daily report ${r.number}`, { created: new Date(r.period.to) });

  doc.font('bold').fontSize(18).text(`Daily report ${r.number}`);
  doc
    .font('body')
    .fontSize(9)
    .fillColor('#444')
    .text(`${AUDIENCE[r.audience]} version. Period ${utc(r.period.from)} to ${utc(r.period.to)} (cut-off ${r.cutOff.time} ${r.cutOff.timeZone}), against the previous period. Counts are of the mechanism's own observations (${r.observationIds.length} in the period).`);
  doc.fillColor('#000').moveDown();
  heading(doc, 'Ceasefire violations');
  doc.font('body').fontSize(10).text(`In all: ${r.violations.total.total} (previous period ${r.violations.previousTotal.total}, ${signed(r.violations.total.total - r.violations.previousTotal.total)}).`);
  table(doc, 'By sector', r.violations.bySector);
  table(doc, 'By oblast', r.violations.byOblast);
  if (r.otherSources.length) doc.font('body').fontSize(9).text(`Reported by others (not counted above): ${r.otherSources.map((o) => `${o.sourceKind} ${o.total}`).join(', ')}.`);
  heading(doc, 'Map of the day', MAP_H * 0.85 + 50);
  dayMap(doc, r);
  heading(doc, 'Trend, last 30 days', 190);
  chart(doc, r);
  heading(doc, 'Verified incidents');
  doc.font('body').fontSize(9);
  if (!r.verifiedIncidents.length) doc.text('None in this period.');
  for (const i of r.verifiedIncidents)
    doc.text(`• ${i.verdict.replace(/_/g, ' ')}: ${i.kind.replace(/_/g, ' ')} from ${utc(i.firstObservedAt)}${i.place ? `, ${i.place}` : ''}${i.sector ? `, sector ${i.sector}` : ''} (${i.observationCount} observations). Attribution: ${i.attribution.replace(/_/g, ' ')}, ${i.confidence} confidence. ${i.rationale}`);
  heading(doc, 'Weapons in breach of withdrawal lines');
  weapons(doc, r.weapons.inBreachOfWithdrawal);
  heading(doc, 'Weapons beyond withdrawal lines outside storage sites');
  weapons(doc, r.weapons.outsideStorage);
  heading(doc, "Restrictions of the monitors' movement");
  places(doc, r.restrictions);
  heading(doc, 'Civilian casualties');
  places(doc, r.casualties);
  heading(doc, 'Damage');
  places(doc, r.damage);
  if (cites) doc.moveDown().font('body').fontSize(7).fillColor('#555').text(`Inputs: the transparency log at checkpoint ${cites.treeSize} (root ${cites.rootHash}, signed ${cites.timestamp}).`);
  doc.end();
  return done;
}

/** A section heading, on a new page when what follows it (`need` points) would not fit under it. */
function heading(doc: PDFKit.PDFDocument, text: string, need = 80): void {
  if (doc.y + need > doc.page.height - doc.page.margins.bottom) doc.addPage();
  doc.moveDown(0.6).font('bold').fontSize(12).fillColor('#000').text(text, doc.page.margins.left).moveDown(0.2);
}

function table(doc: PDFKit.PDFDocument, caption: string, rows: AreaCounts[]): void {
  const left = doc.page.margins.left;
  const widths = [130, ...VIOLATION_CATEGORIES.map(() => 46), 40, 90];
  const row = (cells: string[], bold = false) => {
    if (doc.y > doc.page.height - 60) doc.addPage();
    const y = doc.y;
    let x = left;
    doc.font(bold ? 'bold' : 'body').fontSize(8);
    cells.forEach((c, i) => {
      doc.text(c, x, y, { width: widths[i]! - 4, align: i === 0 ? 'left' : 'right', lineBreak: false });
      x += widths[i]!;
    });
    doc.y = y + 12;
  };
  doc.moveDown(0.3).font('bold').fontSize(9).text(caption, left);
  row(['Area', ...VIOLATION_CATEGORIES.map((c) => SHORT[c]), 'Total', 'Change (was)'], true);
  if (!rows.length) row(['None recorded.']);
  for (const r of rows) row([r.area, ...VIOLATION_CATEGORIES.map((c) => String(r.current[c])), String(r.current.total), `${signed(r.change)} (${r.previous.total})`]);
  doc.x = left;
}

function dayMap(doc: PDFKit.PDFDocument, r: DailyReport): void {
  const s = 0.85;
  if (doc.y + MAP_H * s + 30 > doc.page.height - doc.page.margins.bottom) doc.addPage();
  const x0 = doc.page.margins.left;
  const y0 = doc.y + 4;
  doc.save().translate(x0, y0).scale(s);
  doc.lineWidth(0.6).strokeColor('#999999').fillColor('#f2f2ee');
  for (const ring of oblastOutlines()) {
    ring.forEach(([x, y], i) => (i === 0 ? doc.moveTo(x, y) : doc.lineTo(x, y)));
    doc.closePath().fillAndStroke();
  }
  for (const k of dayMarks(r)) doc.circle(k.x, k.y, 4).lineWidth(1).fillAndStroke(k.colour, '#ffffff');
  doc.restore();
  doc.y = y0 + MAP_H * s + 6;
  doc.x = x0;
  doc.font('body').fontSize(7).fillColor('#444').text(`${MAP_LEGEND.map(([, l]) => l).join(' · ')} (colours as in the HTML). Boundaries © OpenStreetMap contributors.`).fillColor('#000');
}

function chart(doc: PDFKit.PDFDocument, r: DailyReport): void {
  const days = [...new Set(r.trend.map((t) => t.day))].sort();
  const sectors = [...new Set(r.trend.map((t) => t.sector))].sort();
  if (!days.length) {
    doc.font('body').fontSize(9).text('No violations in the last 30 days.');
    return;
  }
  if (doc.y > doc.page.height - 200) doc.addPage();
  const x0 = doc.page.margins.left + 30, y0 = doc.y + 5, w = 440, h = 120;
  const max = Math.max(1, ...r.trend.map((t) => t.total));
  const x = (i: number) => x0 + (days.length === 1 ? 0 : (i * w) / (days.length - 1));
  const y = (v: number) => y0 + h - (v * h) / max;
  doc.lineWidth(0.5).strokeColor('#888').moveTo(x0, y0).lineTo(x0, y0 + h).lineTo(x0 + w, y0 + h).stroke();
  doc.font('body').fontSize(7).fillColor('#444').text(String(max), x0 - 28, y0 - 3, { width: 24, align: 'right' }).text('0', x0 - 28, y0 + h - 4, { width: 24, align: 'right' });
  doc.text(days[0]!, x0, y0 + h + 3).text(days[days.length - 1]!, x0 + w - 60, y0 + h + 3, { width: 60, align: 'right' });
  sectors.forEach((s, k) => {
    doc.lineWidth(1.2).strokeColor(COLOURS[k % COLOURS.length]!);
    days.forEach((d, i) => {
      const v = r.trend.find((t) => t.day === d && t.sector === s)?.total ?? 0;
      if (i === 0) doc.moveTo(x(i), y(v));
      else doc.lineTo(x(i), y(v));
    });
    doc.stroke();
  });
  let lx = x0;
  const ly = y0 + h + 16;
  sectors.forEach((s, k) => {
    doc.rect(lx, ly + 1, 6, 6).fill(COLOURS[k % COLOURS.length]!);
    doc.fillColor('#000').fontSize(7).text(s, lx + 9, ly, { lineBreak: false });
    lx += 12 + doc.widthOfString(s) + 10;
  });
  doc.fillColor('#000');
  doc.x = doc.page.margins.left;
  doc.y = ly + 16;
}

function weapons(doc: PDFKit.PDFDocument, rows: WeaponLine[]): void {
  doc.font('body').fontSize(9);
  if (!rows.length) doc.text('None recorded.');
  for (const w of rows)
    doc.text(`• ${utc(w.observedAt)}: ${w.count} × ${w.weapon ?? w.weaponClass ?? 'weapon'}${w.distanceKm !== null ? `, ${w.distanceKm} km from the line` : ''}, ${where(w)} (provision ${w.provision})`);
}

function places(doc: PDFKit.PDFDocument, rows: PlaceLine[]): void {
  doc.font('body').fontSize(9);
  if (!rows.length) doc.text('None recorded.');
  for (const p of rows) doc.text(`• ${utc(p.observedAt)}, ${where(p)}${p.count > 1 ? ` (${p.count})` : ''}${p.notes ? `: ${p.notes}` : ''}`);
}

/** A spot report as PDF, in the daily report's type and layout. */
export async function spotReportPdf(r: SpotReport): Promise<Buffer> {
  const { doc, done } = pdfDocument(r.title, { created: new Date(r.to) });
  const words = (s: string) => s.replace(/_/g, ' ');
  doc.font('bold').fontSize(16).text(r.title);
  doc.font('body').fontSize(9).fillColor('#444').text(`Incident ${r.incidentId} · ${words(r.state)} · ${utc(r.from)} to ${utc(r.to)} · label ${r.releasability}`).fillColor('#000');
  if (r.where) doc.moveDown(0.3).font('body').fontSize(10).text(`Where: ${r.where}`);
  heading(doc, `Observations (${r.observations.length})`);
  doc.font('body').fontSize(9);
  for (const o of r.observations) doc.text(`• ${utc(o.observedAt)}: ${words(o.kind)}${o.subkind ? ` (${o.subkind})` : ''}${o.count > 1 ? ` ×${o.count}` : ''}, ${o.source}, ${o.place ? `${o.place} ` : ''}(${o.lat.toFixed(4)}, ${o.lon.toFixed(4)})${o.notes ? `: ${o.notes}` : ''}`);
  heading(doc, 'Point of origin');
  doc.font('body').fontSize(9).text(r.origin ? `${r.origin.lat.toFixed(4)}, ${r.origin.lon.toFixed(4)}, within an ellipse of ${r.origin.semiMajorM} × ${r.origin.semiMinorM} m (${Math.round(r.origin.probability * 100)}%), from ${r.origin.bearings} bearings.` : 'No estimate (fewer than two bearings).');
  heading(doc, 'Allegations');
  doc.font('body').fontSize(9);
  if (!r.allegations.length) doc.text('None linked.');
  for (const a of r.allegations) doc.text(`• ${utc(a.claimedAt)}, ${a.source}${a.accusedParty ? ` accusing ${a.accusedParty}` : ''}: ${a.narrative}`);
  heading(doc, 'Assessment');
  const a = r.assessment;
  doc.font('body').fontSize(9).text(a ? `${words(a.finding)}; attribution ${words(a.attribution)}, ${a.confidence} confidence. ${a.rationale} Drafted by ${a.draftedBy}; confirmed by ${a.confirmedBy ?? '(not yet)'}; reviewed by ${a.reviewedBy ?? '(not yet)'}.` : 'Not yet assessed.');
  doc.end();
  return done;
}
