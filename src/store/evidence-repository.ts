import { createHash } from 'node:crypto';
import { mkdir, open, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { v7 as uuidv7 } from 'uuid';
import { InvalidInputError, TrucelineError } from '../domain/errors';
import type { Visibility } from '../domain/identity';
import type {
  CustodyAction,
  CustodyEntry,
  Evidence,
  EvidenceAttachment,
  EvidenceCheck,
  EvidenceContent,
  EvidenceTarget,
  EvidenceTargetKind,
  ExifCapture,
} from '../domain/evidence';
import { decodeCursor, encodeCursor } from './cursor';
import { visibilityClause } from './releasability-sql';
import type { Page } from './repository';

/*
 * Evidence in the store: the bytes by their SHA-256 (written once), the attachments of those
 * bytes to reports (each with its own label), and the chain of custody (append-only). Every read
 * takes the reader's visibility and filters in SQL: evidence exists for a reader when at least
 * one of its attachments is released to them, and they see only those attachments and the
 * custody entries released to them.
 *
 * Uploads are staged first: streamed to a temporary file while hashed and counted, so nothing is
 * stored under a hash until every byte has arrived and been checked. An upload that is cut off or
 * too large leaves no blob and no row.
 */

/** Bytes received and hashed, not yet stored: a local file the service may read (type, EXIF). */
export interface StagedBlob {
  sha256: string;
  size: number;
  /** The first bytes, for the type signature. */
  head: Buffer;
  /** A local file holding the bytes until `store` or `discard`. */
  path: string;
  discard(): Promise<void>;
}

export interface NewAttachment {
  id: string;
  target: EvidenceTarget | null;
  releasability: string;
  filename: string | null;
  declaredType: string | null;
  addedBy: string;
  addedAt: string;
  check: EvidenceCheck | null;
}

export interface CustodyWrite {
  action: CustodyAction;
  actor: string;
  at: string;
  address: string | null;
}

/** One upload (or link) to store in one transaction. */
export interface EvidenceWrite {
  /** The bytes' facts: stored when the bytes are new, ignored otherwise. */
  content: EvidenceContent;
  /**
   * The attachments to make. One that exists already (same bytes, target and label) is kept as it
   * was and answered instead; each gets a custody entry either way (`custody.action`).
   */
  attachments: NewAttachment[];
  custody: CustodyWrite;
}

export interface EvidenceAdded {
  /** The bytes were new to the store. */
  contentCreated: boolean;
  /** Per attachment asked for, in order: the one stored, and whether it is new. */
  attachments: { attachment: EvidenceAttachment; created: boolean }[];
}

export interface EvidenceQuery {
  visibility: Visibility;
  target?: EvidenceTarget;
  /** Only attachments of these bytes. */
  sha256?: string;
  limit: number;
  cursor?: string;
}

/** One attachment with the facts of its bytes: an item of a list (a report's evidence). */
export interface EvidenceListItem {
  content: EvidenceContent;
  attachment: EvidenceAttachment;
}

export interface EvidenceBytes {
  content: EvidenceContent;
  /** The bytes from `start` to `end` inclusive (the whole file when no range was asked). */
  stream: Readable;
  start: number;
  end: number;
}

/** Given the file's size, the inclusive byte range to serve. */
export type ByteRangePick = (size: number) => { start: number; end: number };

export interface EvidenceRepository {
  /** The local folder uploads are staged in (on both engines: the bytes are hashed on this host before they are stored). */
  readonly stagingDir: string;
  /**
   * Streams an upload to a staging file, hashing it. Over `limit` bytes: stops reading, removes
   * what it wrote and throws 413 naming the limit. A stream that fails (the client went away)
   * leaves nothing either and throws 400.
   */
  stage(source: AsyncIterable<Buffer | string>, limit: number): Promise<StagedBlob>;
  /**
   * Stores staged bytes (when new), then the attachments and custody entries, in one transaction
   * with their change events. `staged` null: the bytes must be stored already (linking them to
   * another report); 404 otherwise. The staged file is consumed (or removed) either way.
   */
  add(staged: StagedBlob | null, w: EvidenceWrite): Promise<EvidenceAdded>;
  /** undefined both when unknown and when none of its attachments is released to the reader. */
  get(sha256: string, visibility: Visibility): Promise<Evidence | undefined>;
  /** One attachment (for the live stream and the transparency log, which follow changes by id). */
  attachment(id: string, visibility: Visibility): Promise<EvidenceAttachment | undefined>;
  /** Attachments released to the reader, newest first (added, then id), paged by an opaque cursor. */
  list(q: EvidenceQuery): Promise<Page<EvidenceListItem>>;
  /**
   * The bytes, when released to the reader: all of them, or the inclusive range `range` picks from
   * the size (it may throw, e.g. 416). The caller records the view in the chain of custody
   * (`recordCustody`) when it serves them.
   */
  open(sha256: string, visibility: Visibility, range?: ByteRangePick): Promise<EvidenceBytes | undefined>;
  /** Appends a custody entry (a view). */
  recordCustody(e: Omit<CustodyEntry, 'seq'>): Promise<CustodyEntry>;
}

/*
 * Staging, shared by both stores: a temporary file in `dir`, synced to disk before it is offered
 * to the store, so a blob renamed into place (SQLite) or copied into the database (PostgreSQL)
 * is the whole upload.
 */

const HEAD_BYTES = 4096;

export class EvidenceTooLargeError extends TrucelineError {
  constructor(limit: number, size: number, cutOff: boolean) {
    super(
      413,
      'evidence-too-large',
      'Evidence too large',
      `upload of ${size}${cutOff ? '+' : ''} bytes exceeds the evidence limit of ${limit} bytes (TRUCELINE_MAX_EVIDENCE)`,
      '(body)',
      { limit, size },
    );
  }
}

/** Staging files this old are left by a process that died mid-upload: no live upload takes a day. */
export const STALE_STAGING_MS = 24 * 3600 * 1000;

/** Removes what uploads cut off by a crash left in the staging folder. */
export async function sweepStaging(dir: string, now = Date.now()): Promise<number> {
  let removed = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.endsWith('.part')) continue;
    const path = join(dir, name);
    const s = await stat(path).catch(() => undefined);
    if (s && now - s.mtimeMs > STALE_STAGING_MS && (await unlink(path).then(() => true, () => false))) removed++;
  }
  return removed;
}

export async function stageToFile(source: AsyncIterable<Buffer | string>, dir: string, limit: number): Promise<StagedBlob> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${uuidv7()}.part`);
  const fh = await open(path, 'wx', 0o600);
  const hash = createHash('sha256');
  const heads: Buffer[] = [];
  let headSize = 0;
  let size = 0;
  // A Readable is not destroyed when reading stops early: destroying a request destroys its
  // socket, and the 413 could not be answered. The server drops the unread rest with the connection.
  const pieces = typeof (source as Partial<Readable>).iterator === 'function' ? (source as Readable).iterator({ destroyOnReturn: false }) : source;
  try {
    for await (const piece of pieces) {
      const chunk = typeof piece === 'string' ? Buffer.from(piece) : piece;
      size += chunk.length;
      if (size > limit) throw new EvidenceTooLargeError(limit, size, true);
      hash.update(chunk);
      if (headSize < HEAD_BYTES) {
        heads.push(chunk.subarray(0, HEAD_BYTES - headSize));
        headSize += Math.min(chunk.length, HEAD_BYTES - headSize);
      }
      // A write may take less than the chunk; write until all of it is down.
      for (let off = 0; off < chunk.length; ) off += (await fh.write(chunk, off)).bytesWritten;
    }
    if (size === 0) throw new InvalidInputError('(body)', 'is empty: send the file as the request body');
    await fh.sync();
    await fh.close();
  } catch (err) {
    await fh.close().catch(() => undefined);
    await unlink(path).catch(() => undefined);
    if (err instanceof TrucelineError) throw err;
    throw new TrucelineError(400, 'upload-interrupted', 'Upload interrupted', `the upload stopped after ${size} bytes (${(err as Error).message}); nothing was stored`, '(body)', {
      received: size,
    });
  }
  return { sha256: hash.digest('hex'), size, head: Buffer.concat(heads), path, discard: () => unlink(path).catch(() => undefined) };
}

/*
 * What both SQL stores share: rows, their mapping and the WHERE clauses. Only the placeholder
 * syntax differs (`?` for SQLite, `$n` for PostgreSQL). A missing target is stored as '' in both
 * target columns, so that the uniqueness of (bytes, target, label) holds for it too (NULLs are
 * never equal in a unique index).
 */

export const NO_TARGET = '';

export type ContentRow = { sha256: string; size: number; media_type: string; capture: string | null; first_seen_at: string };
export type AttachmentRow = {
  id: string;
  sha256: string;
  target_kind: string;
  target_id: string;
  releasability: string;
  filename: string | null;
  declared_type: string | null;
  added_by: string;
  added_at: string;
  added_at_ms: number;
  check_doc: string | null;
};
export type CustodyRow = {
  seq: number;
  sha256: string;
  action: CustodyAction;
  actor: string;
  at: string;
  address: string | null;
  attachment_id: string | null;
  releasability: string;
  byte_range: string | null;
};

export const CONTENT_COLUMNS = 'sha256, size, media_type, capture, first_seen_at';
export const ATTACHMENT_COLUMNS = 'id, sha256, target_kind, target_id, releasability, filename, declared_type, added_by, added_at, added_at_ms, check_doc';
export const CUSTODY_COLUMNS = 'seq, sha256, action, actor, at, address, attachment_id, releasability, byte_range';

export const contentFromRow = (r: ContentRow): EvidenceContent => ({
  sha256: r.sha256,
  size: Number(r.size),
  mediaType: r.media_type,
  capture: r.capture ? (JSON.parse(r.capture) as ExifCapture) : null,
  firstSeenAt: r.first_seen_at,
});

export const attachmentFromRow = (r: AttachmentRow): EvidenceAttachment => ({
  id: r.id,
  sha256: r.sha256,
  target: r.target_kind === NO_TARGET ? null : { kind: r.target_kind as EvidenceTargetKind, id: r.target_id },
  releasability: r.releasability,
  filename: r.filename,
  declaredType: r.declared_type,
  addedBy: r.added_by,
  addedAt: r.added_at,
  check: r.check_doc ? (JSON.parse(r.check_doc) as EvidenceCheck) : null,
});

export const custodyFromRow = (r: CustodyRow): CustodyEntry => ({
  seq: Number(r.seq),
  sha256: r.sha256,
  action: r.action,
  actor: r.actor,
  at: r.at,
  address: r.address,
  attachmentId: r.attachment_id,
  releasability: r.releasability,
  range: r.byte_range,
});

/** The values of an attachment row, in ATTACHMENT_COLUMNS order. */
export const attachmentValues = (sha256: string, a: NewAttachment): unknown[] => [
  a.id,
  sha256,
  a.target?.kind ?? NO_TARGET,
  a.target?.id ?? NO_TARGET,
  a.releasability,
  a.filename,
  a.declaredType,
  a.addedBy,
  a.addedAt,
  Date.parse(a.addedAt),
  a.check ? JSON.stringify(a.check) : null,
];

export interface EvidenceSql {
  sql: string;
  params: unknown[];
}

/** A builder of `WHERE` parts with placeholders numbered in order. */
export function sqlParams(placeholder: (index: number) => string): { params: unknown[]; p: (v: unknown) => string } {
  const params: unknown[] = [];
  return {
    params,
    p: (v: unknown) => {
      params.push(v);
      return placeholder(params.length);
    },
  };
}

/** The releasability predicate on a label column, or TRUE when everything is visible. */
export const visibleSql = (v: Visibility, column: string, p: (v: unknown) => string): string => visibilityClause(v, column, p) ?? 'TRUE';

/** The WHERE of a list query: `filter` counts the total, `page` adds the keyset cursor. Releasability always applies. */
export function evidenceWhere(q: Omit<EvidenceQuery, 'limit'>, placeholder: (index: number) => string): { filter: EvidenceSql; page: EvidenceSql } {
  const build = (withCursor: boolean): EvidenceSql => {
    const { params, p } = sqlParams(placeholder);
    const clauses = [visibleSql(q.visibility, 'a.releasability', p)];
    if (q.target) clauses.push(`a.target_kind = ${p(q.target.kind)} AND a.target_id = ${p(q.target.id)}`);
    if (q.sha256 !== undefined) clauses.push(`a.sha256 = ${p(q.sha256)}`);
    if (withCursor && q.cursor !== undefined) {
      const k = decodeCursor(q.cursor);
      if (!k) throw new InvalidInputError('cursor', 'is not a cursor this server issued');
      clauses.push(`a.added_at_ms <= ${p(k.t)} AND (a.added_at_ms < ${p(k.t)} OR a.id < ${p(k.id)})`);
    }
    return { sql: `WHERE ${clauses.join(' AND ')}`, params };
  };
  return { filter: build(false), page: build(true) };
}

export const LIST_COLUMNS = `a.id, a.sha256, a.target_kind, a.target_id, a.releasability, a.filename, a.declared_type, a.added_by, a.added_at, a.added_at_ms, a.check_doc,
  e.size, e.media_type, e.capture, e.first_seen_at`;

/** The page from up to limit + 1 rows (the extra one only says there is more), newest first. */
export function evidencePage(rows: (AttachmentRow & Omit<ContentRow, 'sha256'>)[], limit: number, total: number): Page<EvidenceListItem> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  return {
    items: kept.map((r) => ({ content: contentFromRow(r), attachment: attachmentFromRow(r) })),
    total,
    nextCursor: more && last ? encodeCursor({ t: Number(last.added_at_ms), id: last.id }) : null,
  };
}

/** The range to serve: the picked one, or the whole file. */
export const rangeOf = (size: number, pick?: ByteRangePick): { start: number; end: number } => (pick ? pick(size) : { start: 0, end: size - 1 });
