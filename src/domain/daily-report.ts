/**
 * The daily report, as the OSCE mission published it: numbered, for a fixed cut-off, counts of
 * ceasefire violations by kind per sector and oblast against the previous period, weapons in
 * breach of withdrawal lines and outside storage, restrictions of movement, civilian casualties
 * and damage. Pure: the service gathers the rows (already filtered for the audience), this file
 * makes the numbers, deterministically (sorted, no clocks), so the same inputs give the same report.
 */

/** Who a report is for. Each maps onto labels (architecture.md, "Releasability"). */
export const REPORT_AUDIENCES = ['cell', 'parties', 'public'] as const;
export type ReportAudience = (typeof REPORT_AUDIENCES)[number];

/** The mechanism's own sources: the violation counts use these; partner and OSINT items are listed apart. */
export const OWN_SOURCES = ['monitor', 'camera', 'uav', 'sensor', 'tak'] as const;

/** Violation categories in the order the OSCE reports gave them. */
export const VIOLATION_CATEGORIES = ['explosion_impact', 'explosion_airburst', 'explosion_outgoing', 'explosion_undetermined', 'burst', 'shot'] as const;
export type ViolationCategory = (typeof VIOLATION_CATEGORIES)[number];

export interface ReportObservation {
  id: string;
  kind: string;
  subkind?: string;
  observedAt: string;
  count: number;
  sector: string | null;
  oblast: string | null;
  /** "5 km NE of Avdiivka (Авдіївка)": the nearest town (the service looks it up). */
  place?: string | null;
  sourceKind: string;
  lat: number;
  lon: number;
  notes?: string;
  releasability: string;
  /** Breaches found by the latest judgement (kind and provision). */
  breaches: { kind: string; provision: string; weaponClass?: string; count?: number; distanceM?: number }[];
  weapon?: { model?: string; caliberMm?: number; count?: number };
}

export interface CutOff {
  /** Local time of the cut-off, e.g. "19:30". */
  time: string;
  /** IANA time zone, e.g. "Europe/Kyiv". */
  timeZone: string;
}

export interface ReportPeriod {
  from: string;
  to: string;
}

export type Counts = Record<ViolationCategory, number> & { total: number };

export interface AreaCounts {
  /** Sector id or oblast name; "(outside any sector)" for none. */
  area: string;
  current: Counts;
  previous: Counts;
  change: number;
}

export interface DailyReport {
  number: string;
  date: string;
  audience: ReportAudience;
  cutOff: CutOff;
  period: ReportPeriod;
  previousPeriod: ReportPeriod;
  violations: {
    total: Counts;
    previousTotal: Counts;
    bySector: AreaCounts[];
    byOblast: AreaCounts[];
  };
  /** Partner and OSINT reports of the same kinds, counted apart (not the mechanism's findings). */
  otherSources: { sourceKind: string; total: number }[];
  weapons: {
    inBreachOfWithdrawal: WeaponLine[];
    outsideStorage: WeaponLine[];
  };
  restrictions: PlaceLine[];
  casualties: PlaceLine[];
  damage: PlaceLine[];
  /** Incidents whose verdict was given in the period, with finding and attribution. */
  verifiedIncidents: VerifiedIncident[];
  /** Violations per day and sector over the 30 days up to the period's end (own sources). */
  trend: { day: string; sector: string; total: number }[];
  /** Observations in the period that went into the report (ids, sorted): what a reader can check. */
  observationIds: string[];
}

export interface WeaponLine {
  observationId: string;
  observedAt: string;
  sector: string | null;
  oblast: string | null;
  provision: string;
  weaponClass: string | null;
  weapon: string | null;
  count: number;
  distanceKm: number | null;
  place: string | null;
  lat: number;
  lon: number;
}

export interface VerifiedIncident {
  id: string;
  kind: string;
  sector: string | null;
  firstObservedAt: string;
  verdict: string;
  finding: string;
  attribution: string;
  confidence: string;
  rationale: string;
  reviewedAt: string;
  observationCount: number;
  place: string | null;
}

export interface PlaceLine {
  observationId: string;
  observedAt: string;
  sector: string | null;
  oblast: string | null;
  count: number;
  notes: string | null;
  place: string | null;
  lat: number;
  lon: number;
}

/** `NNN/YYYY`: the day of the year of the report's date, so a report's number follows from its date. */
export function reportNumber(date: string): string {
  const d = Date.parse(`${date}T00:00:00Z`);
  const start = Date.UTC(new Date(d).getUTCFullYear(), 0, 1);
  return `${String(Math.round((d - start) / 86_400_000) + 1).padStart(3, '0')}/${date.slice(0, 4)}`;
}

/** The UTC instant of a wall-clock time in a time zone (two passes settle the offset, DST included). */
export function zonedInstant(date: string, time: string, timeZone: string): Date {
  const [h, m] = time.split(':').map(Number) as [number, number];
  const wanted = Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10), h, m);
  let t = wanted;
  for (let i = 0; i < 2; i++) t = wanted - offsetMs(new Date(t), timeZone);
  return new Date(t);
}

function offsetMs(at: Date, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const local = Date.UTC(+parts.year!, +parts.month! - 1, +parts.day!, +parts.hour!, +parts.minute!, +parts.second!);
  return local - Math.floor(at.getTime() / 1000) * 1000;
}

const previousDay = (date: string) => new Date(Date.parse(`${date}T12:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

/** The period a report covers: from the previous day's cut-off (exclusive of nothing before it) to this day's. */
export function reportPeriods(date: string, cutOff: CutOff): { period: ReportPeriod; previousPeriod: ReportPeriod } {
  const end = zonedInstant(date, cutOff.time, cutOff.timeZone);
  const start = zonedInstant(previousDay(date), cutOff.time, cutOff.timeZone);
  const before = zonedInstant(previousDay(previousDay(date)), cutOff.time, cutOff.timeZone);
  return { period: { from: start.toISOString(), to: end.toISOString() }, previousPeriod: { from: before.toISOString(), to: start.toISOString() } };
}

export function categoryOf(o: Pick<ReportObservation, 'kind' | 'subkind'>): ViolationCategory | null {
  if (o.kind === 'explosion') return `explosion_${o.subkind ?? 'undetermined'}` as ViolationCategory;
  if (o.kind === 'burst') return 'burst';
  if (o.kind === 'shot') return 'shot';
  return null;
}

const zero = (): Counts => ({ explosion_impact: 0, explosion_airburst: 0, explosion_outgoing: 0, explosion_undetermined: 0, burst: 0, shot: 0, total: 0 });
const isOwn = (o: ReportObservation) => (OWN_SOURCES as readonly string[]).includes(o.sourceKind);
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byTimeThenId = (a: { observedAt: string; observationId: string }, b: { observedAt: string; observationId: string }) =>
  byText(a.observedAt, b.observedAt) || byText(a.observationId, b.observationId);

function countBy(rows: readonly ReportObservation[], key: (o: ReportObservation) => string): Map<string, Counts> {
  const out = new Map<string, Counts>();
  for (const o of rows) {
    const c = categoryOf(o);
    if (!c || !isOwn(o)) continue;
    const k = key(o);
    const counts = out.get(k) ?? out.set(k, zero()).get(k)!;
    counts[c] += o.count;
    counts.total += o.count;
  }
  return out;
}

function areaTable(current: readonly ReportObservation[], previous: readonly ReportObservation[], key: (o: ReportObservation) => string): AreaCounts[] {
  const now = countBy(current, key);
  const then = countBy(previous, key);
  return [...new Set([...now.keys(), ...then.keys()])].sort(byText).map((area) => {
    const c = now.get(area) ?? zero();
    const p = then.get(area) ?? zero();
    return { area, current: c, previous: p, change: c.total - p.total };
  });
}

const sum = (rows: readonly AreaCounts[], pick: 'current' | 'previous'): Counts => {
  const t = zero();
  for (const r of rows) for (const k of [...VIOLATION_CATEGORIES, 'total'] as const) t[k] += r[pick][k];
  return t;
};

const NO_SECTOR = '(outside any sector)';
const NO_OBLAST = '(outside Ukraine)';
const round1 = (x: number) => Math.round(x * 10) / 10;

export interface DailyReportInput {
  date: string;
  audience: ReportAudience;
  cutOff: CutOff;
  /** Observations of the period and of the previous period (already only what the audience may see). */
  current: readonly ReportObservation[];
  previous: readonly ReportObservation[];
  /** Own-source violations per UTC day and sector for the trend chart. */
  trend: readonly { day: string; sector: string; total: number }[];
  /** Incidents given a verdict in the period (already only what the audience may see). */
  verified?: readonly VerifiedIncident[];
}

export function buildDailyReport(input: DailyReportInput): DailyReport {
  const { period, previousPeriod } = reportPeriods(input.date, input.cutOff);
  const bySector = areaTable(input.current, input.previous, (o) => o.sector ?? NO_SECTOR);
  const byOblast = areaTable(input.current, input.previous, (o) => o.oblast ?? NO_OBLAST);
  const others = new Map<string, number>();
  for (const o of input.current) if (categoryOf(o) && !isOwn(o)) others.set(o.sourceKind, (others.get(o.sourceKind) ?? 0) + o.count);

  const weaponLines = (kind: string): WeaponLine[] =>
    input.current
      .flatMap((o) =>
        o.breaches
          .filter((b) => b.kind === kind)
          .map((b) => ({
            observationId: o.id,
            observedAt: o.observedAt,
            sector: o.sector,
            oblast: o.oblast,
            provision: b.provision,
            weaponClass: b.weaponClass ?? null,
            weapon: o.weapon?.model ?? null,
            count: b.count ?? o.weapon?.count ?? o.count,
            distanceKm: b.distanceM === undefined ? null : round1(b.distanceM / 1000),
            place: o.place ?? null,
            lat: o.lat,
            lon: o.lon,
          })),
      )
      .sort(byTimeThenId);
  const placeLines = (kind: string): PlaceLine[] =>
    input.current
      .filter((o) => o.kind === kind)
      .map((o) => ({ observationId: o.id, observedAt: o.observedAt, sector: o.sector, oblast: o.oblast, count: o.count, notes: o.notes ?? null, place: o.place ?? null, lat: o.lat, lon: o.lon }))
      .sort(byTimeThenId);

  return {
    number: reportNumber(input.date),
    date: input.date,
    audience: input.audience,
    cutOff: input.cutOff,
    period,
    previousPeriod,
    violations: { total: sum(bySector, 'current'), previousTotal: sum(bySector, 'previous'), bySector, byOblast },
    otherSources: [...others.entries()].sort(([a], [b]) => byText(a, b)).map(([sourceKind, total]) => ({ sourceKind, total })),
    weapons: { inBreachOfWithdrawal: weaponLines('withdrawal'), outsideStorage: weaponLines('weapon_outside_storage') },
    restrictions: placeLines('access_restriction'),
    casualties: placeLines('casualty'),
    damage: placeLines('damage'),
    verifiedIncidents: [...(input.verified ?? [])].sort((a, b) => byText(a.reviewedAt, b.reviewedAt) || byText(a.id, b.id)),
    trend: [...input.trend].sort((a, b) => byText(a.day, b.day) || byText(a.sector, b.sector)),
    observationIds: input.current.map((o) => o.id).sort(byText),
  };
}

/** JSON with keys sorted at every level: the same report is the same bytes. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value), null, 2) + '\n';
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}
