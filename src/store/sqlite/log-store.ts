import type Database from 'better-sqlite3';
import { appendedNodes, rangeNodes, type NodeRef } from '../../domain/merkle';
import type { Checkpoint, LogEntry, LogHead, LogKey, LogRepository, NewLogEntry } from '../log-repository';

type EntryRow = { leaf_index: number; change_seq: number; entity: string; entity_id: string; op: string; at: string; data: string; leaf_hash: Buffer };
type CheckpointRow = { tree_size: number; root_hash: Buffer; timestamp: string; signature: Buffer; key_id: string };
type KeyRow = { key_id: string; public_key: string; private_key: string | null; source: LogKey['source']; created_at: string };

const ENTRY_COLUMNS = 'leaf_index, change_seq, entity, entity_id, op, at, data, leaf_hash';
const entryFromRow = (r: EntryRow): LogEntry => ({ index: r.leaf_index, seq: r.change_seq, entity: r.entity, id: r.entity_id, op: r.op, at: r.at, data: r.data, leafHash: r.leaf_hash });
const checkpointFromRow = (r: CheckpointRow): Checkpoint => ({ treeSize: r.tree_size, rootHash: r.root_hash, timestamp: r.timestamp, signature: r.signature, keyId: r.key_id });
const keyFromRow = (r: KeyRow): LogKey => ({ keyId: r.key_id, publicKey: r.public_key, privateKey: r.private_key, source: r.source, createdAt: r.created_at });

/** The transparency log in SQLite: one writing process per file, so a transaction is the whole lock. */
export class SqliteLog implements LogRepository {
  private readonly headStmt: Database.Statement;
  private readonly insertEntry: Database.Statement;
  private readonly insertNode: Database.Statement;
  private readonly leafHashAt: Database.Statement;
  private readonly nodeAt: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.headStmt = db.prepare('SELECT position, (SELECT COALESCE(MAX(leaf_index) + 1, 0) FROM log_entries) AS size FROM log_head');
    this.insertEntry = db.prepare(`INSERT INTO log_entries (${ENTRY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    this.insertNode = db.prepare('INSERT INTO log_nodes (level, node_index, hash) VALUES (?, ?, ?)');
    this.leafHashAt = db.prepare('SELECT leaf_hash FROM log_entries WHERE leaf_index = ?').pluck();
    this.nodeAt = db.prepare('SELECT hash FROM log_nodes WHERE level = ? AND node_index = ?').pluck();
  }

  async head(): Promise<LogHead> {
    return this.headStmt.get() as LogHead;
  }

  async append(entries: NewLogEntry[], through: number): Promise<{ appended: number; size: number }> {
    return this.db
      .transaction(() => {
        const head = this.headStmt.get() as LogHead;
        const fresh = entries.filter((e) => e.seq > head.position).sort((a, b) => a.seq - b.seq);
        const frontier = this.nodesSync(rangeNodes({ start: 0, end: head.size }));
        fresh.forEach((e, i) => this.insertEntry.run(head.size + i, e.seq, e.entity, e.id, e.op, e.at, e.data, e.leafHash));
        for (const n of appendedNodes(
          head.size,
          frontier,
          fresh.map((e) => e.leafHash),
        ))
          this.insertNode.run(n.level, n.index, n.hash);
        const position = Math.max(head.position, through, fresh.at(-1)?.seq ?? 0);
        if (position !== head.position) this.db.prepare('UPDATE log_head SET position = ?').run(position);
        return { appended: fresh.length, size: head.size + fresh.length };
      })
      .immediate();
  }

  async get(index: number): Promise<LogEntry | undefined> {
    const r = this.db.prepare(`SELECT ${ENTRY_COLUMNS} FROM log_entries WHERE leaf_index = ?`).get(index) as EntryRow | undefined;
    return r && entryFromRow(r);
  }

  async range(from: number, limit: number): Promise<LogEntry[]> {
    return (this.db.prepare(`SELECT ${ENTRY_COLUMNS} FROM log_entries WHERE leaf_index >= ? ORDER BY leaf_index LIMIT ?`).all(from, limit) as EntryRow[]).map(entryFromRow);
  }

  async forRecord(entity: string, id: string, limit: number): Promise<LogEntry[]> {
    return (this.db.prepare(`SELECT ${ENTRY_COLUMNS} FROM log_entries WHERE entity = ? AND entity_id = ? ORDER BY leaf_index LIMIT ?`).all(entity, id, limit) as EntryRow[]).map(entryFromRow);
  }

  async latestByRecord(after: { entity: string; id: string } | null, limit: number): Promise<LogEntry[]> {
    const rows = this.db
      .prepare(
        `SELECT ${ENTRY_COLUMNS.split(', ').map((c) => `e.${c}`).join(', ')} FROM log_entries e JOIN (
           SELECT MAX(leaf_index) AS latest FROM log_entries WHERE (entity, entity_id) > (?, ?)
           GROUP BY entity, entity_id ORDER BY entity, entity_id LIMIT ?) m ON e.leaf_index = m.latest
         ORDER BY e.entity, e.entity_id`,
      )
      .all(after?.entity ?? '', after?.id ?? '', limit) as EntryRow[]; // ('', ''): before every record
    return rows.map(entryFromRow);
  }

  async nodes(refs: NodeRef[]): Promise<Buffer[]> {
    return this.nodesSync(refs);
  }

  private nodesSync(refs: NodeRef[]): Buffer[] {
    return refs.map((r) => {
      const h = (r.level === 0 ? this.leafHashAt.get(r.index) : this.nodeAt.get(r.level, r.index)) as Buffer | undefined;
      if (!h) throw new Error(`transparency log: node (${r.level}, ${r.index}) is missing`);
      return h;
    });
  }

  async storedNodes(after: NodeRef | null, limit: number): Promise<(NodeRef & { hash: Buffer })[]> {
    const rows = this.db
      .prepare('SELECT level, node_index, hash FROM log_nodes WHERE (level, node_index) > (?, ?) ORDER BY level, node_index LIMIT ?')
      .all(after?.level ?? 0, after?.index ?? -1, limit) as { level: number; node_index: number; hash: Buffer }[];
    return rows.map((r) => ({ level: r.level, index: r.node_index, hash: r.hash }));
  }

  async addCheckpoint(c: Checkpoint): Promise<void> {
    this.db.prepare('INSERT INTO log_checkpoints (tree_size, root_hash, timestamp, signature, key_id) VALUES (?, ?, ?, ?, ?)').run(c.treeSize, c.rootHash, c.timestamp, c.signature, c.keyId);
  }

  async checkpoints(q: { limit: number; beforeSize?: number }): Promise<Checkpoint[]> {
    const rows = this.db
      .prepare('SELECT tree_size, root_hash, timestamp, signature, key_id FROM log_checkpoints WHERE tree_size < ? ORDER BY tree_size DESC, timestamp DESC, id DESC LIMIT ?')
      .all(q.beforeSize ?? Number.MAX_SAFE_INTEGER, q.limit) as CheckpointRow[];
    return rows.map(checkpointFromRow);
  }

  async checkpointAt(treeSize: number): Promise<Checkpoint | undefined> {
    const r = this.db
      .prepare('SELECT tree_size, root_hash, timestamp, signature, key_id FROM log_checkpoints WHERE tree_size = ? ORDER BY timestamp DESC, id DESC LIMIT 1')
      .get(treeSize) as CheckpointRow | undefined;
    return r && checkpointFromRow(r);
  }

  async keys(): Promise<LogKey[]> {
    return (this.db.prepare('SELECT key_id, public_key, private_key, source, created_at FROM log_keys ORDER BY created_at, key_id').all() as KeyRow[]).map(keyFromRow);
  }

  async saveKey(key: LogKey): Promise<LogKey> {
    return this.db
      .transaction(() => {
        this.db
          .prepare('INSERT INTO log_keys (key_id, public_key, private_key, source, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING')
          .run(key.keyId, key.publicKey, key.privateKey, key.source, key.createdAt);
        const kept =
          key.source === 'generated'
            ? this.db.prepare("SELECT key_id, public_key, private_key, source, created_at FROM log_keys WHERE source = 'generated'").get()
            : this.db.prepare('SELECT key_id, public_key, private_key, source, created_at FROM log_keys WHERE key_id = ?').get(key.keyId);
        return keyFromRow(kept as KeyRow);
      })
      .immediate();
  }
}
