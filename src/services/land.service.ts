import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DOMParser } from '@xmldom/xmldom';
import { kml as kmlToGeoJson } from '@tmcw/togeojson';
import { v7 as uuidv7 } from 'uuid';
import { lineFromAreaPolygons } from '../agreement/line-from-area';
import { versionInForce, type AgreementVersion, type LineGeometry, type PolygonGeometry } from '../domain/agreement';
import { InvalidInputError, NotFoundError, TrucelineError } from '../domain/errors';
import { canSee, type Actor } from '../domain/identity';
import {
  assertValidLandOption,
  DEFAULT_LAND_RELEASABILITY,
  partsOfLine,
  polygonsOfGeometry,
  type LandOption,
  type LandOptionInput,
  type LandOptionVersionInput,
} from '../domain/land-option';
import { canonicalReleasability } from '../domain/releasability';
import { bundledGazetteer, type Gazetteer } from '../geo/gazetteer';
import { compareLand, sideOfLine, type InfrastructureFeature, type LandComparison, type LandSide, type Settlement, type ZoneBand } from '../geo/land-compare';
import type { PolygonCoords } from '../geo/line-from-area';
import type { Store } from '../store/repository';
import { AgreementService } from './agreement.service';
import { actorLabel } from './auth';
import type { Caller } from './task.service';

/** One side of a comparison as the caller names it: a stored option (latest or a version), inline geometry, or the agreement's contact line. */
export type LandRef =
  | { id: string; version?: number }
  | { name?: string; line?: LineGeometry; area?: PolygonGeometry }
  | { current: true };

export interface LandCompareInput {
  /** Default: the contact line of the agreement in force. */
  reference?: LandRef;
  options: LandRef[];
  infrastructure?: InfrastructureFeature[];
  townMinPopulation?: number;
}

export interface ComparedSide {
  name: string;
  id?: string;
  version?: number;
  /** The line drawn on the map (derived from the area when the option had none). */
  line: LineGeometry | null;
  area: PolygonGeometry | null;
}

export interface LandCompareResult {
  reference: ComparedSide;
  bands: ZoneBand[];
  comparisons: (LandComparison & { option: ComparedSide })[];
  attribution: string;
  ms: number;
}

const outlinePath = new URL('../geo/data/ukraine-outline.geojson', import.meta.url);
let outline: PolygonCoords[] | undefined;
function ukraineOutline(): PolygonCoords[] {
  if (!outline) {
    const doc = JSON.parse(readFileSync(outlinePath, 'utf8')) as { features: { geometry: PolygonGeometry }[] };
    outline = doc.features.flatMap((f) => polygonsOfGeometry(f.geometry));
  }
  return outline;
}

const asLine = (parts: [number, number][][]): LineGeometry => ({ type: 'MultiLineString', coordinates: parts });

/** The contact line derived from an area costs a second or two: kept by content for repeated comparisons. */
const derivedLines = new Map<string, [number, number][][]>();
function lineOfArea(area: PolygonGeometry): [number, number][][] {
  const key = createHash('sha256').update(JSON.stringify(area)).digest('hex');
  let parts = derivedLines.get(key);
  if (!parts) {
    parts = lineFromAreaPolygons(polygonsOfGeometry(area)).parts.map((p) => p.coordinates);
    if (derivedLines.size >= 16) derivedLines.delete(derivedLines.keys().next().value!);
    derivedLines.set(key, parts);
  }
  return parts;
}

/** A side from a line, an area or both (see land-compare.ts for the method). */
export function landSideOf(o: { line?: LineGeometry | null; area?: PolygonGeometry | null }): LandSide {
  if (o.area) return { area: polygonsOfGeometry(o.area), line: o.line ? partsOfLine(o.line) : lineOfArea(o.area) };
  if (o.line) return sideOfLine(partsOfLine(o.line), ukraineOutline());
  throw new InvalidInputError('options', 'each option needs a line or an area');
}

/** An agreement version's security zone and withdrawal distances as bands around a line (the larger of per-party values). */
export function bandsOf(v: AgreementVersion): ZoneBand[] {
  const widest = (d: number | Record<string, number>) => (typeof d === 'number' ? d : Math.max(0, ...Object.values(d)));
  const out: ZoneBand[] = [];
  const sz = v.provisions.securityZone;
  if (sz) out.push({ id: sz.id, label: 'Security zone', distanceM: widest(sz.halfWidthM) });
  for (const w of v.provisions.withdrawal) out.push({ id: w.id, label: `Withdrawal: ${w.weaponClass}`, distanceM: widest(w.distanceM) });
  return out;
}

function userOf(actor: Actor) {
  if (actor.type !== 'user') throw new TrucelineError(401, 'unauthenticated', 'Authentication required', 'log in or send an API token');
  return actor;
}

/** Reads a KML document (untrusted) into a line and/or an area: the first lines and polygons it holds. */
export function geometryFromKml(text: string): { line?: LineGeometry; area?: PolygonGeometry; name?: string } {
  // No DTD at all: entity expansion ("billion laughs") and external entities are refused before parsing.
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new InvalidInputError('body', 'KML with a DOCTYPE or ENTITY declaration is refused');
  let doc: Document;
  try {
    doc = new DOMParser({ onError: () => undefined }).parseFromString(text, 'text/xml') as unknown as Document;
  } catch (err) {
    throw new InvalidInputError('body', `is not KML: ${(err as Error).message}`);
  }
  const fc = kmlToGeoJson(doc);
  return geometryFromGeoJson(fc, 'body');
}

/** The lines and polygons of a GeoJSON document (FeatureCollection, Feature or geometry), merged. */
export function geometryFromGeoJson(doc: unknown, field = 'body'): { line?: LineGeometry; area?: PolygonGeometry; name?: string } {
  const lines: number[][][] = [];
  const polys: number[][][][] = [];
  let name: string | undefined;
  const visit = (g: unknown): void => {
    if (!g || typeof g !== 'object') return;
    const o = g as { type?: string; coordinates?: unknown; geometries?: unknown[]; features?: unknown[]; geometry?: unknown; properties?: { name?: unknown } };
    if (o.type === 'FeatureCollection') o.features?.forEach(visit);
    else if (o.type === 'Feature') {
      if (!name && typeof o.properties?.name === 'string') name = o.properties.name;
      visit(o.geometry);
    } else if (o.type === 'GeometryCollection') o.geometries?.forEach(visit);
    else if (o.type === 'LineString') lines.push(o.coordinates as number[][]);
    else if (o.type === 'MultiLineString') lines.push(...(o.coordinates as number[][][]));
    else if (o.type === 'Polygon') polys.push(o.coordinates as number[][][]);
    else if (o.type === 'MultiPolygon') polys.push(...(o.coordinates as number[][][][]));
  };
  visit(doc);
  if (!lines.length && !polys.length) throw new InvalidInputError(field, 'holds no LineString or Polygon');
  const strip = (c: number[]) => [c[0]!, c[1]!];
  return {
    ...(lines.length ? { line: { type: 'MultiLineString' as const, coordinates: lines.map((l) => l.map(strip)) } } : {}),
    ...(polys.length ? { area: { type: 'MultiPolygon' as const, coordinates: polys.map((p) => p.map((r) => r.map(strip))) } } : {}),
    ...(name ? { name } : {}),
  };
}

/**
 * Land options: proposals stored and versioned, and their comparison. Every read is as the
 * caller may see; a label the caller could not see is refused on write (they would lose the
 * option they just stored).
 */
export class LandService {
  private readonly agreements: AgreementService;

  constructor(
    private readonly store: Store,
    private readonly gazetteer: Gazetteer = bundledGazetteer(),
    private readonly now: () => Date = () => new Date(),
  ) {
    this.agreements = new AgreementService(store);
  }

  get attribution(): string {
    return this.gazetteer.attribution;
  }

  async create(caller: Caller, input: LandOptionInput): Promise<LandOption> {
    const option = this.build(caller, input, input.id ?? uuidv7(), 1);
    const stored = await this.store.landOptions.create(option);
    await this.audit(option.createdBy, 'land.create', stored);
    return stored;
  }

  /** Stores the next version; `expectedVersion` (the version the edit was made on) guards against lost updates. */
  async update(caller: Caller, id: string, input: LandOptionVersionInput, expectedVersion?: number): Promise<LandOption> {
    const latest = await this.store.landOptions.get(id, caller.visibility);
    if (!latest) throw new NotFoundError('land option', id);
    const base = expectedVersion ?? latest.version;
    const option = this.build(caller, input, id, base + 1);
    const stored = await this.store.landOptions.append(option);
    await this.audit(option.createdBy, 'land.version', stored);
    return stored;
  }

  async get(caller: Caller, id: string, version?: number): Promise<LandOption> {
    const o = await this.store.landOptions.get(id, caller.visibility, version);
    if (!o) throw new NotFoundError('land option', version === undefined ? id : `${id} version ${version}`);
    return o;
  }

  async versions(caller: Caller, id: string): Promise<LandOption[]> {
    const list = await this.store.landOptions.versions(id, caller.visibility);
    if (!list.length) throw new NotFoundError('land option', id);
    return list;
  }

  list(caller: Caller, limit = 100): Promise<LandOption[]> {
    return this.store.landOptions.list(caller.visibility, limit);
  }

  async compare(caller: Caller, input: LandCompareInput): Promise<LandCompareResult> {
    const started = performance.now();
    if (input.options.length < 1 || input.options.length > 3) throw new InvalidInputError('options', 'name one to three options');
    const reference = await this.resolve(caller, input.reference ?? { current: true }, 'reference');
    const options = await Promise.all(input.options.map((o, i) => this.resolve(caller, o, `options.${i}`)));
    const bands = await this.bands();
    const settlements = this.settlements();
    const refSide = landSideOf(reference);
    const comparisons = options.map((o) => {
      const side = landSideOf(o);
      const result = compareLand({ reference: refSide, option: side, settlements, bands, infrastructure: input.infrastructure, townMinPopulation: input.townMinPopulation });
      return { ...result, option: { ...o, line: asLine(side.line) } };
    });
    return {
      reference: { ...reference, line: asLine(refSide.line) },
      bands,
      comparisons,
      attribution: this.gazetteer.attribution,
      ms: Math.round(performance.now() - started),
    };
  }

  /** Settlements of Ukraine (the neighbours' are in the gazetteer for nearest-place lookups only). */
  private settlements(): Settlement[] {
    return this.gazetteer.settlements.filter((s) => s.country === undefined || s.country === 'UA');
  }

  /** The agreement's security zone and withdrawal distances, applied around the new line (the larger of per-party values). */
  private async bands(): Promise<ZoneBand[]> {
    const state = await this.agreements.current();
    const v = state && versionInForce(state.parsed, this.now());
    return v ? bandsOf(v) : [];
  }

  private async resolve(caller: Caller, ref: LandRef, field: string): Promise<ComparedSide> {
    if ('current' in ref) {
      const state = await this.agreements.current();
      const v = state && versionInForce(state.parsed, this.now());
      const line = v?.provisions.lines.find((l) => l.id === v.provisions.contactLine);
      if (!line) throw new InvalidInputError(field, 'names the contact line, but no agreement is in force: name a reference option');
      return { name: line.name ?? line.id, line: line.geometry, area: line.area ?? null };
    }
    if ('id' in ref) {
      const o = await this.get(caller, ref.id, ref.version);
      return { name: o.name, id: o.id, version: o.version, line: o.line ?? null, area: o.area ?? null };
    }
    assertValidLandOption(ref);
    return { name: ref.name ?? 'inline', line: ref.line ?? null, area: ref.area ?? null };
  }

  private build(caller: Caller, input: LandOptionVersionInput, id: string, version: number): LandOption {
    const actor = userOf(caller.actor);
    assertValidLandOption(input);
    const releasability = canonicalReleasability(input.releasability ?? DEFAULT_LAND_RELEASABILITY);
    if (!canSee(caller.visibility, releasability)) throw new InvalidInputError('releasability', `${releasability} is a label you could not see yourself`);
    // Derived once at write time so each comparison draws and measures the same line.
    const line = input.line ?? (input.area ? asLine(lineOfArea(input.area)) : undefined);
    return {
      id,
      version,
      name: input.name,
      author: input.author ?? actor.username,
      date: input.date,
      status: input.status,
      releasability,
      ...(input.note ? { note: input.note } : {}),
      source: input.source ?? (input.line ? 'geojson' : 'area'),
      ...(line ? { line } : {}),
      ...(input.area ? { area: input.area } : {}),
      createdAt: this.now().toISOString(),
      createdBy: actorLabel(actor),
    };
  }

  private async audit(by: string, action: string, o: LandOption): Promise<void> {
    await this.store.audit.append({
      id: uuidv7(),
      at: o.createdAt,
      actor: by,
      action,
      entity: 'land_option',
      entityId: o.id,
      detail: { version: o.version, name: o.name, status: o.status, releasability: o.releasability },
    });
  }
}
