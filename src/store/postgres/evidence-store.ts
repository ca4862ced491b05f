import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type pg from 'pg';
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
import type { Page } from '../repository';
import { recordChanges } from './change-feed';
import { inTransaction } from './transaction';

/** 1 MiB: large enough that a 200 MB video is 200 rows, small enough to hold a few in memory per request. */
export const CHUNK_SIZE = 1024 * 1024;

type Db = pg.Pool | pg.PoolClient;

/**
 * Evidence in PostgreSQL, bytes included (see migrations/012_evidence.sql for why). Uploads are
 * staged in this host's temporary folder, then copied into the database chunk by chunk inside the
 * transaction that writes the row: the row and its bytes commit together or not at all. Two
 * concurrent uploads of the same new bytes: the second waits on the first's primary key, then
 * finds the row and writes no chunks.
 */
export class PgEvidence implements EvidenceRepository {
  /** Once per process, before the first upload: what a crash left staged. */
  private swept: Promise<number> | undefined;

  constructor(
    private readonly pool: pg.Pool,
    readonly stagingDir = join(tmpdir(), 'truceline-evidence-staging'),
  ) {}

  async stage(source: AsyncIterable<Buffer | string>, limit: number): Promise<StagedBlob> {
    this.swept ??= sweepStaging(this.stagingDir);
    await this.swept;
    return stageToFile(source, this.stagingDir, limit);
  }

  async add(staged: StagedBlob | null, w: EvidenceWrite): Promise<EvidenceAdded> {
    const sha256 = w.content.sha256;
    try {
      return await inTransaction(this.pool, async (client) => {
        let contentCreated = false;
        if (staged) {
          const r = await client.query(`INSERT INTO evidence (${CONTENT_COLUMNS}, chunk_size) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (sha256) DO NOTHING`, [
            sha256,
            w.content.size,
            w.content.mediaType,
            w.content.capture ? JSON.stringify(w.content.capture) : null,
            w.content.firstSeenAt,
            CHUNK_SIZE,
          ]);
          contentCreated = r.rowCount === 1;
          if (contentCreated) await this.copyIn(client, sha256, staged.path);
        } else if ((await client.query('SELECT 1 FROM evidence WHERE sha256 = $1', [sha256])).rowCount === 0) {
          throw new NotFoundError('evidence', sha256);
        }
        const created: string[] = [];
        const attachments = [];
        for (const a of w.attachments) {
          const ins = await client.query(
            `INSERT INTO evidence_attachments (${ATTACHMENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             ON CONFLICT (sha256, target_kind, target_id, releasability) DO NOTHING`,
            attachmentValues(sha256, a),
          );
          const row = (
            await client.query<AttachmentRow>(
              `SELECT ${ATTACHMENT_COLUMNS} FROM evidence_attachments WHERE sha256 = $1 AND target_kind = $2 AND target_id = $3 AND releasability = $4`,
              [sha256, a.target?.kind ?? NO_TARGET, a.target?.id ?? NO_TARGET, a.releasability],
            )
          ).rows[0]!;
          await client.query('INSERT INTO evidence_custody (sha256, action, actor, at, address, attachment_id, releasability, byte_range) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)', [
            sha256,
            w.custody.action,
            w.custody.actor,
            w.custody.at,
            w.custody.address,
            row.id,
            row.releasability,
          ]);
          if (ins.rowCount === 1) created.push(row.id);
          attachments.push({ attachment: attachmentFromRow(row), created: ins.rowCount === 1 });
        }
        await recordChanges(client, 'evidence', 'created', created);
        return { contentCreated, attachments };
      });
    } finally {
      await staged?.discard();
    }
  }

  private async copyIn(client: pg.PoolClient, sha256: string, path: string): Promise<void> {
    const fh = await open(path, 'r');
    try {
      const buf = Buffer.alloc(CHUNK_SIZE);
      for (let n = 0; ; n++) {
        let filled = 0;
        while (filled < CHUNK_SIZE) {
          const { bytesRead } = await fh.read(buf, filled, CHUNK_SIZE - filled);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        if (filled === 0) break;
        await client.query('INSERT INTO evidence_chunks (sha256, n, data) VALUES ($1, $2, $3)', [sha256, n, buf.subarray(0, filled)]);
        if (filled < CHUNK_SIZE) break;
      }
    } finally {
      await fh.close();
    }
  }

  async get(sha256: string, visibility: Visibility): Promise<Evidence | undefined> {
    if (!SHA256_PATTERN.test(sha256)) return undefined;
    const content = await this.visibleContent(this.pool, sha256, visibility);
    if (!content) return undefined;
    const a = sqlParams((i) => `$${i}`);
    const attachments = await this.pool.query<AttachmentRow>(
      `SELECT ${ATTACHMENT_COLUMNS} FROM evidence_attachments a WHERE sha256 = ${a.p(sha256)} AND ${visibleSql(visibility, 'a.releasability', a.p)} ORDER BY added_at_ms, id`,
      a.params,
    );
    const c = sqlParams((i) => `$${i}`);
    const custody = await this.pool.query<CustodyRow>(
      `SELECT ${CUSTODY_COLUMNS} FROM evidence_custody WHERE sha256 = ${c.p(sha256)} AND ${visibleSql(visibility, 'releasability', c.p)} ORDER BY seq`,
      c.params,
    );
    return { ...contentFromRow(content), attachments: attachments.rows.map(attachmentFromRow), custody: custody.rows.map(custodyFromRow) };
  }

  async attachment(id: string, visibility: Visibility): Promise<EvidenceAttachment | undefined> {
    const a = sqlParams((i) => `$${i}`);
    const row = (await this.pool.query<AttachmentRow>(`SELECT ${ATTACHMENT_COLUMNS} FROM evidence_attachments a WHERE id = ${a.p(id)} AND ${visibleSql(visibility, 'a.releasability', a.p)}`, a.params))
      .rows[0];
    return row && attachmentFromRow(row);
  }

  async list(q: EvidenceQuery): Promise<Page<EvidenceListItem>> {
    const { filter, page } = evidenceWhere(q, (i) => `$${i}`);
    const rows = (
      await this.pool.query<AttachmentRow & ContentRow>(
        `SELECT ${LIST_COLUMNS} FROM evidence_attachments a JOIN evidence e ON e.sha256 = a.sha256 ${page.sql} ORDER BY a.added_at_ms DESC, a.id DESC LIMIT $${page.params.length + 1}`,
        [...page.params, q.limit + 1],
      )
    ).rows;
    const total =
      q.cursor === undefined && rows.length <= q.limit
        ? rows.length
        : Number((await this.pool.query<{ n: number }>(`SELECT count(*) AS n FROM evidence_attachments a ${filter.sql}`, filter.params)).rows[0]!.n);
    return evidencePage(rows, q.limit, total);
  }

  async open(sha256: string, visibility: Visibility, range?: ByteRangePick): Promise<EvidenceBytes | undefined> {
    if (!SHA256_PATTERN.test(sha256)) return undefined;
    const row = await this.visibleContent(this.pool, sha256, visibility);
    if (!row) return undefined;
    const content = contentFromRow(row);
    const chunkSize = Number(row.chunk_size);
    const { start, end } = rangeOf(content.size, range);
    const pool = this.pool;
    // One chunk in memory at a time, fetched as the client reads: a slow download holds no connection between chunks.
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let n = Math.floor(start / chunkSize); n <= Math.floor(end / chunkSize); n++) {
        const r = await pool.query<{ data: Buffer }>('SELECT data FROM evidence_chunks WHERE sha256 = $1 AND n = $2', [sha256, n]);
        const data = r.rows[0]?.data;
        if (!data) throw new Error(`evidence ${sha256}: chunk ${n} is missing`);
        const from = n * chunkSize;
        yield data.subarray(Math.max(0, start - from), Math.min(data.length, end - from + 1));
      }
    }
    return { content, stream: Readable.from(chunks(), { objectMode: false }), start, end };
  }

  async recordCustody(e: Omit<CustodyEntry, 'seq'>): Promise<CustodyEntry> {
    const r = await this.pool.query<CustodyRow>(
      `INSERT INTO evidence_custody (sha256, action, actor, at, address, attachment_id, releasability, byte_range) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${CUSTODY_COLUMNS}`,
      [e.sha256, e.action, e.actor, e.at, e.address, e.attachmentId, e.releasability, e.range],
    );
    return custodyFromRow(r.rows[0]!);
  }

  private async visibleContent(db: Db, sha256: string, visibility: Visibility): Promise<(ContentRow & { chunk_size: number }) | undefined> {
    const c = sqlParams((i) => `$${i}`);
    const sql = `SELECT ${CONTENT_COLUMNS}, chunk_size FROM evidence e WHERE e.sha256 = ${c.p(sha256)}
      AND EXISTS (SELECT 1 FROM evidence_attachments a WHERE a.sha256 = e.sha256 AND ${visibleSql(visibility, 'a.releasability', c.p)})`;
    return (await db.query<ContentRow & { chunk_size: number }>(sql, c.params)).rows[0];
  }
}
