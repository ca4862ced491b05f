import type pg from 'pg';
import { appendedNodes, rangeNodes, type NodeRef } from '../../domain/merkle';
import type { Checkpoint, LogEntry, LogHead, LogKey, LogRepository, NewLogEntry } from '../log-repository';
import { inTransaction } from './transaction';

type EntryRow = { leaf_index: number; change_seq: number; entity: string; entity_id: string; op: string; at: string; data: string; leaf_hash: Buffer };
type CheckpointRow = { tree_size: number; root_hash: Buffer; timestamp: string; signature: Buffer; key_id: string };
type KeyRow = { key_id: string; public_key: string; private_key: string | null; source: LogKey['source']; created_at: string };

const ENTRY_COLUMNS = 'leaf_index, change_seq, entity, entity_id, op, at, data, leaf_hash';
const entryFromRow = (r: EntryRow): LogEntry => ({
  index: Number(r.leaf_index),
  seq: Number(r.change_seq),
  entity: r.entity,
  id: r.entity_id,
  op: r.op,
  at: r.at,
  data: r.data,
  leafHash: r.leaf_hash,
});
const checkpointFromRow = (r: CheckpointRow): Checkpoint => ({ treeSize: Number(r.tree_size), rootHash: r.root_hash, timestamp: r.timestamp, signature: r.signature, keyId: r.key_id });
const keyFromRow = (r: KeyRow): LogKey => ({ keyId: r.key_id, publicKey: r.public_key, privateKey: r.private_key, source: r.source, createdAt: r.created_at });
const KEY_COLUMNS = 'key_id, public_key, private_key, source, created_at';
const CHECKPOINT_COLUMNS = 'tree_size, root_hash, timestamp, signature, key_id';

async function readNodes(db: pg.ClientBase | pg.Pool, refs: NodeRef[]): Promise<Buffer[]> {
  if (refs.length === 0) return [];
  const r = await db.query<{ ord: number; hash: Buffer }>(
    `SELECT u.ord, COALESCE(e.leaf_hash, n.hash) AS hash
       FROM unnest($1::int[], $2::bigint[]) WITH ORDINALITY AS u(level, idx, ord)
       LEFT JOIN log_entries e ON u.level = 0 AND e.leaf_index = u.idx
       LEFT JOIN log_nodes n ON u.level > 0 AND n.level = u.level AND n.node_index = u.idx
      ORDER BY u.ord`,
    [refs.map((n) => n.level), refs.map((n) => n.index)],
  );
  return refs.map((ref, i) => {
    const h = r.rows[i]?.hash;
    if (!h) throw new Error(`transparency log: node (${ref.level}, ${ref.index}) is missing`);
    return h;
  });
}

/**
 * The transparency log in PostgreSQL. Every process serving the store runs a writer; the row
 * lock on log_head (held to COMMIT) makes their appends take turns, and each appends only what
 * lies beyond the position it finds under the lock.
 */
export class PgLog implements LogRepository {
  constructor(private readonly pool: pg.Pool) {}

  async head(): Promise<LogHead> {
    const r = await this.pool.query<{ position: number; size: number }>('SELECT position, (SELECT COALESCE(MAX(leaf_index) + 1, 0) FROM log_entries) AS size FROM log_head');
    const row = r.rows[0]!;
    return { position: Number(row.position), size: Number(row.size) };
  }

  async append(entries: NewLogEntry[], through: number): Promise<{ appended: number; size: number }> {
    return inTransaction(this.pool, async (c) => {
      const h = await c.query<{ position: number }>('SELECT position FROM log_head FOR UPDATE');
      const position = Number(h.rows[0]!.position);
      const s = await c.query<{ size: number }>('SELECT COALESCE(MAX(leaf_index) + 1, 0) AS size FROM log_entries');
      const size = Number(s.rows[0]!.size);
      const fresh = entries.filter((e) => e.seq > position).sort((a, b) => a.seq - b.seq);
      if (fresh.length) {
        const frontier = await readNodes(c, rangeNodes({ start: 0, end: size }));
        await c.query(
          `INSERT INTO log_entries (${ENTRY_COLUMNS})
           SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bytea[])`,
          [fresh.map((_, i) => size + i), fresh.map((e) => e.seq), fresh.map((e) => e.entity), fresh.map((e) => e.id), fresh.map((e) => e.op), fresh.map((e) => e.at), fresh.map((e) => e.data), fresh.map((e) => e.leafHash)],
        );
        const nodes = appendedNodes(
          size,
          frontier,
          fresh.map((e) => e.leafHash),
        );
        if (nodes.length)
          await c.query('INSERT INTO log_nodes (level, node_index, hash) SELECT * FROM unnest($1::int[], $2::bigint[], $3::bytea[])', [nodes.map((n) => n.level), nodes.map((n) => n.index), nodes.map((n) => n.hash)]);
      }
      const next = Math.max(position, through, fresh.at(-1)?.seq ?? 0);
      if (next !== position) await c.query('UPDATE log_head SET position = $1', [next]);
      return { appended: fresh.length, size: size + fresh.length };
    });
  }

  async get(index: number): Promise<LogEntry | undefined> {
    const r = await this.pool.query<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM log_entries WHERE leaf_index = $1`, [index]);
    return r.rows[0] && entryFromRow(r.rows[0]);
  }

  async range(from: number, limit: number): Promise<LogEntry[]> {
    const r = await this.pool.query<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM log_entries WHERE leaf_index >= $1 ORDER BY leaf_index LIMIT $2`, [from, limit]);
    return r.rows.map(entryFromRow);
  }

  async forRecord(entity: string, id: string, limit: number): Promise<LogEntry[]> {
    const r = await this.pool.query<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM log_entries WHERE entity = $1 AND entity_id = $2 ORDER BY leaf_index LIMIT $3`, [entity, id, limit]);
    return r.rows.map(entryFromRow);
  }

  async latestByRecord(after: { entity: string; id: string } | null, limit: number): Promise<LogEntry[]> {
    const r = await this.pool.query<EntryRow>(
      `SELECT ${ENTRY_COLUMNS.split(', ').map((c) => `e.${c}`).join(', ')} FROM log_entries e JOIN (
         SELECT MAX(leaf_index) AS latest FROM log_entries WHERE (entity, entity_id) > ($1, $2)
         GROUP BY entity, entity_id ORDER BY entity, entity_id LIMIT $3) m ON e.leaf_index = m.latest
       ORDER BY e.entity, e.entity_id`,
      [after?.entity ?? '', after?.id ?? '', limit],
    );
    return r.rows.map(entryFromRow);
  }

  async nodes(refs: NodeRef[]): Promise<Buffer[]> {
    return readNodes(this.pool, refs);
  }

  async storedNodes(after: NodeRef | null, limit: number): Promise<(NodeRef & { hash: Buffer })[]> {
    const r = await this.pool.query<{ level: number; node_index: number; hash: Buffer }>(
      'SELECT level, node_index, hash FROM log_nodes WHERE (level, node_index) > ($1, $2) ORDER BY level, node_index LIMIT $3',
      [after?.level ?? 0, after?.index ?? -1, limit],
    );
    return r.rows.map((row) => ({ level: Number(row.level), index: Number(row.node_index), hash: row.hash }));
  }

  async addCheckpoint(c: Checkpoint): Promise<void> {
    await this.pool.query(`INSERT INTO log_checkpoints (${CHECKPOINT_COLUMNS}) VALUES ($1, $2, $3, $4, $5)`, [c.treeSize, c.rootHash, c.timestamp, c.signature, c.keyId]);
  }

  async checkpoints(q: { limit: number; beforeSize?: number }): Promise<Checkpoint[]> {
    const r = await this.pool.query<CheckpointRow>(
      `SELECT ${CHECKPOINT_COLUMNS} FROM log_checkpoints WHERE tree_size < $1 ORDER BY tree_size DESC, timestamp DESC, id DESC LIMIT $2`,
      [q.beforeSize ?? Number.MAX_SAFE_INTEGER, q.limit],
    );
    return r.rows.map(checkpointFromRow);
  }

  async checkpointAt(treeSize: number): Promise<Checkpoint | undefined> {
    const r = await this.pool.query<CheckpointRow>(`SELECT ${CHECKPOINT_COLUMNS} FROM log_checkpoints WHERE tree_size = $1 ORDER BY timestamp DESC, id DESC LIMIT 1`, [treeSize]);
    return r.rows[0] && checkpointFromRow(r.rows[0]);
  }

  async keys(): Promise<LogKey[]> {
    const r = await this.pool.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM log_keys ORDER BY created_at, key_id`);
    return r.rows.map(keyFromRow);
  }

  async saveKey(key: LogKey): Promise<LogKey> {
    await this.pool.query(`INSERT INTO log_keys (${KEY_COLUMNS}) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, [key.keyId, key.publicKey, key.privateKey, key.source, key.createdAt]);
    const r =
      key.source === 'generated'
        ? await this.pool.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM log_keys WHERE source = 'generated'`)
        : await this.pool.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM log_keys WHERE key_id = $1`, [key.keyId]);
    return keyFromRow(r.rows[0]!);
  }
}
