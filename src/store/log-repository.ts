import type { NodeRef } from '../domain/merkle';

/**
 * The transparency log's storage (issue 7 item 5): entries in leaf order, the perfect subtrees
 * of the Merkle tree over them, signed checkpoints and the signing keys' public halves.
 * Append-only: the tables refuse UPDATE and DELETE (a trigger), so that only someone who drops
 * the trigger can rewrite history, and `truceline verify-log` catches them.
 */

export interface LogEntry {
  /** The leaf index: dense, 0..size-1, in change-seq order. */
  index: number;
  /** The change's seq in the change feed (unique). */
  seq: number;
  entity: string;
  id: string;
  op: string;
  /** The change's commit time as the change feed gave it (ISO 8601), kept verbatim: it is hashed. */
  at: string;
  /** The record's content as of the change: RFC 8785 canonical JSON text (`null` when unreadable). */
  data: string;
  /** SHA-256(0x00 || leaf bytes), 32 bytes. */
  leafHash: Buffer;
}

export type NewLogEntry = Omit<LogEntry, 'index'>;

/** A signed tree head. */
export interface Checkpoint {
  treeSize: number;
  rootHash: Buffer;
  /** When it was made (ISO 8601, UTC, milliseconds): part of the signed text. */
  timestamp: string;
  /** Ed25519 signature of the checkpoint text (see transparency-log.ts). */
  signature: Buffer;
  /** Hex SHA-256 of the raw 32-byte Ed25519 public key that signed it. */
  keyId: string;
}

export interface LogKey {
  keyId: string;
  /** SPKI PEM. */
  publicKey: string;
  /** PKCS#8 PEM, only for a key the store generated and keeps; null for a key read from a file. */
  privateKey: string | null;
  /** `generated`: made on first start and kept in the store; `file`: TRUCELINE_LOG_KEY. */
  source: 'generated' | 'file';
  createdAt: string;
}

export interface LogHead {
  /** The last change seq the log has considered (appended, or skipped for want of a reader). */
  position: number;
  /** Number of entries. */
  size: number;
}

export interface LogRepository {
  head(): Promise<LogHead>;
  /**
   * Appends, in one transaction, the entries whose seq is above the position, in seq order, and
   * moves the position to `through` (at least). Serialised across processes on one store: two
   * writers offering the same changes produce each entry once, indexes stay dense.
   */
  append(entries: NewLogEntry[], through: number): Promise<{ appended: number; size: number }>;
  get(index: number): Promise<LogEntry | undefined>;
  /** Entries with index >= from, in index order. */
  range(from: number, limit: number): Promise<LogEntry[]>;
  /** One record's entries, oldest first. */
  forRecord(entity: string, id: string, limit: number): Promise<LogEntry[]>;
  /** Each record's latest entry, by (entity, id), after the given record: for the verifier. */
  latestByRecord(after: { entity: string; id: string } | null, limit: number): Promise<LogEntry[]>;
  /** Hashes of complete nodes (level 0: leaf hashes), in the order asked; throws if one is missing. */
  nodes(refs: NodeRef[]): Promise<Buffer[]>;
  /** The stored nodes of level >= 1, by (level, index) after the given one: for the verifier. */
  storedNodes(after: NodeRef | null, limit: number): Promise<(NodeRef & { hash: Buffer })[]>;
  addCheckpoint(c: Checkpoint): Promise<void>;
  /** Newest first (largest tree, then latest timestamp); below `beforeSize` when given. */
  checkpoints(q: { limit: number; beforeSize?: number }): Promise<Checkpoint[]>;
  /** The latest checkpoint of exactly this tree size. */
  checkpointAt(treeSize: number): Promise<Checkpoint | undefined>;
  /** Every key that has signed or may sign, oldest first. */
  keys(): Promise<LogKey[]>;
  /**
   * Keeps a key. A generated key is kept only if the store has none yet (two processes starting
   * at once agree on one): the answer is the key in force. A file key's public half is recorded
   * once, so old checkpoints stay verifiable after the key changes.
   */
  saveKey(key: LogKey): Promise<LogKey>;
}
