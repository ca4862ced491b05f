import { SEE_ALL } from '../domain/identity';
import { createHash } from 'node:crypto';
import type { FeatureCollection } from 'geojson';
import { v7 as uuidv7 } from 'uuid';
import type { z } from 'zod';
import { amendWithDerivedLine, type LineAmendmentOptions } from '../agreement/agreement-file';
import { DEFAULT_LINE_ID, loadDefaultAgreement } from '../agreement/default-agreement';
import type { LineFromAreaResult } from '../agreement/line-from-area';
import { agreementLayers } from '../domain/agreement-layers';
import { amendAgreement, parseAgreement, versionInForce, type AgreementVersion, type ParsedAgreement, type ProvisionsPatch } from '../domain/agreement';
import { NotFoundError, TrucelineError } from '../domain/errors';
import type { Observation } from '../domain/observation';
import { BREACH_KINDS, buildGeoIndex, evaluate, type AgreementGeoIndex, type BreachKind, type Judgement, type ObservationLike } from '../domain/rules';
import { isBreach, type AgreementRevision, type AgreementRevisionInfo, type StoredJudgement } from '../store/agreement-repository';
import type { Store } from '../store/repository';

/** The agreement in force: the latest stored revision, parsed, ready to judge. */
export interface AgreementState {
  revision: AgreementRevision;
  parsed: ParsedAgreement;
}

export interface ReevaluationResult {
  agreementId: string;
  revision: number;
  /** The range re-judged (observedAt), ISO 8601; null: unbounded. */
  from: string | null;
  to: string | null;
  /** Observations in the range (each got a new judgement). */
  observations: number;
  /** Of those, judged under a version in force at their time (the others got an empty judgement). */
  inForce: number;
  /** Observations whose new judgement finds a breach. */
  breaching: number;
  /** Breaches found, by kind (an observation may breach several provisions). */
  breachesByKind: Record<BreachKind, number>;
  /** Observations whose judgement differs from the one they had (or that had none). */
  changed: number;
  ms: number;
}

/** What ObservationIngest asks of a judge (see its constructor). */
export interface ObservationJudge {
  /**
   * Judges observations just stored (`created`) and re-posted ones (`repeated`) that have no
   * judgement yet, under the agreement in force, and stores the judgements.
   */
  judgeStored(created: readonly Observation[], repeated: readonly Observation[]): Promise<void>;
}

type Amendment = { effectiveFrom: string; note?: string; provisions: z.input<typeof ProvisionsPatch> };

const INDEX_CACHE = 8;

/**
 * Holds the agreement in force and judges observations by it. The store is the truth: every call
 * checks (one cheap query) whether a newer revision was stored, by this process, another server
 * on the same database or a CLI command, and adopts it; the geometric index of a version (about
 * 0.5 s to build on a real line) is cached by content, so an amendment does not rebuild the
 * versions it leaves unchanged.
 */
export class AgreementService implements ObservationJudge {
  private state: AgreementState | null = null;
  private readonly indexes = new Map<string, AgreementGeoIndex>();
  private readonly layerCache = new Map<string, FeatureCollection>();
  /** Content key of each version object seen (hashing a real line's version takes milliseconds). */
  private readonly keys = new WeakMap<AgreementVersion, string>();

  constructor(private readonly store: Store) {}

  /** The agreement in force, or null when none was ever stored. */
  async current(): Promise<AgreementState | null> {
    const latest = await this.store.agreements.latestRevision();
    if (latest === 0) return (this.state = null);
    if (this.state?.revision.revision === latest) return this.state;
    const rev = await this.store.agreements.latest();
    return rev ? this.adopt(rev) : null;
  }

  /** Every stored revision, newest first (without documents). */
  revisions(): Promise<AgreementRevisionInfo[]> {
    return this.store.agreements.list();
  }

  private adopt(revision: AgreementRevision): AgreementState {
    if (this.state && this.state.revision.revision >= revision.revision) return this.state;
    this.state = { revision, parsed: parseAgreement(revision.doc) };
    return this.state;
  }

  /** Loads the agreement in force and builds the index of the version in force now (at start-up, not on the first observation). */
  async warm(): Promise<AgreementState | null> {
    const state = await this.current();
    const v = state && versionInForce(state.parsed, new Date());
    if (v) this.indexFor(v);
    return state;
  }

  /** Stores the shipped default agreement when the store has none; answers it, or null when one existed. */
  async seedDefault(by = 'system'): Promise<AgreementRevision | null> {
    if ((await this.store.agreements.latestRevision()) > 0) return null;
    const parsed = loadDefaultAgreement();
    try {
      const rev = await this.store.agreements.save({ agreementId: parsed.agreement.id, by, reason: 'default', doc: parsed.agreement }, { ifLatest: 0 });
      await this.audit(by, 'agreement.default', rev);
      this.adopt(rev);
      return rev;
    } catch (e) {
      if (e instanceof TrucelineError && e.status === 409) return null; // another process seeded it first
      throw e;
    }
  }

  /**
   * Imports a whole agreement document as a new revision (it replaces the one in force). Throws
   * AgreementValidationError naming every feature and problem; then nothing is stored.
   */
  async importAgreement(by: string, input: unknown, opts: { ifRevision?: number } = {}): Promise<AgreementState> {
    const parsed = parseAgreement(input);
    return this.store_(by, parsed, 'import', opts.ifRevision);
  }

  /** Adds an amendment (a new version from `effectiveFrom`) to the agreement in force. */
  async amend(by: string, amendment: Amendment, opts: { ifRevision?: number } = {}): Promise<AgreementState> {
    const cur = await this.requireCurrent();
    return this.store_(by, amendAgreement(cur.parsed, amendment), 'amendment', opts.ifRevision ?? cur.revision.revision);
  }

  /** Adds an amendment that replaces the contact line by one derived from an occupied area. */
  async amendWithLine(by: string, derived: LineFromAreaResult, options: LineAmendmentOptions): Promise<AgreementState> {
    const cur = await this.requireCurrent();
    return this.store_(by, amendWithDerivedLine(cur.parsed, derived, options), 'amendment', cur.revision.revision);
  }

  private async store_(by: string, parsed: ParsedAgreement, reason: string, ifLatest: number | undefined): Promise<AgreementState> {
    const rev = await this.store.agreements.save({ agreementId: parsed.agreement.id, by, reason, doc: parsed.agreement }, ifLatest === undefined ? {} : { ifLatest });
    await this.audit(by, `agreement.${reason}`, rev);
    this.state = { revision: rev, parsed };
    return this.state;
  }

  private async requireCurrent(): Promise<AgreementState> {
    const cur = await this.current();
    if (!cur) throw new NotFoundError('agreement', 'in force (none stored yet: import one first)');
    return cur;
  }

  private async audit(by: string, action: string, rev: AgreementRevision, detail: Record<string, unknown> = {}): Promise<void> {
    await this.store.audit.append({
      id: uuidv7(),
      at: new Date().toISOString(),
      actor: by,
      action,
      entity: 'agreement',
      entityId: rev.agreementId,
      detail: { revision: rev.revision, versions: rev.doc.versions.length, ...detail },
    });
  }

  /** The geometric index of a version, shared by every revision that leaves the version as it was. */
  private indexFor(v: AgreementVersion): { key: string; index: AgreementGeoIndex } {
    let key = this.keys.get(v);
    if (key === undefined) {
      key = createHash('sha256')
        .update(JSON.stringify([v.agreementId, v.parties, v.provisions]))
        .digest('base64url');
      this.keys.set(v, key);
    }
    let index = this.indexes.get(key);
    if (index) {
      this.indexes.delete(key); // most recently used last
    } else {
      index = buildGeoIndex(v);
      if (this.indexes.size >= INDEX_CACHE) this.indexes.delete(this.indexes.keys().next().value!);
    }
    this.indexes.set(key, index);
    return { key, index };
  }

  /** The judgement of one observation under an agreement (null: no version in force at its time). */
  judgeWith(state: AgreementState, o: ObservationLike): Judgement | null {
    const v = versionInForce(state.parsed, o.observedAt);
    return v ? evaluate(o, v, this.indexFor(v).index) : null;
  }

  private judgements(state: AgreementState, observations: readonly Observation[]): StoredJudgement[] {
    const judgedAt = new Date().toISOString();
    // A batch mostly falls under one version: its index is looked up once per run, not per observation.
    let lastVersion: AgreementVersion | null = null;
    let lastIndex: AgreementGeoIndex | null = null;
    return observations.map((o) => {
      const v = versionInForce(state.parsed, o.observedAt);
      if (v && v !== lastVersion) {
        lastIndex = this.indexFor(v).index;
        lastVersion = v;
      }
      return {
        id: uuidv7(),
        observationId: o.id,
        agreementId: state.revision.agreementId,
        agreementRevision: state.revision.revision,
        judgedAt,
        judgement: v ? evaluate(o, v, lastIndex!) : null,
      };
    });
  }

  async judgeStored(created: readonly Observation[], repeated: readonly Observation[]): Promise<void> {
    if (created.length === 0 && repeated.length === 0) return;
    const state = await this.current();
    if (!state) return;
    let todo = created;
    const createdIds = new Set(created.map((o) => o.id));
    const others = [...new Map(repeated.filter((o) => !createdIds.has(o.id)).map((o) => [o.id, o])).values()];
    if (others.length > 0) {
      const have = await this.store.judgements.latestFor(others.map((o) => o.id));
      todo = [...created, ...others.filter((o) => !have.has(o.id))];
    }
    await this.store.judgements.addMany(this.judgements(state, todo));
  }

  /**
   * Judges again, with the agreement in force now, every observation observed in [from, to): each
   * gets a new judgement (the raw observations are never touched). Progress is reported per chunk.
   */
  async reevaluate(
    by: string,
    range: { from?: number; to?: number },
    onProgress?: (done: number, total: number) => void,
  ): Promise<ReevaluationResult> {
    const t0 = performance.now();
    const state = await this.requireCurrent();
    const q = { ...(range.from !== undefined ? { from: range.from } : {}), ...(range.to !== undefined ? { to: range.to } : {}) };
    const total = (await this.store.observations.list({ ...q, visibility: SEE_ALL, limit: 1 })).total;
    const result: ReevaluationResult = {
      agreementId: state.revision.agreementId,
      revision: state.revision.revision,
      from: range.from !== undefined ? new Date(range.from).toISOString() : null,
      to: range.to !== undefined ? new Date(range.to).toISOString() : null,
      observations: 0,
      inForce: 0,
      breaching: 0,
      breachesByKind: Object.fromEntries(BREACH_KINDS.map((k) => [k, 0])) as Record<BreachKind, number>,
      changed: 0,
      ms: 0,
    };
    onProgress?.(0, total);
    for await (const chunk of this.store.observations.iterate({ ...q, visibility: SEE_ALL }, 1000)) {
      const before = await this.store.judgements.latestFor(chunk.map((o) => o.id));
      const fresh = this.judgements(state, chunk);
      await this.store.judgements.addMany(fresh);
      for (const j of fresh) {
        result.observations++;
        if (j.judgement) result.inForce++;
        if (isBreach(j.judgement)) result.breaching++;
        for (const b of j.judgement?.breaches ?? []) result.breachesByKind[b.kind]++;
        if (JSON.stringify(before.get(j.observationId)?.judgement ?? null) !== JSON.stringify(j.judgement)) result.changed++;
      }
      onProgress?.(result.observations, Math.max(total, result.observations));
    }
    result.ms = Math.round(performance.now() - t0);
    await this.audit(by, 'agreement.reevaluate', state.revision, { from: result.from, to: result.to, observations: result.observations, changed: result.changed });
    return result;
  }

  /**
   * The map layers (GeoJSON) of the version in force at an instant, or null when none is. The
   * contact line's feature says whether it is the illustrative default line.
   */
  async layers(at: Date): Promise<{ state: AgreementState; version: AgreementVersion; layers: FeatureCollection } | null> {
    const state = await this.current();
    const version = state && versionInForce(state.parsed, at);
    if (!state || !version) return null;
    const { key, index } = this.indexFor(version);
    let layers = this.layerCache.get(key);
    if (!layers) {
      layers = agreementLayers(version, index);
      for (const f of layers.features) {
        const p = f.properties!;
        if (p.layer === 'line') p.illustrative = p.id === DEFAULT_LINE_ID;
      }
      if (this.layerCache.size >= INDEX_CACHE) this.layerCache.delete(this.layerCache.keys().next().value!);
      this.layerCache.set(key, layers);
    }
    return { state, version, layers };
  }
}
