import { z } from 'zod';
import { linealProblems, polygonalProblems, positionProblem, type GeometryProblem } from '../geo/validity';
import type { PolygonCoords } from '../geo/line-from-area';
import { TrucelineError } from './errors';
import { WEAPON_CLASSES, type WeaponClass } from './weapons';

/*
 * An agreement as data: the JSON file format of `truceline agreement import FILE` and of the API.
 * See docs in README ("Agreement file") — every field is described here with zod so the OpenAPI
 * document comes from the same source.
 */

const Instant = z.iso.datetime({ offset: true }).describe('ISO 8601 instant with offset, e.g. 2026-01-06T00:00:00Z');
const DateOrInstant = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })])
  .describe('A date (YYYY-MM-DD) or an ISO 8601 instant with offset');
const Id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'must be letters, digits and _ . : - (starting with a letter or digit)');

/** GeoJSON position [lon, lat] (an altitude is allowed and ignored). Range is checked with the geometry. */
const Position = z.array(z.number()).min(2).max(3).describe('[longitude, latitude] in WGS84 degrees');
const LineStringG = z.object({ type: z.literal('LineString'), coordinates: z.array(Position) }).strict();
const MultiLineStringG = z.object({ type: z.literal('MultiLineString'), coordinates: z.array(z.array(Position)).min(1) }).strict();
const PolygonG = z.object({ type: z.literal('Polygon'), coordinates: z.array(z.array(Position)) }).strict();
const MultiPolygonG = z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(z.array(z.array(Position))).min(1) }).strict();
export const LineGeometry = z
  .discriminatedUnion('type', [LineStringG, MultiLineStringG])
  .describe('GeoJSON LineString or MultiLineString (WGS84); segments are geodesics between vertices');
export const PolygonGeometry = z
  .discriminatedUnion('type', [PolygonG, MultiPolygonG])
  .describe('GeoJSON Polygon or MultiPolygon (WGS84); edges are straight in lon/lat as RFC 7946 draws them');
export type LineGeometry = z.infer<typeof LineGeometry>;
export type PolygonGeometry = z.infer<typeof PolygonGeometry>;

/** A distance that may differ per party: one number for all, or { partyId: metres }. */
const PerSideM = z
  .union([z.number().nonnegative().max(1_000_000), z.record(z.string(), z.number().nonnegative().max(1_000_000))])
  .describe('Metres, the same for every party, or per party id, e.g. {"UKR": 25000, "RUS": 25000}');

export const Party = z
  .object({
    id: Id.describe('Party id used in provisions, e.g. UKR'),
    name: z.string().min(1).max(200).describe('Name of the party'),
  })
  .strict();

export const ReferenceLine = z
  .object({
    id: Id.describe('Line id, e.g. "contact-2026-08-22"'),
    name: z.string().max(200).optional().describe('Name shown on the map'),
    geometry: LineGeometry,
    area: PolygonGeometry.optional().describe(
      'Area held by `insideParty` (e.g. the occupied-area polygon the line was derived from): tells the side of a point by point-in-area',
    ),
    insideParty: Id.optional().describe('Party on whose side a point inside `area` lies'),
    outsideParty: Id.optional().describe('Party on whose side a point outside `area` lies'),
    leftParty: Id.optional().describe('Without an area: party on the left of the line’s direction of travel'),
    rightParty: Id.optional().describe('Without an area: party on the right of the line’s direction of travel'),
    source: z.string().max(500).optional().describe('Where the line comes from (e.g. "derived from DeepStateMap 2026-08-22, tolerance 3 km")'),
  })
  .strict()
  .describe('A reference line (contact line, or a line a party measures its withdrawal from)');

export const Withdrawal = z
  .object({
    id: Id.describe('Provision code, e.g. "PoM-2-artillery"'),
    weaponClass: z.string().describe(`Weapon class: one of ${WEAPON_CLASSES.join(', ')}`),
    distanceM: PerSideM.describe('How far each party withdraws the class from the line, metres (per side)'),
    measuredFrom: z
      .union([Id, z.record(z.string(), Id)])
      .optional()
      .describe('Reference line id (or per party id) the distance is measured from; default the contact line'),
    storageRequired: z
      .boolean()
      .default(true)
      .describe('Withdrawn weapons must be held in designated storage sites; one seen beyond the line but outside them is recorded as `weapon_outside_storage`'),
    description: z.string().max(2000).optional(),
  })
  .strict()
  .describe('Withdrawal of a weapon class from the line');

export const SecurityZone = z
  .object({
    id: Id.describe('Provision code, e.g. "Memo-2014-security-zone"'),
    halfWidthM: PerSideM.describe('Width on each side of the line, metres (per side)'),
    line: Id.optional().describe('Reference line id; default the contact line'),
    description: z.string().max(2000).optional(),
  })
  .strict()
  .describe('Security zone along the line: fire or impacts inside it are breaches');

export const ProtectedSite = z
  .object({
    id: Id.describe('Provision code / site id'),
    name: z.string().min(1).max(200),
    point: Position.describe('Centre [lon, lat]'),
    radiusM: z.number().positive().max(500_000).describe('Protected radius, metres (geodesic)'),
    kind: z.string().max(100).optional().describe('e.g. nuclear plant, water station'),
  })
  .strict()
  .describe('A protected site: an impact within its radius is a breach');

export const NoFlyArea = z
  .object({
    id: Id.describe('Provision code / area id'),
    name: z.string().min(1).max(200),
    geometry: PolygonGeometry,
    description: z.string().max(2000).optional(),
  })
  .strict()
  .describe('An area closed to flights: a `flight` observation inside it is a breach');

export const StorageSite = z
  .object({
    id: Id.describe('Site id'),
    name: z.string().min(1).max(200),
    party: Id.optional().describe('Party that holds the site'),
    geometry: PolygonGeometry.optional().describe('Site outline'),
    point: Position.optional().describe('Site centre [lon, lat], with radiusM, when there is no outline'),
    radiusM: z.number().positive().max(50_000).optional(),
    weaponClasses: z.array(z.string()).optional().describe('Classes the site may hold; default every class'),
  })
  .strict()
  .describe('A designated storage site: weapons held there comply');

export const Provisions = z
  .object({
    lines: z.array(ReferenceLine).min(1).describe('Reference lines; the contact line is `contactLine` or the first'),
    contactLine: Id.optional().describe('Id of the contact line among `lines` (default the first)'),
    withdrawal: z.array(Withdrawal).default([]),
    securityZone: SecurityZone.optional(),
    protectedSites: z.array(ProtectedSite).default([]),
    noFlyAreas: z.array(NoFlyArea).default([]),
    storageSites: z.array(StorageSite).default([]),
  })
  .strict();

/** An amendment may set any subset of the provisions' keys; each key set replaces the previous one. */
export const ProvisionsPatch = z
  .object({
    lines: z.array(ReferenceLine).min(1).optional(),
    contactLine: Id.optional(),
    withdrawal: z.array(Withdrawal).optional(),
    securityZone: SecurityZone.nullable().optional(),
    protectedSites: z.array(ProtectedSite).optional(),
    noFlyAreas: z.array(NoFlyArea).optional(),
    storageSites: z.array(StorageSite).optional(),
  })
  .strict();

export const AgreementVersionInput = z
  .object({
    version: z.number().int().positive().describe('1, 2, …: increasing with effectiveFrom'),
    effectiveFrom: Instant.describe('From this instant on, observations are judged by this version'),
    note: z.string().max(2000).optional().describe('What the amendment changes'),
    provisions: ProvisionsPatch.describe('The first version gives every provision; later ones only what they replace'),
  })
  .strict();

export const AGREEMENT_STATUSES = ['draft', 'signed', 'in_force', 'suspended', 'terminated'] as const;

export const AgreementInput = z
  .object({
    id: Id.describe('Agreement id, e.g. "minsk-pattern-2026"'),
    name: z.string().min(1).max(300),
    parties: z.array(Party).min(2).describe('Signatory parties (sides of the line)'),
    signed: DateOrInstant.nullable().optional().describe('When it was signed'),
    inForceFrom: Instant.nullable().optional().describe('When it entered into force; required unless draft or signed'),
    status: z.enum(AGREEMENT_STATUSES).describe('draft | signed | in_force | suspended | terminated'),
    endedAt: Instant.optional().describe('When it was suspended or terminated (required for those statuses)'),
    documents: z
      .array(z.object({ title: z.string().min(1).max(300), url: z.string().max(2000).optional() }).strict())
      .default([])
      .describe('Texts of the agreement'),
    versions: z.array(AgreementVersionInput).min(1).describe('The text and its amendments, in order'),
  })
  .strict()
  .describe('A ceasefire agreement with machine-checkable provisions');

export type AgreementInput = z.input<typeof AgreementInput>;
export type Agreement = z.output<typeof AgreementInput>;
export type Provisions = z.output<typeof Provisions>;
export type ReferenceLine = z.output<typeof ReferenceLine>;
export type Withdrawal = z.output<typeof Withdrawal> & { weaponClass: WeaponClass };
export type SecurityZone = z.output<typeof SecurityZone>;
export type ProtectedSite = z.output<typeof ProtectedSite>;
export type NoFlyArea = z.output<typeof NoFlyArea>;
export type StorageSite = z.output<typeof StorageSite>;
export type Party = z.output<typeof Party>;

/** A version with every provision resolved (amendments applied), as the rules engine uses it. */
export interface AgreementVersion {
  agreementId: string;
  agreementName: string;
  version: number;
  effectiveFrom: string;
  /** Start of the next version, or the end of the agreement; null while open-ended. */
  effectiveUntil: string | null;
  parties: Party[];
  provisions: Provisions & { contactLine: string; withdrawal: Withdrawal[] };
}

export interface AgreementProblem {
  /** Dotted path in the file, e.g. versions.0.provisions.noFlyAreas.1.geometry */
  field: string;
  /** The feature named by its id (and name), e.g. `no-fly area "znpp-airspace"` */
  feature: string;
  message: string;
}

/** The whole file is rejected; `problems` names each feature and what is wrong with it. */
export class AgreementValidationError extends TrucelineError {
  constructor(readonly problems: AgreementProblem[]) {
    super(
      400,
      'invalid-agreement',
      'Invalid agreement',
      `agreement rejected: ${problems
        .slice(0, 5)
        .map((p) => `${p.feature}: ${p.message}`)
        .join('; ')}${problems.length > 5 ? `; and ${problems.length - 5} more` : ''}`,
      problems[0]?.field,
      { problems },
    );
  }
}

function polys(g: PolygonGeometry): PolygonCoords[] {
  return g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
}

function lineParts(g: LineGeometry): number[][][] {
  return g.type === 'LineString' ? [g.coordinates] : g.coordinates;
}

/** Resolves the versions of a parsed agreement (amendments applied in order). */
function resolve(a: Agreement): { versions: AgreementVersion[]; problems: AgreementProblem[] } {
  const problems: AgreementProblem[] = [];
  const versions: AgreementVersion[] = [];
  let current: Partial<Provisions> = {};
  a.versions.forEach((v, i) => {
    const p = v.provisions;
    const next: Partial<Provisions> = { ...current };
    for (const key of Object.keys(p) as (keyof typeof p)[]) {
      const value = p[key];
      if (value === undefined) continue;
      if (key === 'securityZone' && value === null) delete next.securityZone;
      else (next as Record<string, unknown>)[key] = value;
    }
    current = next;
    if (!current.lines) {
      problems.push({ field: `versions.${i}.provisions.lines`, feature: `version ${v.version}`, message: 'the first version must give the reference lines' });
      return;
    }
    const full = Provisions.parse({ ...current, contactLine: current.contactLine ?? current.lines[0]!.id });
    versions.push({
      agreementId: a.id,
      agreementName: a.name,
      version: v.version,
      effectiveFrom: new Date(v.effectiveFrom).toISOString(),
      effectiveUntil: null,
      parties: a.parties,
      provisions: full as AgreementVersion['provisions'],
    });
  });
  for (let i = 0; i < versions.length; i++) {
    versions[i]!.effectiveUntil = versions[i + 1]?.effectiveFrom ?? (a.endedAt ? new Date(a.endedAt).toISOString() : null);
  }
  return { versions, problems };
}

/** Checks everything the schema alone cannot: geometry, references, classes, order, status. */
function semanticProblems(a: Agreement, versions: AgreementVersion[]): AgreementProblem[] {
  const out: AgreementProblem[] = [];
  const partyIds = new Set(a.parties.map((p) => p.id));
  if (partyIds.size !== a.parties.length) out.push({ field: 'parties', feature: 'parties', message: 'party ids must be unique' });
  if ((a.status === 'in_force' || a.status === 'suspended' || a.status === 'terminated') && !a.inForceFrom) {
    out.push({ field: 'inForceFrom', feature: `agreement "${a.id}"`, message: `status ${a.status} needs inForceFrom` });
  }
  if ((a.status === 'suspended' || a.status === 'terminated') && !a.endedAt) {
    out.push({ field: 'endedAt', feature: `agreement "${a.id}"`, message: `status ${a.status} needs endedAt` });
  }
  if (a.endedAt && a.inForceFrom && Date.parse(a.endedAt) < Date.parse(a.inForceFrom)) {
    out.push({ field: 'endedAt', feature: `agreement "${a.id}"`, message: 'endedAt is before inForceFrom' });
  }
  a.versions.forEach((v, i) => {
    const prev = a.versions[i - 1];
    if (prev && (v.version <= prev.version || Date.parse(v.effectiveFrom) <= Date.parse(prev.effectiveFrom))) {
      out.push({
        field: `versions.${i}`,
        feature: `version ${v.version}`,
        message: 'versions must be listed in increasing order of version number and effectiveFrom',
      });
    }
    const p = v.provisions;
    const base = `versions.${i}.provisions`;
    const geo = (field: string, feature: string, problems: GeometryProblem[]): void => {
      for (const g of problems) out.push({ field, feature, message: `${g.problem.replace(/_/g, ' ')}: ${g.message}` });
    };
    p.lines?.forEach((l, k) => {
      const f = `line "${l.id}"`;
      geo(`${base}.lines.${k}.geometry`, f, linealProblems(lineParts(l.geometry)));
      if (l.area) geo(`${base}.lines.${k}.area`, `${f} area`, polygonalProblems(polys(l.area)));
      for (const key of ['insideParty', 'outsideParty', 'leftParty', 'rightParty'] as const) {
        const party = l[key];
        if (party && !partyIds.has(party)) out.push({ field: `${base}.lines.${k}.${key}`, feature: f, message: `unknown party "${party}"` });
      }
      if (l.area && (!l.insideParty || !l.outsideParty)) {
        out.push({ field: `${base}.lines.${k}`, feature: f, message: 'a line with an area needs insideParty and outsideParty' });
      }
      if ((l.leftParty && !l.rightParty) || (!l.leftParty && l.rightParty)) {
        out.push({ field: `${base}.lines.${k}`, feature: f, message: 'give both leftParty and rightParty' });
      }
    });
    p.withdrawal?.forEach((w, k) => {
      if (!(WEAPON_CLASSES as readonly string[]).includes(w.weaponClass)) {
        out.push({
          field: `${base}.withdrawal.${k}.weaponClass`,
          feature: `withdrawal "${w.id}"`,
          message: `unknown weapon class "${w.weaponClass}" (known: ${WEAPON_CLASSES.join(', ')})`,
        });
      }
    });
    p.storageSites?.forEach((s, k) => {
      const f = `storage site "${s.id}"`;
      if (s.geometry) geo(`${base}.storageSites.${k}.geometry`, f, polygonalProblems(polys(s.geometry)));
      else if (!s.point || !s.radiusM) out.push({ field: `${base}.storageSites.${k}`, feature: f, message: 'needs a geometry, or a point and radiusM' });
      if (s.point) {
        const pp = positionProblem(s.point);
        if (pp) out.push({ field: `${base}.storageSites.${k}.point`, feature: f, message: `coordinates out of range: ${pp.message}` });
      }
      if (s.party && !partyIds.has(s.party)) out.push({ field: `${base}.storageSites.${k}.party`, feature: f, message: `unknown party "${s.party}"` });
      s.weaponClasses?.forEach((c, j) => {
        if (!(WEAPON_CLASSES as readonly string[]).includes(c)) {
          out.push({ field: `${base}.storageSites.${k}.weaponClasses.${j}`, feature: f, message: `unknown weapon class "${c}"` });
        }
      });
    });
    p.noFlyAreas?.forEach((n, k) => geo(`${base}.noFlyAreas.${k}.geometry`, `no-fly area "${n.id}"`, polygonalProblems(polys(n.geometry))));
    p.protectedSites?.forEach((s, k) => {
      const pp = positionProblem(s.point);
      if (pp) out.push({ field: `${base}.protectedSites.${k}.point`, feature: `protected site "${s.id}"`, message: `coordinates out of range: ${pp.message}` });
    });
  });
  // references, per resolved version
  versions.forEach((v) => {
    const i = a.versions.findIndex((x) => x.version === v.version);
    const base = `versions.${i}.provisions`;
    const p = v.provisions;
    const lineIds = new Set(p.lines.map((l) => l.id));
    if (lineIds.size !== p.lines.length) out.push({ field: `${base}.lines`, feature: `version ${v.version}`, message: 'line ids must be unique' });
    const contact = p.lines.find((l) => l.id === p.contactLine);
    if (!contact) out.push({ field: `${base}.contactLine`, feature: `version ${v.version}`, message: `unknown line "${p.contactLine}"` });
    else if (!contact.area && !contact.leftParty) {
      out.push({
        field: `${base}.lines`,
        feature: `line "${contact.id}"`,
        message: 'the contact line must tell the sides: an area with insideParty/outsideParty, or leftParty/rightParty',
      });
    }
    const ids = new Map<string, string>();
    const claim = (id: string, what: string): void => {
      if (ids.has(id)) out.push({ field: base, feature: `${what} "${id}"`, message: `provision id "${id}" is also used by ${ids.get(id)}` });
      else ids.set(id, `${what} "${id}"`);
    };
    p.withdrawal.forEach((w) => claim(w.id, 'withdrawal'));
    if (p.securityZone) claim(p.securityZone.id, 'security zone');
    p.protectedSites.forEach((s) => claim(s.id, 'protected site'));
    p.noFlyAreas.forEach((n) => claim(n.id, 'no-fly area'));
    p.storageSites.forEach((s) => claim(s.id, 'storage site'));
    const checkPerSide = (value: number | Record<string, number>, field: string, feature: string): void => {
      if (typeof value === 'number') return;
      for (const k of Object.keys(value)) if (!partyIds.has(k)) out.push({ field, feature, message: `unknown party "${k}"` });
    };
    p.withdrawal.forEach((w, k) => {
      checkPerSide(w.distanceM, `${base}.withdrawal.${k}.distanceM`, `withdrawal "${w.id}"`);
      const from = w.measuredFrom;
      const refs = from === undefined ? [] : typeof from === 'string' ? [from] : Object.values(from);
      for (const r of refs) if (!lineIds.has(r)) out.push({ field: `${base}.withdrawal.${k}.measuredFrom`, feature: `withdrawal "${w.id}"`, message: `unknown line "${r}"` });
      if (from && typeof from === 'object') {
        for (const k2 of Object.keys(from)) if (!partyIds.has(k2)) out.push({ field: `${base}.withdrawal.${k}.measuredFrom`, feature: `withdrawal "${w.id}"`, message: `unknown party "${k2}"` });
      }
    });
    if (p.securityZone) {
      checkPerSide(p.securityZone.halfWidthM, `${base}.securityZone.halfWidthM`, `security zone "${p.securityZone.id}"`);
      if (p.securityZone.line && !lineIds.has(p.securityZone.line)) {
        out.push({ field: `${base}.securityZone.line`, feature: `security zone "${p.securityZone.id}"`, message: `unknown line "${p.securityZone.line}"` });
      }
    }
  });
  // de-duplicate (a problem in version 1 seen again through a later resolved version)
  const seen = new Set<string>();
  return out.filter((p) => {
    const k = `${p.field}|${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export interface ParsedAgreement {
  agreement: Agreement;
  /** Resolved versions, in order of effectiveFrom. */
  versions: AgreementVersion[];
}

/**
 * Parses and validates an agreement file (already JSON-parsed). Throws AgreementValidationError
 * naming every feature and problem; nothing of a rejected file is used.
 */
export function parseAgreement(input: unknown): ParsedAgreement {
  const r = AgreementInput.safeParse(input);
  if (!r.success) {
    throw new AgreementValidationError(
      r.error.issues.map((i) => {
        const field = i.path.map(String).join('.') || '(file)';
        return { field, feature: featureAt(input, i.path), message: i.message };
      }),
    );
  }
  const agreement = r.data;
  const { versions, problems } = resolve(agreement);
  const all = [...problems, ...semanticProblems(agreement, versions)];
  if (all.length > 0) throw new AgreementValidationError(all);
  return { agreement, versions };
}

/** Names the feature (by id and kind) that holds a path, for schema errors. */
function featureAt(input: unknown, path: readonly PropertyKey[]): string {
  let node: unknown = input;
  let named = 'agreement';
  const kinds: Record<string, string> = {
    lines: 'line',
    withdrawal: 'withdrawal',
    protectedSites: 'protected site',
    noFlyAreas: 'no-fly area',
    storageSites: 'storage site',
    versions: 'version',
    parties: 'party',
  };
  let lastKey = '';
  for (const k of path) {
    if (node === null || typeof node !== 'object') break;
    node = (node as Record<string, unknown>)[k as string];
    if (typeof k === 'number' && kinds[lastKey] && node && typeof node === 'object') {
      const o = node as { id?: unknown; version?: unknown };
      named = lastKey === 'versions' ? `version ${String(o.version ?? k)}` : `${kinds[lastKey]} "${String(o.id ?? k)}"`;
    } else if (lastKey === 'provisions' && k === 'securityZone' && node && typeof node === 'object') {
      named = `security zone "${String((node as { id?: unknown }).id ?? '')}"`;
    }
    lastKey = String(k);
  }
  return named;
}

/**
 * The version in force at an instant, or null: before inForceFrom, for drafts and signed-only
 * agreements, after endedAt, and before the first version's effectiveFrom.
 */
export function versionInForce(parsed: ParsedAgreement, instant: string | Date): AgreementVersion | null {
  const a = parsed.agreement;
  const t = typeof instant === 'string' ? Date.parse(instant) : instant.getTime();
  if (!Number.isFinite(t)) return null;
  if (a.status === 'draft' || a.status === 'signed' || !a.inForceFrom) return null;
  if (t < Date.parse(a.inForceFrom)) return null;
  if (a.endedAt && t >= Date.parse(a.endedAt)) return null;
  let found: AgreementVersion | null = null;
  for (const v of parsed.versions) if (Date.parse(v.effectiveFrom) <= t) found = v;
  return found;
}

/**
 * Adds an amendment (a new version effective from an instant) and returns the new agreement
 * input, validated. Used to import a new line: `{ lines: [...] }`.
 */
export function amendAgreement(
  parsed: ParsedAgreement,
  amendment: { effectiveFrom: string; note?: string; provisions: z.input<typeof ProvisionsPatch> },
): ParsedAgreement {
  const a = parsed.agreement;
  const last = a.versions[a.versions.length - 1]!;
  return parseAgreement({ ...a, versions: [...a.versions, { version: last.version + 1, ...amendment }] });
}

/** Distance for a party from a per-side value. */
export function perSide(value: number | Record<string, number>, party: string): number | undefined {
  return typeof value === 'number' ? value : value[party];
}
