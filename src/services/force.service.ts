import type { Feature, FeatureCollection, Point } from 'geojson';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import { versionInForce } from '../domain/agreement';
import { commitmentDelivery, commitmentFate, CommitmentDocumentInput, CommitmentInput, type CommitmentDelivery, type CommitmentFate } from '../domain/commitments';
import { InvalidInputError, NotFoundError, TrucelineError, fieldErrors, type FieldError } from '../domain/errors';
import {
  checkDeployment,
  DEFAULT_FORCE_SETTINGS,
  DeploymentInput,
  forceGeneration,
  isCurrent,
  LeadNationInput,
  PledgeInput,
  RequirementInput,
  samplePlaces,
  UnitInput,
  type Deployment,
  type DeploymentCheck,
  type ForceGeneration,
  type ForceSettings,
  type PlaceJudgement,
} from '../domain/force';
import type { Actor, UserActor } from '../domain/identity';
import { canonicalReleasability } from '../domain/releasability';
import { CsvReader } from '../ingest/acled/csv';
import { csvLine } from '../ingest/acled/export';
import { unguardCell } from '../ingest/acled/columns';
import type { CotPosition } from '../ingest/cot/map';
import { docOf, FORCE_KINDS, type ForceKind, type ForceRecords, type Stored } from '../store/force-repository';
import type { Store } from '../store/repository';
import type { AgreementService } from './agreement.service';
import { actorLabel } from './auth';
import type { Caller } from './task.service';

/* The input schema of each kind, and its name in bundles (JSON keys) and paths (URLs). */
export const FORCE_INPUTS = {
  requirement: RequirementInput,
  pledge: PledgeInput,
  unit: UnitInput,
  deployment: DeploymentInput,
  lead_nation: LeadNationInput,
  document: CommitmentDocumentInput,
  commitment: CommitmentInput,
} as const satisfies Record<ForceKind, z.ZodType>;

export const BUNDLE_KEYS: Record<ForceKind, string> = {
  requirement: 'requirements',
  pledge: 'pledges',
  unit: 'units',
  deployment: 'deployments',
  lead_nation: 'leadNations',
  document: 'documents',
  commitment: 'commitments',
};

/** Everything of the force released to a reader, as JSON export and import carry it. */
export type ForceBundle = { [K in ForceKind as (typeof BUNDLE_KEYS)[K]]?: unknown[] } & { settings?: ForceSettings };

export type DeploymentView = Stored<'deployment'> & { check: DeploymentCheck; current: boolean };
export type CommitmentView = Stored<'commitment'> & {
  fate: CommitmentFate['fate'];
  draft: CommitmentFate['draft'];
  final: CommitmentFate['final'];
  documentTitle: string | null;
  delivery: CommitmentDelivery;
};

export interface NationRecord {
  nation: string;
  committedTroops: number;
  deliveredTroops: number;
  pledgedTroops: number;
  deployedTroops: number;
  commitments: CommitmentView[];
  pledges: Stored<'pledge'>[];
  units: Stored<'unit'>[];
}

export interface ImportSummary {
  created: number;
  updated: number;
  unchanged: number;
  byKind: Record<ForceKind, { created: number; updated: number; unchanged: number }>;
}

export interface UnitFeatureProps {
  unitId: string;
  name: string;
  nation: string;
  sidc: string;
  echelon: string;
  size: number;
  capability: string;
  /** Where the position comes from: the unit's TAK position report, or its current deployment. */
  source: 'tak' | 'deployment';
  place: string;
  deploymentId: string | null;
  flagged: boolean;
  reasons: string[];
  distanceToLineM: number | null;
  /** When the position was reported (TAK) or the deployment began. */
  at: string;
}

function userOf(actor: Actor): UserActor {
  if (actor.type !== 'user') throw new TrucelineError(401, 'unauthenticated', 'Authentication required', 'log in or send an API token');
  return actor;
}

/**
 * The force and the commitments register: validation of references, the deployment rule against
 * the agreement in force, the force-generation table, what each nation committed and delivered,
 * import and export. Every read is the caller's: a record not released to them is absent.
 */
export class ForceService {
  constructor(
    private readonly store: Store,
    private readonly agreements: AgreementService,
    private readonly now: () => Date = () => new Date(),
  ) {}

  list<K extends ForceKind>(caller: Caller, kind: K, nation?: string): Promise<Stored<K>[]> {
    return this.store.force.list(kind, { visibility: caller.visibility, ...(nation === undefined ? {} : { nation }) });
  }

  async get<K extends ForceKind>(caller: Caller, kind: K, id: string): Promise<Stored<K>> {
    const r = await this.store.force.get(kind, id, caller.visibility);
    if (!r) throw new NotFoundError(kind.replace('_', ' '), id);
    return r;
  }

  /** Creates (no id, or a new one) or replaces a record; `input` as the kind's schema parsed it. */
  async put<K extends ForceKind>(caller: Caller, kind: K, input: Omit<ForceRecords[K], 'id'> & { id?: string }, opts: { ifVersion?: number } = {}): Promise<{ record: Stored<K>; created: boolean }> {
    const actor = userOf(caller.actor);
    const record = { ...input, id: input.id ?? uuidv7(), releasability: canonicalReleasability(input.releasability) } as ForceRecords[K];
    // A record the caller may not see must not be overwritten blindly: it does not exist for them.
    const existing = await this.store.force.get(kind, record.id, { all: true });
    if (existing && !(await this.store.force.get(kind, record.id, caller.visibility))) {
      throw new TrucelineError(409, 'conflict', 'Conflict', `${kind} id ${record.id} is taken`, 'id');
    }
    await this.checkReferences(caller, kind, record);
    const at = this.now().toISOString();
    const by = actorLabel(actor);
    const done = await this.store.force.put(kind, record, { at, by, ...(opts.ifVersion === undefined ? {} : { ifVersion: opts.ifVersion }) });
    await this.audit(by, `force.${kind}.${done.created ? 'create' : 'update'}`, kind, record.id, { version: done.record.version, releasability: record.releasability });
    return done;
  }

  async remove(caller: Caller, kind: ForceKind, id: string): Promise<void> {
    const actor = userOf(caller.actor);
    if (!(await this.store.force.remove(kind, id, caller.visibility))) throw new NotFoundError(kind.replace('_', ' '), id);
    await this.audit(actorLabel(actor), `force.${kind}.delete`, kind, id, {});
  }

  async settings(): Promise<ForceSettings> {
    return (await this.store.force.settings()) ?? DEFAULT_FORCE_SETTINGS;
  }

  async putSettings(caller: Caller, s: ForceSettings): Promise<ForceSettings> {
    const by = actorLabel(userOf(caller.actor));
    await this.store.force.putSettings(s, { at: this.now().toISOString(), by });
    await this.audit(by, 'force.settings.update', 'settings', 'force', { ...s });
    return s;
  }

  async generation(caller: Caller): Promise<ForceGeneration> {
    const [requirements, pledges] = await Promise.all([this.list(caller, 'requirement'), this.list(caller, 'pledge')]);
    return forceGeneration(requirements, pledges);
  }

  /* ---------- Deployments and the stand-off rule ---------- */

  /** Checks deployments against the agreement in force at the instant each is judged (now, within its from/to). */
  async checkDeployments(deployments: readonly Deployment[]): Promise<Map<string, DeploymentCheck>> {
    const settings = await this.settings();
    const state = await this.agreements.current();
    const now = this.now();
    const out = new Map<string, DeploymentCheck>();
    for (const d of deployments) {
      const from = Date.parse(d.from);
      const to = d.to === null ? Infinity : Date.parse(d.to) - 1;
      const at = new Date(Math.min(Math.max(now.getTime(), from), to));
      const version = state && versionInForce(state.parsed, at);
      if (!state || !version) {
        out.set(d.id, checkDeployment([], null, settings, null));
        continue;
      }
      const places: PlaceJudgement[] = [];
      for (const p of samplePlaces(d.location)) {
        const j = this.agreements.judgeWith(state, { kind: 'other', observedAt: at.toISOString(), location: p });
        if (j) places.push({ distanceToLineM: j.distanceToLineM, zones: j.zones });
      }
      out.set(d.id, checkDeployment(places, version.provisions.securityZone?.id ?? null, settings, state.revision.revision));
    }
    return out;
  }

  async deployments(caller: Caller, unitId?: string): Promise<DeploymentView[]> {
    const all = await this.list(caller, 'deployment');
    const ds = unitId === undefined ? all : all.filter((d) => d.unitId === unitId);
    const checks = await this.checkDeployments(ds);
    const now = this.now();
    return ds.map((d) => ({ ...d, check: checks.get(d.id)!, current: isCurrent(d, now) }));
  }

  /**
   * The units on the map: each unit at its TAK position when it reports one (matched by uid, or
   * else by callsign), otherwise at its current deployment (an area's vertex centre). The flag is
   * the current deployment's; a live position is judged by the same rule.
   */
  async unitFeatures(caller: Caller): Promise<FeatureCollection<Point, UnitFeatureProps>> {
    const [units, deployments] = await Promise.all([this.list(caller, 'unit'), this.deployments(caller)]);
    const now = this.now();
    const wantsTak = units.some((u) => u.takUid !== null || u.takCallsign !== null);
    const positions = wantsTak ? await this.store.ingest.tak.current('position', { visibility: caller.visibility, now: now.toISOString() }) : [];
    const byUid = new Map<string, CotPosition>();
    const byCallsign = new Map<string, CotPosition>();
    for (const r of positions) {
      const p = r.doc as CotPosition;
      byUid.set(p.uid, p);
      if (p.callsign) byCallsign.set(p.callsign, p);
    }
    const features: Feature<Point, UnitFeatureProps>[] = [];
    for (const u of units) {
      const current = deployments.filter((d) => d.unitId === u.id && d.current).sort((a, b) => b.from.localeCompare(a.from))[0];
      const live = (u.takUid !== null ? byUid.get(u.takUid) : undefined) ?? (u.takCallsign !== null ? byCallsign.get(u.takCallsign) : undefined);
      const base = { unitId: u.id, name: u.name, nation: u.nation, sidc: u.sidc, echelon: u.echelon, size: u.size, capability: u.capability };
      if (live) {
        const at = live.time;
        const [check] = [...(await this.checkDeployments([{ id: 'live', unitId: u.id, place: '', location: { type: 'Point', coordinates: [live.lon, live.lat] }, from: at, to: null, releasability: u.releasability }])).values()];
        features.push({
          type: 'Feature',
          geometry: { type: 'Point', coordinates: [live.lon, live.lat] },
          properties: { ...base, source: 'tak', place: live.callsign, deploymentId: current?.id ?? null, flagged: check!.flagged, reasons: check!.reasons, distanceToLineM: check!.distanceToLineM, at },
        });
      } else if (current) {
        const places = samplePlaces(current.location);
        const c = places[places.length - 1]!;
        features.push({
          type: 'Feature',
          geometry: { type: 'Point', coordinates: [c.lon, c.lat] },
          properties: {
            ...base,
            source: 'deployment',
            place: current.place,
            deploymentId: current.id,
            flagged: current.check.flagged,
            reasons: current.check.reasons,
            distanceToLineM: current.check.distanceToLineM,
            at: current.from,
          },
        });
      }
    }
    return { type: 'FeatureCollection', features };
  }

  /* ---------- Commitments ---------- */

  async commitments(caller: Caller, nation?: string): Promise<CommitmentView[]> {
    const [commitments, documents, pledges] = await Promise.all([this.list(caller, 'commitment', nation), this.list(caller, 'document'), this.list(caller, 'pledge')]);
    const docs = new Map(documents.map((d) => [d.id, d]));
    const pledgesById = new Map(pledges.map((p) => [p.id, p]));
    return commitments.map((c) => {
      const doc = docs.get(c.documentId);
      const fate: CommitmentFate = doc ? commitmentFate(doc, c) : { fate: 'draft_only', draft: null, final: null };
      return { ...c, ...fate, documentTitle: doc?.title ?? null, delivery: commitmentDelivery(c, pledgesById) };
    });
  }

  /** What nation X committed, and what it has delivered. */
  async nation(caller: Caller, nation: string): Promise<NationRecord> {
    const [commitments, pledges, units] = await Promise.all([this.commitments(caller, nation), this.list(caller, 'pledge', nation), this.list(caller, 'unit', nation)]);
    const counted = pledges.filter((p) => p.status !== 'withdrawn');
    return {
      nation,
      committedTroops: commitments.reduce((s, c) => s + c.delivery.committedTroops, 0),
      deliveredTroops: commitments.reduce((s, c) => s + c.delivery.deliveredTroops, 0),
      pledgedTroops: counted.reduce((s, p) => s + p.troops, 0),
      deployedTroops: pledges.filter((p) => p.status === 'deployed').reduce((s, p) => s + p.troops, 0),
      commitments,
      pledges,
      units,
    };
  }

  /* ---------- Import and export ---------- */

  async exportBundle(caller: Caller, kinds: readonly ForceKind[] = FORCE_KINDS): Promise<ForceBundle> {
    const bundle: Record<string, unknown> = {};
    for (const k of kinds) bundle[BUNDLE_KEYS[k]] = (await this.list(caller, k)).map(stripMeta);
    if (kinds.length === FORCE_KINDS.length) bundle.settings = await this.settings();
    return bundle as ForceBundle;
  }

  /**
   * Imports a bundle: every record is validated first and nothing is stored unless all are valid
   * (the problems answer 400 with a path per field, e.g. `pledges.3.troops`). Records are upserted
   * by id; one equal to what is stored is left alone, so importing an export changes nothing.
   */
  async importBundle(caller: Caller, input: unknown): Promise<ImportSummary> {
    const parsed = parseBundle(input);
    const summary: ImportSummary = { created: 0, updated: 0, unchanged: 0, byKind: Object.fromEntries(FORCE_KINDS.map((k) => [k, { created: 0, updated: 0, unchanged: 0 }])) as ImportSummary['byKind'] };
    for (const kind of FORCE_KINDS) {
      for (const r of parsed.records[kind]) {
        const record = { ...r, releasability: canonicalReleasability(r.releasability) } as ForceRecords[typeof kind];
        const existing = await this.store.force.get(kind, record.id, caller.visibility);
        if (existing && canonical(JSON.parse(docOf(existing as ForceRecords[typeof kind]))) === canonical(JSON.parse(docOf(record)))) {
          summary.unchanged++;
          summary.byKind[kind].unchanged++;
          continue;
        }
        const { created } = await this.put(caller, kind, record);
        summary[created ? 'created' : 'updated']++;
        summary.byKind[kind][created ? 'created' : 'updated']++;
      }
    }
    if (parsed.settings) await this.putSettings(caller, parsed.settings);
    return summary;
  }

  private async checkReferences(caller: Caller, kind: ForceKind, record: ForceRecords[ForceKind]): Promise<void> {
    if (kind === 'deployment') {
      const d = record as ForceRecords['deployment'];
      if (!(await this.store.force.get('unit', d.unitId, caller.visibility))) throw new InvalidInputError('unitId', `names no unit released to you (${d.unitId})`);
      if (d.to !== null && Date.parse(d.to) <= Date.parse(d.from)) throw new InvalidInputError('to', 'must be after from');
    }
    if (kind === 'commitment') {
      const c = record as ForceRecords['commitment'];
      const doc = await this.store.force.get('document', c.documentId, caller.visibility);
      if (!doc) throw new InvalidInputError('documentId', `names no document released to you (${c.documentId})`);
      const versions = new Set(doc.versions.map((v) => v.id));
      c.wordings.forEach((w, i) => {
        if (!versions.has(w.versionId)) throw new InvalidInputError(`wordings.${i}.versionId`, `names no version of document ${doc.id} (${[...versions].join(', ')})`);
      });
    }
    if (kind === 'unit') {
      const u = record as ForceRecords['unit'];
      if (u.pledgeId !== null && !(await this.store.force.get('pledge', u.pledgeId, caller.visibility))) throw new InvalidInputError('pledgeId', `names no pledge released to you (${u.pledgeId})`);
    }
  }

  private audit(actor: string, action: string, entity: string, entityId: string, detail: Record<string, unknown>): Promise<void> {
    return this.store.audit.append({ id: uuidv7(), at: this.now().toISOString(), actor, action, entity: `force.${entity}`, entityId, detail });
  }
}

function stripMeta<T extends StoredMetaLike>(r: T): Omit<T, 'version' | 'updatedAt' | 'updatedBy'> {
  const { version: _v, updatedAt: _a, updatedBy: _b, ...rest } = r;
  return rest;
}
type StoredMetaLike = { version: number; updatedAt: string; updatedBy: string };

/** JSON with sorted keys: equal records compare equal whatever order their fields came in. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

const SettingsOrNothing = z.object({
  minDistanceToLineM: z.number().min(0).max(500_000),
  keepOutOfSecurityZone: z.boolean(),
});

/** Validates a whole bundle; every problem at once, as `<key>.<index>.<field>`. Records without an id get one. */
export function parseBundle(input: unknown): { records: { [K in ForceKind]: ForceRecords[K][] }; settings: ForceSettings | undefined } {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new InvalidInputError('(body)', 'must be an object with requirements, pledges, units, deployments, leadNations, documents, commitments');
  const body = input as Record<string, unknown>;
  const problems: FieldError[] = [];
  const known = new Set([...Object.values(BUNDLE_KEYS), 'settings']);
  for (const k of Object.keys(body)) if (!known.has(k)) problems.push({ field: k, message: `is not a part of the force (${[...known].join(', ')})` });
  const records = Object.fromEntries(FORCE_KINDS.map((k) => [k, [] as unknown[]])) as { [K in ForceKind]: ForceRecords[K][] };
  for (const kind of FORCE_KINDS) {
    const key = BUNDLE_KEYS[kind];
    const list = body[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      problems.push({ field: key, message: 'must be an array' });
      continue;
    }
    list.forEach((item, i) => {
      const r = FORCE_INPUTS[kind].safeParse(item);
      if (!r.success) problems.push(...fieldErrors(r.error.issues, [key, i]));
      else (records[kind] as unknown[]).push({ ...r.data, id: r.data.id ?? uuidv7() });
    });
  }
  let settings: ForceSettings | undefined;
  if (body.settings !== undefined) {
    const r = SettingsOrNothing.strict().safeParse(body.settings);
    if (r.success) settings = r.data;
    else problems.push(...fieldErrors(r.error.issues, ['settings']));
  }
  if (problems.length) {
    throw new TrucelineError(400, 'invalid-input', 'Invalid input', `${problems.length} problem(s): ${problems.slice(0, 5).map((p) => `${p.field} ${p.message}`).join('; ')}`, problems[0]!.field, { problems });
  }
  return { records, settings };
}

/* ---------- CSV: one file, one row per record, an `entity` column, nested values as JSON ---------- */

const JSON_FIELDS = new Set(['caveats', 'location', 'coordinatesWith', 'signatories', 'versions', 'conditions', 'pledgeIds', 'triggerCriteriaIds', 'wordings']);
const NUMBER_FIELDS = new Set(['quantity', 'troops', 'size']);
const BOOLEAN_FIELDS = new Set(['illustrative']);
/** Fields whose null is written as an empty cell and read back as null. */
const NULLABLE_FIELDS = new Set(['readinessDate', 'takUid', 'takCallsign', 'pledgeId', 'to']);

/** The columns of each kind, from its schema, in its order. */
export function csvColumns(kind: ForceKind): string[] {
  const schema = FORCE_INPUTS[kind] as unknown as { shape?: Record<string, unknown>; _zod?: { def?: { in?: { shape?: Record<string, unknown> }; schema?: { shape?: Record<string, unknown> } } } };
  const shape = schema.shape ?? schema._zod?.def?.in?.shape ?? schema._zod?.def?.schema?.shape;
  if (!shape) throw new Error(`no shape for ${kind}`);
  return Object.keys(shape);
}

/** The bundle as one CSV: a header of `entity` (the kind of record) and the union of the kinds' columns. */
export function bundleToCsv(bundle: ForceBundle): string {
  const kinds = FORCE_KINDS.filter((k) => (bundle as Record<string, unknown[] | undefined>)[BUNDLE_KEYS[k]]?.length);
  const columns = ['entity', ...new Set(kinds.flatMap(csvColumns))];
  const lines = [csvLine(columns)];
  for (const k of kinds) {
    for (const r of (bundle as Record<string, Record<string, unknown>[]>)[BUNDLE_KEYS[k]]!) {
      lines.push(
        csvLine(
          columns.map((c) => {
            if (c === 'entity') return k;
            const v = r[c];
            if (v === undefined || v === null) return '';
            if (JSON_FIELDS.has(c)) return JSON.stringify(v);
            return String(v);
          }),
        ),
      );
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** Reads the CSV back into a bundle (then validated by importBundle as any JSON bundle). Problems name the line. */
export function csvToBundle(text: string | Buffer): ForceBundle {
  const reader = new CsvReader();
  const items = [...reader.push(text), ...reader.end()];
  const problems: FieldError[] = [];
  let header: string[] | null = null;
  const bundle: Record<string, Record<string, unknown>[]> = {};
  for (const item of items) {
    if (item.type === 'error') {
      problems.push({ field: `line ${item.error.line}`, message: item.error.reason });
      continue;
    }
    const { fields, line } = item.record;
    if (fields.length === 1 && fields[0] === '') continue;
    if (!header) {
      header = fields.map((f) => f.trim());
      if (header[0] !== 'entity') problems.push({ field: 'line 1', message: 'the first column must be "entity"' });
      continue;
    }
    if (fields.length !== header.length) {
      problems.push({ field: `line ${line}`, message: `has ${fields.length} fields, the header ${header.length}` });
      continue;
    }
    const kind = fields[0] as ForceKind;
    if (!FORCE_KINDS.includes(kind)) {
      problems.push({ field: `line ${line}.entity`, message: `must be one of ${FORCE_KINDS.join(', ')}` });
      continue;
    }
    const own = new Set(csvColumns(kind));
    const record: Record<string, unknown> = {};
    header.forEach((col, i) => {
      if (i === 0 || !own.has(col)) return;
      const cell = unguardCell(fields[i]!);
      if (cell === '') {
        if (NULLABLE_FIELDS.has(col)) record[col] = null;
        return;
      }
      if (JSON_FIELDS.has(col)) {
        try {
          record[col] = JSON.parse(cell);
        } catch {
          problems.push({ field: `line ${line}.${col}`, message: 'is not valid JSON' });
        }
      } else if (NUMBER_FIELDS.has(col)) record[col] = Number(cell);
      else if (BOOLEAN_FIELDS.has(col)) record[col] = cell === 'true';
      else record[col] = cell;
    });
    (bundle[BUNDLE_KEYS[kind]] ??= []).push(record);
  }
  if (problems.length) throw new TrucelineError(400, 'invalid-input', 'Invalid input', `${problems.length} problem(s): ${problems.slice(0, 5).map((p) => `${p.field} ${p.message}`).join('; ')}`, problems[0]!.field, { problems });
  return bundle as ForceBundle;
}
