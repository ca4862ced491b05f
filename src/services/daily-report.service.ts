import { oblastName, placeName } from './place-names';
import { PARTIES } from '../domain/coalition';
import { buildDailyReport, OWN_SOURCES, reportPeriods, type CutOff, type DailyReport, type ReportAudience, type ReportObservation, type VerifiedIncident } from '../domain/daily-report';
import { canSee, type Visibility } from '../domain/identity';
import type { Observation } from '../domain/observation';
import type { Store } from '../store/repository';

/**
 * Audiences as labels (architecture.md): the cell sees what the cell may see (PUBLIC and
 * COALITION: REL TO one nation is not the whole cell's); the parties see PUBLIC plus what is
 * released to both parties; the public PUBLIC only.
 */
export const AUDIENCE_VISIBILITY: Record<ReportAudience, Visibility> = {
  cell: { all: false, labels: ['PUBLIC', 'COALITION'], relToNation: null, anyRelTo: false },
  parties: { all: false, labels: ['PUBLIC'], relToNation: null, anyRelTo: false, relToAllOf: PARTIES },
  public: { all: false, labels: ['PUBLIC'], relToNation: null, anyRelTo: false },
};

/** May a reader with this visibility have the report for that audience? Only if it sees all the report may hold. */
export function mayRead(reader: Visibility, audience: ReportAudience): boolean {
  if (reader.all || audience === 'public') return true;
  if (audience === 'cell') return canSee(reader, 'COALITION');
  return canSee(reader, `REL TO ${[...PARTIES].sort().join(', ')}`);
}

export const DEFAULT_CUT_OFF: CutOff = { time: '19:30', timeZone: 'Europe/Kyiv' };
const TREND_DAYS = 30;
/** Kinds the report lists one by one (the others are only counted): these get a place name. */
const PLACED_KINDS = new Set(['weapon_sighting', 'access_restriction', 'casualty', 'damage']);

/** Builds the daily report of a date for an audience from the store: only what that audience may see goes in. */
export async function dailyReport(store: Store, date: string, audience: ReportAudience, cutOff: CutOff = DEFAULT_CUT_OFF): Promise<DailyReport> {
  const visibility = AUDIENCE_VISIBILITY[audience];
  const { period, previousPeriod } = reportPeriods(date, cutOff);
  const rows: Observation[] = [];
  for await (const chunk of store.observations.iterate({ visibility, from: Date.parse(previousPeriod.from), to: Date.parse(period.to) }, 2000)) rows.push(...chunk);
  const judged = await store.judgements.latestFor(rows.map((o) => o.id));
  const toRow = (o: Observation): ReportObservation => ({
    id: o.id,
    kind: o.kind,
    subkind: o.subkind,
    observedAt: new Date(o.observedAt).toISOString(),
    count: o.count,
    sector: o.sector,
    oblast: oblastName(o.location.lon, o.location.lat),
    place: PLACED_KINDS.has(o.kind) ? placeName(o.location.lon, o.location.lat) : null,
    sourceKind: o.source.kind,
    lat: o.location.lat,
    lon: o.location.lon,
    notes: o.notes,
    releasability: o.releasability,
    breaches: (judged.get(o.id)?.judgement?.breaches ?? []).map((b) => ({ kind: b.kind, provision: b.provision, weaponClass: b.weaponClass, count: b.count, distanceM: b.distanceM })),
    weapon: o.weapon,
  });
  const start = Date.parse(period.from);
  const current = rows.filter((o) => Date.parse(o.observedAt) >= start).map(toRow);
  const previous = rows.filter((o) => Date.parse(o.observedAt) < start).map(toRow);
  const trendFrom = Date.parse(period.to) - TREND_DAYS * 86_400_000;
  const trend = await store.observations.dailyTotals({ visibility, from: trendFrom, to: Date.parse(period.to), kinds: ['explosion', 'burst', 'shot'], sourceKinds: OWN_SOURCES });
  const verified = await verifiedIn(store, visibility, Date.parse(period.from), Date.parse(period.to));
  return buildDailyReport({ date, audience, cutOff, current, previous, verified, trend: trend.map((t) => ({ day: t.day, sector: t.sector ?? '(outside any sector)', total: t.total })) });
}

const VERDICTS = ['verified_violation', 'verified_no_violation', 'inconclusive'] as const;

/** Incidents whose chief monitor's review fell in [from, to), as the audience may see them. */
async function verifiedIn(store: Store, visibility: Visibility, from: number, to: number): Promise<VerifiedIncident[]> {
  const out: VerifiedIncident[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.incidents.list({ visibility, states: VERDICTS, sort: 'updated', limit: 500, cursor });
    for (const i of page.items) {
      const a = i.assessment;
      const at = a?.reviewedBy ? Date.parse(a.reviewedBy.at) : NaN;
      if (!a || !(at >= from && at < to)) continue;
      out.push({
        id: i.id,
        kind: i.kind,
        sector: i.sector,
        firstObservedAt: new Date(i.firstObservedAt).toISOString(),
        verdict: i.state,
        finding: a.finding,
        attribution: a.attribution,
        confidence: a.confidence,
        rationale: a.rationale,
        reviewedAt: a.reviewedBy!.at,
        observationCount: i.observationCount,
        place: i.centroid ? placeName(i.centroid.lon, i.centroid.lat) : null,
      });
    }
    // Sorted by last change, newest first: once a page ends before the period, older pages cannot hold verdicts in it.
    const last = page.items[page.items.length - 1];
    cursor = page.nextCursor && last && Date.parse(last.updatedAt) >= from ? page.nextCursor : undefined;
  } while (cursor);
  return out;
}
