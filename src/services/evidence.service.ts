import { v7 as uuidv7 } from 'uuid';
import { InvalidInputError, NotFoundError, TrucelineError } from '../domain/errors';
import {
  DEFAULT_CHECK,
  EXIF_TYPES,
  captureTime,
  compareWithReport,
  defaultEvidenceLabel,
  mediaTypeOf,
  viewLabel,
  type CaptureTime,
  type CheckOptions,
  type CustodyEntry,
  type Evidence,
  type EvidenceAttachment,
  type EvidenceContent,
  type EvidenceFlag,
  type EvidenceTarget,
  type EvidenceTargetKind,
  type ReportReference,
} from '../domain/evidence';
import { canSee, type Actor, type UserActor, type Visibility } from '../domain/identity';
import { geodesicDistanceM } from '../geo';
import { canonicalReleasability } from '../domain/releasability';
import type { ByteRangePick, EvidenceAdded, EvidenceBytes, NewAttachment } from '../store/evidence-repository';
import type { Page, Store } from '../store/repository';
import { actorLabel } from './auth';
import { readCapture } from './exif';

/** Who asks: the actor, what they may read, and from where (the custody log keeps the address). */
export interface Caller {
  actor: Actor;
  visibility: Visibility;
  address?: string | null;
}

/**
 * How to find the time and place a report gives, for one kind of report; undefined when the
 * report does not exist for the reader (answered 404). By default each kind is read from its
 * repository (see `EvidenceService.defaults`); options may replace one (tests, another source).
 */
export type ReportResolver = (id: string, visibility: Visibility) => Promise<ReportReference | undefined>;

export interface EvidenceOptions {
  /** Largest upload in bytes (TRUCELINE_MAX_EVIDENCE). */
  maxBytes: number;
  resolvers?: Partial<Record<EvidenceTargetKind, ReportResolver>>;
  check?: CheckOptions;
  now?: () => Date;
}

export interface UploadInput {
  body: AsyncIterable<Buffer | string>;
  /** The request's Content-Type. */
  declaredType: string | null;
  /** The request's Content-Length, when it sent one: an upload declared too large is refused before a byte is read. */
  declaredSize: number | null;
  filename: string | null;
  targets: EvidenceTarget[];
  releasability?: string;
}

/**
 * Evidence as the API answers it: what the reader sees, with the capture time as established.
 * Without the time the bytes first reached the store: to a party whose own copy is all it sees,
 * an earlier time would tell that someone else held the file before.
 */
export type EvidenceView = Omit<Evidence, 'firstSeenAt'> & { captureTime: CaptureTime | null; flags: EvidenceFlag[] };

export interface UploadResult {
  evidence: EvidenceView;
  /** True when the evidence did not exist for the caller before (201); false for an upload again (200). */
  created: boolean;
  /** The attachments this request made or found already made. */
  added: string[];
}

export interface EvidenceListInput {
  target?: EvidenceTarget;
  sha256?: string;
  limit: number;
  cursor?: string;
}

export interface ListedEvidence extends Omit<EvidenceContent, 'firstSeenAt'> {
  captureTime: CaptureTime | null;
  attachment: EvidenceAttachment;
}

function userOf(actor: Actor): UserActor {
  // The route's permission lets no anonymous caller this far; this keeps the type honest.
  if (actor.type !== 'user') throw new TrucelineError(401, 'unauthenticated', 'Authentication required', 'log in or send an API token');
  return actor;
}

export const view = ({ firstSeenAt: _first, ...e }: Evidence): EvidenceView => ({ ...e, captureTime: captureTime(e.capture), flags: e.attachments.flatMap((a) => a.check?.flags ?? []) });

/**
 * Evidence use cases: upload (stage, hash, read EXIF, compare with the report, store, audit),
 * attach stored evidence to another report, read, list, and serve the bytes with a custody entry.
 */
export class EvidenceService {
  private readonly now: () => Date;
  private readonly check: CheckOptions;

  constructor(
    private readonly store: Store,
    private readonly opts: EvidenceOptions,
  ) {
    this.now = opts.now ?? (() => new Date());
    this.check = opts.check ?? DEFAULT_CHECK;
  }

  get maxBytes(): number {
    return this.opts.maxBytes;
  }

  async upload(caller: Caller, input: UploadInput): Promise<UploadResult> {
    const actor = userOf(caller.actor);
    const by = actorLabel(actor);
    const label = this.labelFor(caller, actor, input.releasability);
    // The reports first: an upload to a report the caller cannot see is refused before its bytes are read.
    const references = await this.resolve(caller, input.targets);
    const refuse = async (err: TrucelineError, size: number | null): Promise<never> => {
      await this.store.audit.append({
        id: uuidv7(),
        at: this.now().toISOString(),
        actor: by,
        action: 'evidence.refused',
        entity: 'evidence',
        entityId: null,
        detail: { reason: err.message, size, filename: input.filename, declaredType: input.declaredType, targets: input.targets, address: caller.address ?? null },
      });
      throw err;
    };
    if (input.declaredSize !== null && input.declaredSize > this.opts.maxBytes) {
      return refuse(
        new TrucelineError(413, 'evidence-too-large', 'Evidence too large', `upload of ${input.declaredSize} bytes exceeds the evidence limit of ${this.opts.maxBytes} bytes (TRUCELINE_MAX_EVIDENCE)`, '(body)', {
          limit: this.opts.maxBytes,
          size: input.declaredSize,
        }),
        input.declaredSize,
      );
    }
    let staged;
    try {
      staged = await this.store.evidence.stage(input.body, this.opts.maxBytes);
    } catch (err) {
      if (err instanceof TrucelineError) return refuse(err, (err.extra?.size as number | undefined) ?? (err.extra?.received as number | undefined) ?? null);
      throw err;
    }
    try {
      const existedForCaller = (await this.store.evidence.get(staged.sha256, caller.visibility)) !== undefined;
      const mediaType = mediaTypeOf(staged.head, input.declaredType);
      const capture = EXIF_TYPES.has(mediaType) ? await readCapture(staged.path) : null;
      const at = this.now().toISOString();
      const content: EvidenceContent = { sha256: staged.sha256, size: staged.size, mediaType, capture, firstSeenAt: at };
      const attachments = this.attachments(input.targets, references, capture, label, input.filename, input.declaredType, by, at);
      const added = await this.store.evidence.add(staged, { content, attachments, custody: { action: 'added', actor: by, at, address: caller.address ?? null } });
      await this.audit(by, at, 'evidence.add', staged.sha256, { size: staged.size, mediaType, filename: input.filename, contentCreated: added.contentCreated, ...this.auditDetail(added) });
      const evidence = await this.store.evidence.get(staged.sha256, caller.visibility);
      return { evidence: view(evidence!), created: !existedForCaller, added: added.attachments.map((a) => a.attachment.id) };
    } finally {
      await staged.discard();
    }
  }

  /** Attaches evidence already stored (and visible to the caller) to more reports, without uploading it again. */
  async link(caller: Caller, sha256: string, input: { targets: EvidenceTarget[]; releasability?: string }): Promise<UploadResult> {
    const actor = userOf(caller.actor);
    const by = actorLabel(actor);
    const existing = await this.store.evidence.get(sha256, caller.visibility);
    if (!existing) throw new NotFoundError('evidence', sha256);
    if (input.targets.length === 0) throw new InvalidInputError('targets', 'must name at least one observation, incident or allegation');
    const label = this.labelFor(caller, actor, input.releasability);
    const references = await this.resolve(caller, input.targets);
    const at = this.now().toISOString();
    const { attachments: _a, custody: _c, ...content } = existing;
    const attachments = this.attachments(input.targets, references, existing.capture, label, null, null, by, at);
    const added = await this.store.evidence.add(null, { content, attachments, custody: { action: 'linked', actor: by, at, address: caller.address ?? null } });
    await this.audit(by, at, 'evidence.link', sha256, this.auditDetail(added));
    const evidence = await this.store.evidence.get(sha256, caller.visibility);
    return { evidence: view(evidence!), created: false, added: added.attachments.map((a) => a.attachment.id) };
  }

  async get(caller: Caller, sha256: string): Promise<EvidenceView> {
    const e = await this.store.evidence.get(sha256, caller.visibility);
    if (!e) throw new NotFoundError('evidence', sha256);
    return view(e);
  }

  async list(caller: Caller, q: EvidenceListInput): Promise<Page<ListedEvidence>> {
    const page = await this.store.evidence.list({ ...q, visibility: caller.visibility });
    return {
      ...page,
      items: page.items.map(({ content: { firstSeenAt: _first, ...content }, attachment }) => ({ ...content, captureTime: captureTime(content.capture), attachment })),
    };
  }

  /** The bytes for the caller, with a 'viewed' entry in the chain of custody (recorded before a byte is sent). */
  async content(caller: Caller, sha256: string, range?: ByteRangePick): Promise<EvidenceBytes & { custody: CustodyEntry }> {
    const actor = userOf(caller.actor);
    const bytes = await this.store.evidence.open(sha256, caller.visibility, range);
    if (!bytes) throw new NotFoundError('evidence', sha256);
    const whole = bytes.start === 0 && bytes.end === bytes.content.size - 1;
    try {
      const custody = await this.store.evidence.recordCustody({
        sha256,
        action: 'viewed',
        actor: actorLabel(actor),
        at: this.now().toISOString(),
        address: caller.address ?? null,
        attachmentId: null,
        releasability: viewLabel(actor),
        range: whole ? null : `${bytes.start}-${bytes.end}`,
      });
      return { ...bytes, custody };
    } catch (err) {
      // Not recorded, not served: the stream would otherwise keep its file or connection open.
      bytes.stream.destroy();
      throw err;
    }
  }

  private labelFor(caller: Caller, actor: UserActor, requested: string | undefined): string {
    const label = canonicalReleasability(requested ?? defaultEvidenceLabel(actor));
    // Evidence its own uploader could not see would vanish for them on the spot.
    if (!canSee(caller.visibility, label)) throw new InvalidInputError('releasability', `${label} is not released to you: label your evidence so that you can still see it`);
    return label;
  }

  /** The reports' time and place, checking each exists for the caller (404 otherwise). */
  private async resolve(caller: Caller, targets: EvidenceTarget[]): Promise<ReportReference[]> {
    return Promise.all(
      targets.map(async (t) => {
        const resolver = this.opts.resolvers?.[t.kind] ?? this.defaults[t.kind];
        const ref = await resolver(t.id, caller.visibility);
        if (!ref) throw new NotFoundError(t.kind, t.id);
        return ref;
      }),
    );
  }

  /**
   * What each kind of report says of when and where. An observation: its time (or interval), its
   * place with its accuracy, and the observer's position. An allegation: the claimed time and
   * place, when the claim gives a place. An incident: the span of its observations, around their
   * centroid with the farthest corner of their bounding box as its accuracy, so that a photo of
   * any of them agrees.
   */
  private readonly defaults: Record<EvidenceTargetKind, ReportResolver> = {
    observation: async (id, visibility) => {
      const o = await this.store.observations.get(id, visibility);
      return (
        o && {
          kind: 'observation',
          id,
          at: o.observedAt,
          until: o.observedUntil ?? null,
          place: o.location,
          observer: o.observer ? { lat: o.observer.lat, lon: o.observer.lon } : null,
        }
      );
    },
    allegation: async (id, visibility) => {
      const a = await this.store.allegations.get(id, visibility);
      return a && { kind: 'allegation', id, at: a.claimedAt, until: a.claimedUntil ?? null, place: a.location ?? null, observer: null };
    },
    incident: async (id, visibility) => {
      const i = await this.store.incidents.get(id, visibility);
      if (!i) return undefined;
      const c = i.centroid;
      const spread = c && i.bbox ? Math.max(...[[i.bbox[0], i.bbox[1]], [i.bbox[2], i.bbox[3]], [i.bbox[0], i.bbox[3]], [i.bbox[2], i.bbox[1]]].map(([lon, lat]) => geodesicDistanceM(c.lon, c.lat, lon!, lat!))) : 0;
      return { kind: 'incident', id, at: i.firstObservedAt, until: i.lastObservedAt, place: c && { lat: c.lat, lon: c.lon, accuracyM: Math.round(spread) }, observer: null };
    },
  };

  private attachments(
    targets: EvidenceTarget[],
    references: ReportReference[],
    capture: EvidenceContent['capture'],
    releasability: string,
    filename: string | null,
    declaredType: string | null,
    addedBy: string,
    addedAt: string,
  ): NewAttachment[] {
    const base = { releasability, filename, declaredType, addedBy, addedAt };
    if (targets.length === 0) return [{ ...base, id: uuidv7(), target: null, check: null }];
    return targets.map((target, i) => ({ ...base, id: uuidv7(), target, check: compareWithReport(capture, references[i]!, this.check) }));
  }

  private auditDetail(added: EvidenceAdded): Record<string, unknown> {
    return {
      attachments: added.attachments.map(({ attachment: a, created }) => ({
        id: a.id,
        created,
        target: a.target,
        releasability: a.releasability,
        flags: a.check?.flags.map((f) => f.code) ?? [],
      })),
    };
  }

  private async audit(actor: string, at: string, action: string, sha256: string, detail: Record<string, unknown>): Promise<void> {
    await this.store.audit.append({ id: uuidv7(), at, actor, action, entity: 'evidence', entityId: sha256, detail });
  }
}
