import { pdfDocument } from '../reports/pdf-document';
import { displayName } from '../geo/gazetteer';
import type { LandCompareResult } from './land.service';

/*
 * The comparison as a PDF for negotiators: a vector sketch of the lines and the changed areas,
 * then the table and the lists. DejaVu Sans (from the dejavu-fonts-ttf package, so every clone
 * has it) is embedded so Ukrainian names render and stay extractable as text.
 */

const COLOURS = ['#1f6feb', '#d1242f', '#8250df'];
const REFERENCE_COLOUR = '#222222';

type Ring = number[][];

export async function landComparisonPdf(result: LandCompareResult, title = 'Land options: comparison'): Promise<Buffer> {
  const { doc, done } = pdfDocument(title, { margin: 40 });

  doc.font('bold').fontSize(16).text(title);
  doc.font('body').fontSize(9).fillColor('#555').text(`Reference: ${result.reference.name}. Generated ${new Date().toISOString().slice(0, 16)}Z by Truceline.`);
  doc.moveDown(0.5);
  drawMap(doc, result);
  doc.fillColor('#000');

  doc.font('bold').fontSize(11).text('Summary');
  doc.font('body').fontSize(9);
  for (const [i, c] of result.comparisons.entries()) {
    doc.fillColor(COLOURS[i % COLOURS.length]!).text(`${c.option.name}`, { continued: true }).fillColor('#000');
    doc.text(
      `: area joining the option's side ${fmt(c.gainedKm2)} km², leaving it ${fmt(c.lostKm2)} km² (changed ${fmt(c.changedKm2)} km²); ` +
        `settlements joining ${c.settlementsGained.length} (${fmt(c.peopleGained)} people), leaving ${c.settlementsLost.length} (${fmt(c.peopleLost)} people); ` +
        `new line ${fmt(c.newLineLengthKm)} km.`,
    );
  }
  doc.moveDown(0.5);
  for (const c of result.comparisons) {
    doc.font('bold').fontSize(11).text(`${c.option.name} against ${result.reference.name}`);
    doc.font('body').fontSize(8.5);
    list(doc, 'Settlements joining the option side', c.settlementsGained);
    list(doc, 'Settlements leaving the option side', c.settlementsLost);
    for (const z of c.zones) list(doc, `Within ${fmt(z.band.distanceM / 1000)} km of the new line (${z.band.label}): ${fmt(z.people)} people`, z.settlements);
    const towns = c.towns.filter((t) => t.distanceKm <= 50).slice(0, 40);
    if (towns.length) {
      doc.font('bold').text(`Towns over 10,000 people within 50 km of the new line (${towns.length})`);
      doc.font('body').text(towns.map((t) => `${displayName(t)} ${fmt(t.distanceKm)} km (${t.side === 'inside' ? 'option side' : 'other side'})`).join('; '));
    }
    if (c.infrastructure.length) {
      doc.font('bold').text('Infrastructure');
      doc.font('body').text(c.infrastructure.map((f) => `${f.name} (${f.kind}): ${f.crossings} crossings${f.changesSide ? ', changes side' : ''}`).join('; '));
    }
    doc.moveDown(0.5);
  }
  doc.fontSize(7).fillColor('#555').text(`Sources: ${result.attribution}. Lines and areas as supplied (e.g. DeepStateMap, not authoritative). Areas on the WGS84 ellipsoid.`);
  doc.end();
  return done;
}

function list(doc: PDFKit.PDFDocument, heading: string, items: { name: string; nameUk?: string; population: number | null }[]): void {
  doc.font('bold').text(`${heading} (${items.length})`);
  if (!items.length) return;
  const shown = items.slice(0, 60);
  doc.font('body').text(shown.map((s) => `${displayName(s)}${s.population ? ` ${fmt(s.population)}` : ''}`).join('; ') + (items.length > shown.length ? `; … ${items.length - shown.length} more` : ''));
}

const fmt = (n: number): string => n.toLocaleString('en-GB', { maximumFractionDigits: 1 });

/** A lon/lat sketch (equirectangular, scaled by cos of the mid latitude) of the reference, the options and the changed areas. */
function drawMap(doc: PDFKit.PDFDocument, result: LandCompareResult): void {
  const lines: { parts: number[][][]; colour: string; width: number }[] = [];
  const lineParts = (g: LandCompareResult['reference']['line']) => (!g ? [] : g.type === 'LineString' ? [g.coordinates] : g.coordinates);
  lines.push({ parts: lineParts(result.reference.line), colour: REFERENCE_COLOUR, width: 1.2 });
  result.comparisons.forEach((c, i) => lines.push({ parts: lineParts(c.option.line), colour: COLOURS[i % COLOURS.length]!, width: 1 }));
  const pts = lines.flatMap((l) => l.parts.flat());
  if (!pts.length) return;
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const p of pts) [x0, y0, x1, y1] = [Math.min(x0, p[0]!), Math.min(y0, p[1]!), Math.max(x1, p[0]!), Math.max(y1, p[1]!)];
  const k = Math.cos((((y0 + y1) / 2) * Math.PI) / 180);
  const W = doc.page.width - 80;
  const H = 300;
  const s = Math.min(W / ((x1 - x0) * k || 1), H / (y1 - y0 || 1));
  const left = doc.x;
  const top = doc.y;
  const X = (lon: number) => left + (lon - x0) * k * s;
  const Y = (lat: number) => top + (y1 - lat) * s;
  doc.save().rect(left, top, W, H).lineWidth(0.5).stroke('#bbbbbb');
  const fillArea = (area: { coordinates: Ring[][] } | null, colour: string) => {
    for (const poly of area?.coordinates ?? [])
      for (const ring of poly) {
        ring.forEach((c, j) => (j === 0 ? doc.moveTo(X(c[0]!), Y(c[1]!)) : doc.lineTo(X(c[0]!), Y(c[1]!))));
        doc.closePath();
      }
    doc.fillOpacity(0.35).fill(colour).fillOpacity(1);
  };
  result.comparisons.forEach((c) => {
    fillArea(c.gainedArea, '#d1242f');
    fillArea(c.lostArea, '#2da44e');
  });
  for (const l of lines) {
    for (const part of l.parts) {
      part.forEach((c, j) => (j === 0 ? doc.moveTo(X(c[0]!), Y(c[1]!)) : doc.lineTo(X(c[0]!), Y(c[1]!))));
      doc.lineWidth(l.width).stroke(l.colour);
    }
  }
  doc.restore();
  doc.x = left;
  doc.y = top + H + 6;
  doc.font('body').fontSize(8).fillColor('#000');
  doc.text(`Black: ${result.reference.name}. ` + result.comparisons.map((c, i) => `${['Blue', 'Red', 'Purple'][i]}: ${c.option.name}`).join('. ') + '. Shaded red: joins the option side; green: leaves it.');
  doc.moveDown(0.5);
}
