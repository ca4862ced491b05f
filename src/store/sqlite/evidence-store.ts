import type Database from 'better-sqlite3';
import type { SqliteStoreFeed } from './store-feed';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { mkdir, open, rename, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { NotFoundError } from '../../domain/errors';
import type { Visibility } from '../../domain/identity';
import { SHA256_PATTERN, type CustodyEntry, type Evidence, type EvidenceAttachment } from '../../domain/evidence';
import {
  ATTACHMENT_COLUMNS,
  CONTENT_COLUMNS,
  CUSTODY_COLUMNS,
  LIST_COLUMNS,
  NO_TARGET,
  attachmentFromRow,
  attachmentValues,
  rangeOf,
  contentFromRow,
  custodyFromRow,
  evidencePage,
  evidenceWhere,
  sqlParams,
  stageToFile,
  sweepStaging,
  visibleSql,
  type AttachmentRow,
  type ByteRangePick,
  type ContentRow,
  type CustodyRow,
  type EvidenceAdded,
  type EvidenceBytes,
  type EvidenceListItem,
  type EvidenceQuery,
  type EvidenceRepository,
  type EvidenceWrite,
  type StagedBlob,
} from '../evidence-repository';
import type { ChangeEvent, Page } from '../repository';


/**
 * Where a database file keeps its evidence bytes: a folder beside it named like SQLite's own
 * companions (`truceline.db-wal`), so that a backup that copies `truceline.db*` takes them too.
 * An in-memory database keeps them in a temporary folder removed when the process exits.
 */
export function evidenceDirOf(file: string): string {
  if (file !== ':memory:' && file !== '') return `${file}-evidence`;
  const dir = mkdtempSync(join(tmpdir(), 'truceline-evidence-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Evidence in SQLite: rows in the database, bytes in a content-addressed folder
 * (`<dir>/ab/cd/<sha256>`, two levels so no folder holds more than a few thousand files). A blob
 * is staged in `<dir>/tmp` (same file system), synced, then renamed into place, and the folder
 * synced: a blob file under its hash is always whole. The blob is placed before its row commits:
 * a crash between the two leaves a blob without a row, which the next upload of the same bytes
 * reuses, never a row without its bytes.
 */
export class SqliteEvidence implements EvidenceRepository {
  private readonly insertContent: Database.Statement;
  private readonly contentExists: Database.Statement;
  private readonly insertAttachment: Database.Statement;
  private readonly attachmentByKey: Database.Statement;
  private readonly insertCustody: Database.Statement;
  /** Once per process, before the first upload: what a crash left staged. */
  private swept: Promise<number> | undefined;

  constructor(
    private readonly db: Database.Database,
    private readonly feed: SqliteStoreFeed,
    private readonly dir: string,
  ) {
    this.insertContent = db.prepare(`INSERT INTO evidence (${CONTENT_COLUMNS}) VALUES (?, ?, ?, ?, ?) ON CONFLICT(sha256) DO NOTHING`);
    this.contentExists = db.prepare('SELECT 1 FROM evidence WHERE sha256 = ?').pluck();
    this.insertAttachment = db.prepare(
      `INSERT INTO evidence_attachments (${ATTACHMENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(sha256, target_kind, target_id, releasability) DO NOTHING`,
    );
    this.attachmentByKey = db.prepare(
      `SELECT ${ATTACHMENT_COLUMNS} FROM evidence_attachments WHERE sha256 = ? AND target_kind = ? AND target_id = ? AND releasability = ?`,
    );
    this.insertCustody = db.prepare(
      `INSERT INTO evidence_custody (sha256, action, actor, at, address, attachment_id, releasability, byte_range) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${CUSTODY_COLUMNS}`,
    );
  }

  get stagingDir(): string {
    return join(this.dir, 'tmp');
  }

  private blobPath(sha256: string): string {
    return join(this.dir, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  async stage(source: AsyncIterable<Buffer | string>, limit: number): Promise<StagedBlob> {
    this.swept ??= sweepStaging(this.stagingDir);
    await this.swept;
    return stageToFile(source, this.stagingDir, limit);
  }

  async add(staged: StagedBlob | null, w: EvidenceWrite): Promise<EvidenceAdded> {
    const sha256 = w.content.sha256;
    try {
      if (staged) await this.place(staged);
      const done = this.db
        .transaction(() => {
          const contentCreated = staged ? this.insertContent.run(sha256, w.content.size, w.content.mediaType, w.content.capture ? JSON.stringify(w.content.capture) : null, w.content.firstSeenAt).changes === 1 : false;
          if (!staged && !this.contentExists.get(sha256)) throw new NotFoundError('evidence', sha256);
          const events: ChangeEvent[] = [];
          const attachments = w.attachments.map((a) => {
            const created = this.insertAttachment.run(...attachmentValues(sha256, a)).changes === 1;
            const row = this.attachmentByKey.get(sha256, a.target?.kind ?? NO_TARGET, a.target?.id ?? NO_TARGET, a.releasability) as AttachmentRow;
            this.insertCustody.get(sha256, w.custody.action, w.custody.actor, w.custody.at, w.custody.address, row.id, row.releasability, null);
            if (created) events.push(this.feed.record('evidence', 'created', row.id, new Date().toISOString()));
            return { attachment: attachmentFromRow(row), created };
          });
          return { result: { contentCreated, attachments }, events };
        })
        .immediate();
      this.feed.emit(done.events);
      return done.result;
    } finally {
      await staged?.discard();
    }
  }

  /** Renames the staged file into place unless the bytes are there already, then syncs the folder (the rename itself must survive a crash). */
  private async place(staged: StagedBlob): Promise<void> {
    const target = this.blobPath(staged.sha256);
    const existing = await stat(target).catch(() => undefined);
    if (existing?.size === staged.size) return;
    await mkdir(dirname(target), { recursive: true });
    await rename(staged.path, target);
    const folder = await open(dirname(target), 'r');
    try {
      await folder.sync();
    } catch {
      // Some file systems (and Windows) cannot sync a folder; the rename is still atomic.
    } finally {
      await folder.close();
    }
  }

  async get(sha256: string, visibility: Visibility): Promise<Evidence | undefined> {
    if (!SHA256_PATTERN.test(sha256)) return undefined;
    const content = this.visibleContent(sha256, visibility);
    if (!content) return undefined;
    const a = sqlParams(() => '?');
    const attachments = this.db
      .prepare(`SELECT ${ATTACHMENT_COLUMNS} FROM evidence_attachments a WHERE sha256 = ${a.p(sha256)} AND ${visibleSql(visibility, 'a.releasability', a.p)} ORDER BY added_at_ms, id`)
      .all(...a.params) as AttachmentRow[];
    const c = sqlParams(() => '?');
    const custody = this.db
      .prepare(`SELECT ${CUSTODY_COLUMNS} FROM evidence_custody WHERE sha256 = ${c.p(sha256)} AND ${visibleSql(visibility, 'releasability', c.p)} ORDER BY seq`)
      .all(...c.params) as CustodyRow[];
    return { ...contentFromRow(content), attachments: attachments.map(attachmentFromRow), custody: custody.map(custodyFromRow) };
  }

  async attachment(id: string, visibility: Visibility): Promise<EvidenceAttachment | undefined> {
    const a = sqlParams(() => '?');
    const row = this.db.prepare(`SELECT ${ATTACHMENT_COLUMNS} FROM evidence_attachments a WHERE id = ${a.p(id)} AND ${visibleSql(visibility, 'a.releasability', a.p)}`).get(...a.params) as
      | AttachmentRow
      | undefined;
    return row && attachmentFromRow(row);
  }

  async list(q: EvidenceQuery): Promise<Page<EvidenceListItem>> {
    const { filter, page } = evidenceWhere(q, () => '?');
    const rows = this.db
      .prepare(`SELECT ${LIST_COLUMNS} FROM evidence_attachments a JOIN evidence e ON e.sha256 = a.sha256 ${page.sql} ORDER BY a.added_at_ms DESC, a.id DESC LIMIT ?`)
      .all(...page.params, q.limit + 1) as (AttachmentRow & ContentRow)[];
    const total =
      q.cursor === undefined && rows.length <= q.limit
        ? rows.length
        : (this.db.prepare(`SELECT COUNT(*) FROM evidence_attachments a ${filter.sql}`).pluck().get(...filter.params) as number);
    return evidencePage(rows, q.limit, total);
  }

  async open(sha256: string, visibility: Visibility, range?: ByteRangePick): Promise<EvidenceBytes | undefined> {
    if (!SHA256_PATTERN.test(sha256)) return undefined;
    const row = this.visibleContent(sha256, visibility);
    if (!row) return undefined;
    const content = contentFromRow(row);
    const { start, end } = rangeOf(content.size, range);
    const path = this.blobPath(sha256);
    const found = await stat(path).catch(() => undefined);
    // A row without its bytes is damage to the store (a deleted or moved folder), not a client error.
    if (found?.size !== content.size) throw new Error(`evidence ${sha256}: its bytes are missing or truncated at ${path}`);
    return { content, stream: createReadStream(path, { start, end }), start, end };
  }

  async recordCustody(e: Omit<CustodyEntry, 'seq'>): Promise<CustodyEntry> {
    const row = this.insertCustody.get(e.sha256, e.action, e.actor, e.at, e.address, e.attachmentId, e.releasability, e.range) as CustodyRow;
    return custodyFromRow(row);
  }

  private visibleContent(sha256: string, visibility: Visibility): ContentRow | undefined {
    const c = sqlParams(() => '?');
    const sql = `SELECT ${CONTENT_COLUMNS} FROM evidence e WHERE e.sha256 = ${c.p(sha256)}
      AND EXISTS (SELECT 1 FROM evidence_attachments a WHERE a.sha256 = e.sha256 AND ${visibleSql(visibility, 'a.releasability', c.p)})`;
    return this.db.prepare(sql).get(...c.params) as ContentRow | undefined;
  }
}
