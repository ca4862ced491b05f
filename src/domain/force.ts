import { z } from 'zod';
import { Nation } from './identity';
import { Releasability } from './releasability';

/*
 * The multinational force as it exists on paper before it exists on the ground: what the force
 * needs (requirements), what nations offered (pledges), what is there (units and their
 * deployments), who leads which domain. Pure types, schemas and arithmetic; the commitments
 * register is in ./commitments.ts.
 */

export const CAPABILITIES = ['land_brigade', 'air_policing', 'maritime_demining', 'training', 'isr', 'logistics', 'medical', 'engineering', 'reconstruction'] as const;
export type Capability = (typeof CAPABILITIES)[number];

/** What a quantity of a capability counts, so "3" reads as three brigades, not three soldiers. */
export const CAPABILITY_INFO: Record<Capability, { label: string; unit: string }> = {
  land_brigade: { label: 'Land brigade', unit: 'brigades' },
  air_policing: { label: 'Air policing', unit: 'aircraft' },
  maritime_demining: { label: 'Maritime and demining', unit: 'vessels' },
  training: { label: 'Training', unit: 'teams' },
  isr: { label: 'ISR', unit: 'platforms' },
  logistics: { label: 'Logistics', unit: 'companies' },
  medical: { label: 'Medical', unit: 'field hospitals' },
  engineering: { label: 'Engineering', unit: 'companies' },
  reconstruction: { label: 'Reconstruction', unit: 'teams' },
};

/** A pledge's life: a government's offer, its parliament's approval, the move, presence, or withdrawal. */
export const PLEDGE_STATUSES = ['pledged', 'approved_by_parliament', 'deploying', 'deployed', 'withdrawn'] as const;
export type PledgeStatus = (typeof PLEDGE_STATUSES)[number];
/** A withdrawn pledge no longer counts towards the force: every other status does. */
export const COUNTED_STATUSES: readonly PledgeStatus[] = ['pledged', 'approved_by_parliament', 'deploying', 'deployed'];

export const ECHELONS = ['team', 'squad', 'section', 'platoon', 'company', 'battalion', 'regiment', 'brigade', 'division', 'corps'] as const;
export type Echelon = (typeof ECHELONS)[number];

export const LEAD_DOMAINS = ['security', 'reconstruction', 'air', 'maritime', 'training', 'demining'] as const;
export type LeadDomain = (typeof LEAD_DOMAINS)[number];

const Id = z.string().min(1).max(128).describe('Id (UUIDv7 unless the client supplied one; kept as given)');
const Day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .describe('A date, YYYY-MM-DD');
const Instant = z.iso.datetime({ offset: true }).describe('An instant, ISO 8601 with offset');
const Label = Releasability.default('COALITION');
const Count = z.number().int().min(0).max(10_000_000);

const Point = z
  .object({ type: z.literal('Point'), coordinates: z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]).describe('[lon, lat], WGS84') })
  .describe('A GeoJSON point');
const Polygon = z
  .object({
    type: z.literal('Polygon'),
    coordinates: z
      .array(z.array(z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)])).min(4))
      .min(1)
      .max(1)
      .describe('One closed ring of [lon, lat]'),
  })
  .describe('A GeoJSON polygon (one ring)');
export const DeploymentLocation = z.discriminatedUnion('type', [Point, Polygon]).describe('Where: a point or an area (GeoJSON, WGS84)');
export type DeploymentLocation = z.infer<typeof DeploymentLocation>;

export const RequirementInput = z
  .object({
    id: Id.optional(),
    capability: z.enum(CAPABILITIES).describe('The capability needed'),
    quantity: Count.describe("How many, in the capability's unit (brigades, aircraft, vessels...)"),
    troops: Count.describe('Personnel the requirement needs'),
    note: z.string().max(2000).default('').describe('Why, and what it covers'),
    releasability: Label,
  })
  .strict()
  .describe('What the force needs of one capability');
export type Requirement = z.output<typeof RequirementInput> & { id: string };

export const PledgeInput = z
  .object({
    id: Id.optional(),
    nation: Nation.describe('The pledging nation (ISO 3166-1 alpha-3)'),
    capability: z.enum(CAPABILITIES).describe('The capability offered'),
    troops: Count.describe('Personnel offered'),
    quantity: Count.describe("How many, in the capability's unit"),
    readinessDate: Day.nullable().default(null).describe('When it can be ready, YYYY-MM-DD (null: not said)'),
    caveats: z.array(z.string().min(1).max(500)).max(50).default([]).describe('National caveats: where or how it may not be used'),
    status: z.enum(PLEDGE_STATUSES).describe('pledged | approved_by_parliament | deploying | deployed | withdrawn'),
    note: z.string().max(2000).default('').describe('How the offer was made, with the words used'),
    releasability: Label,
  })
  .strict()
  .describe("One nation's offer of a capability to the force");
export type Pledge = z.output<typeof PledgeInput> & { id: string };

export const UnitInput = z
  .object({
    id: Id.optional(),
    name: z.string().min(1).max(200).describe('Designation, e.g. "2e Régiment étranger d\'infanterie"'),
    nation: Nation.describe('The contributing nation'),
    capability: z.enum(CAPABILITIES).describe('The capability it provides'),
    type: z.string().min(1).max(100).describe('Its function: mechanised infantry, engineers, fighter squadron...'),
    size: Count.describe('Personnel'),
    echelon: z.enum(ECHELONS).describe('team ... corps'),
    homeBase: z.string().max(200).default('').describe('Home base, e.g. "Nîmes, FRA"'),
    sidc: z
      .string()
      .regex(/^[A-Z0-9*-]{10,30}$/, 'must be a MIL-STD-2525 / APP-6 symbol code (letter or 20/30-digit form)')
      .describe('MIL-STD-2525 / APP-6 symbol identification code, drawn with milsymbol'),
    takUid: z.string().min(1).max(200).nullable().default(null).describe('TAK uid whose position reports (PLI) are this unit'),
    takCallsign: z.string().min(1).max(200).nullable().default(null).describe('TAK callsign, when the uid is not known'),
    pledgeId: Id.nullable().default(null).describe('The pledge it fulfils, if any'),
    releasability: Label,
  })
  .strict()
  .describe('A unit of the force');
export type Unit = z.output<typeof UnitInput> & { id: string };

export const DeploymentInput = z
  .object({
    id: Id.optional(),
    unitId: Id.describe('The unit deployed'),
    place: z.string().max(200).default('').describe('Name of the place'),
    location: DeploymentLocation,
    from: Instant.describe('From when'),
    to: Instant.nullable().default(null).describe('Until when (null: open-ended)'),
    releasability: Label,
  })
  .strict()
  .describe('Where a unit is (or was) deployed, and when');
export type Deployment = z.output<typeof DeploymentInput> & { id: string };

export const CoordinationLink = z
  .object({
    nation: Nation.describe('Who the lead nation coordinates with'),
    domain: z.enum(LEAD_DOMAINS).nullable().default(null).describe('In which domain (null: in general)'),
    note: z.string().max(500).default('').describe('How: a liaison cell, a joint HQ...'),
  })
  .strict();

export const LeadNationInput = z
  .object({
    id: Id.optional(),
    domain: z.enum(LEAD_DOMAINS).describe('security | reconstruction | air | maritime | training | demining'),
    nation: Nation.describe('The lead nation'),
    from: Day.describe('Leads from (YYYY-MM-DD)'),
    to: Day.nullable().default(null).describe('Until (null: open-ended)'),
    coordinatesWith: z.array(CoordinationLink).max(60).default([]).describe('Who it coordinates with'),
    note: z.string().max(2000).default('').describe('Mandate, HQ, source'),
    releasability: Label,
  })
  .strict()
  .describe('A nation leading one domain of the force');
export type LeadNation = z.output<typeof LeadNationInput> & { id: string };

/** Settings of the deployment rule when the agreement itself says nothing. */
export const ForceSettings = z
  .object({
    minDistanceToLineM: z.number().min(0).max(500_000).describe('A deployment closer than this to the contact line (metres) is flagged'),
    keepOutOfSecurityZone: z.boolean().describe('A deployment inside the security zone is flagged'),
  })
  .strict()
  .describe("The force's stand-off rule");
export type ForceSettings = z.infer<typeof ForceSettings>;
export const DEFAULT_FORCE_SETTINGS: ForceSettings = { minDistanceToLineM: 30_000, keepOutOfSecurityZone: true };

/* ---------- Force generation: required vs pledged vs deployed ---------- */

export type StatusTotals = Record<PledgeStatus, number>;
const zeroStatus = (): StatusTotals => ({ pledged: 0, approved_by_parliament: 0, deploying: 0, deployed: 0, withdrawn: 0 });

export interface GenerationRow {
  /** The capability or nation this row sums. */
  key: string;
  requiredQuantity: number;
  requiredTroops: number;
  /** Troops by pledge status. */
  troopsByStatus: StatusTotals;
  quantityByStatus: StatusTotals;
  /** Every pledge that still counts (all but withdrawn). */
  pledgedTroops: number;
  pledgedQuantity: number;
  deployedTroops: number;
  deployedQuantity: number;
  /** Required minus pledged, when positive: what no nation has offered yet. */
  troopGap: number;
  quantityGap: number;
  pledges: number;
}

export interface ForceGeneration {
  byCapability: GenerationRow[];
  byNation: GenerationRow[];
  total: GenerationRow;
}

function emptyRow(key: string): GenerationRow {
  return {
    key,
    requiredQuantity: 0,
    requiredTroops: 0,
    troopsByStatus: zeroStatus(),
    quantityByStatus: zeroStatus(),
    pledgedTroops: 0,
    pledgedQuantity: 0,
    deployedTroops: 0,
    deployedQuantity: 0,
    troopGap: 0,
    quantityGap: 0,
    pledges: 0,
  };
}

function addPledge(row: GenerationRow, p: Pick<Pledge, 'troops' | 'quantity' | 'status'>): void {
  row.pledges++;
  row.troopsByStatus[p.status] += p.troops;
  row.quantityByStatus[p.status] += p.quantity;
}

function settle(row: GenerationRow, withGap: boolean): GenerationRow {
  row.pledgedTroops = COUNTED_STATUSES.reduce((s, k) => s + row.troopsByStatus[k], 0);
  row.pledgedQuantity = COUNTED_STATUSES.reduce((s, k) => s + row.quantityByStatus[k], 0);
  row.deployedTroops = row.troopsByStatus.deployed;
  row.deployedQuantity = row.quantityByStatus.deployed;
  // A nation has no requirement of its own: its gap is meaningless, so it stays 0.
  row.troopGap = withGap ? Math.max(0, row.requiredTroops - row.pledgedTroops) : 0;
  row.quantityGap = withGap ? Math.max(0, row.requiredQuantity - row.pledgedQuantity) : 0;
  return row;
}

/**
 * The force-generation table. Every capability appears (so an unpledged requirement shows as a
 * gap); nations appear when they pledged. The total's gap is the sum of the capabilities' gaps,
 * not required minus pledged overall: a surplus of brigades does not fill a missing field hospital.
 */
export function forceGeneration(requirements: readonly Pick<Requirement, 'capability' | 'quantity' | 'troops'>[], pledges: readonly Pick<Pledge, 'nation' | 'capability' | 'troops' | 'quantity' | 'status'>[]): ForceGeneration {
  const caps = new Map<Capability, GenerationRow>(CAPABILITIES.map((c) => [c, emptyRow(c)]));
  const nations = new Map<string, GenerationRow>();
  const total = emptyRow('total');
  for (const r of requirements) {
    const row = caps.get(r.capability)!;
    row.requiredQuantity += r.quantity;
    row.requiredTroops += r.troops;
    total.requiredQuantity += r.quantity;
    total.requiredTroops += r.troops;
  }
  for (const p of pledges) {
    addPledge(caps.get(p.capability)!, p);
    let n = nations.get(p.nation);
    if (!n) nations.set(p.nation, (n = emptyRow(p.nation)));
    addPledge(n, p);
    addPledge(total, p);
  }
  const byCapability = [...caps.values()].map((r) => settle(r, true));
  settle(total, false);
  total.troopGap = byCapability.reduce((s, r) => s + r.troopGap, 0);
  total.quantityGap = byCapability.reduce((s, r) => s + r.quantityGap, 0);
  const byNation = [...nations.values()].map((r) => settle(r, false)).sort((a, b) => b.pledgedTroops - a.pledgedTroops || a.key.localeCompare(b.key));
  return { byCapability, byNation, total };
}

/* ---------- The deployment rule ---------- */

/** What the agreement's geometry says of one place (from the agreement's judge). */
export interface PlaceJudgement {
  distanceToLineM: number;
  /** Zone ids the place falls in. */
  zones: readonly string[];
}

export interface DeploymentCheck {
  /** True when the deployment breaks the stand-off rule. */
  flagged: boolean;
  /** Shortest distance of the deployment (any vertex of an area) to the contact line, metres; null without an agreement. */
  distanceToLineM: number | null;
  inSecurityZone: boolean;
  minDistanceToLineM: number;
  reasons: string[];
  /** The agreement revision judged against, or null. */
  agreementRevision: number | null;
}

/**
 * The force stays out of the security zone and at least N metres from the contact line. Judged
 * over every sampled place of the deployment (a point, or an area's vertices and centre): the
 * nearest one decides, because a camp that reaches into the zone is in the zone.
 */
export function checkDeployment(places: readonly PlaceJudgement[], securityZoneId: string | null, settings: ForceSettings, agreementRevision: number | null): DeploymentCheck {
  if (places.length === 0) {
    return { flagged: false, distanceToLineM: null, inSecurityZone: false, minDistanceToLineM: settings.minDistanceToLineM, reasons: [], agreementRevision };
  }
  const distance = Math.min(...places.map((p) => p.distanceToLineM));
  const inZone = securityZoneId !== null && places.some((p) => p.zones.includes(securityZoneId));
  const reasons: string[] = [];
  if (settings.keepOutOfSecurityZone && inZone) reasons.push(`inside the security zone "${securityZoneId}"`);
  if (distance < settings.minDistanceToLineM) {
    reasons.push(`${(distance / 1000).toFixed(1)} km from the contact line, closer than ${(settings.minDistanceToLineM / 1000).toFixed(1)} km`);
  }
  return { flagged: reasons.length > 0, distanceToLineM: distance, inSecurityZone: inZone, minDistanceToLineM: settings.minDistanceToLineM, reasons, agreementRevision };
}

/** The places of a deployment to judge: the point, or an area's vertices (without the closing one) and its vertex centre. */
export function samplePlaces(location: DeploymentLocation): { lon: number; lat: number }[] {
  if (location.type === 'Point') return [{ lon: location.coordinates[0], lat: location.coordinates[1] }];
  const ring = location.coordinates[0]!.slice(0, -1);
  const centre = ring.reduce((a, [lon, lat]) => ({ lon: a.lon + lon / ring.length, lat: a.lat + lat / ring.length }), { lon: 0, lat: 0 });
  return [...ring.map(([lon, lat]) => ({ lon, lat })), centre];
}

/** A deployment is current at `at` when it started and has not ended. */
export const isCurrent = (d: Pick<Deployment, 'from' | 'to'>, at: Date): boolean => Date.parse(d.from) <= at.getTime() && (d.to === null || Date.parse(d.to) > at.getTime());
