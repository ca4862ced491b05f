import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { InvalidInputError, NotFoundError } from '../domain/errors';
import { SEE_ALL, type Actor, type Visibility } from '../domain/identity';
import {
  canonicalJson,
  consistencyRanges,
  EMPTY_ROOT,
  encodeLeaf,
  encodeLeafOf,
  inclusionRanges,
  leafHash,
  MemoryTree,
  nodeKey,
  nodeRange,
  rangeHash,
  rangeNodes,
  type LeafRange,
  type NodeRef,
} from '../domain/merkle';
import type { Checkpoint, LogEntry, LogKey, NewLogEntry } from '../store/log-repository';
import type { ChangeEvent, Store } from '../store/repository';
import type { Observation } from '../domain/observation';
import { actorLabel } from './auth';

/**
 * The transparency log (issue 7 item 5): every committed change of a logged record becomes one
 * leaf of a Merkle tree kept as Certificate Transparency keeps it (RFC 9162), and signed tree
 * heads ("checkpoints") let any party check, with the public key alone, that an entry is in the
 * log and that a later log extends an earlier one.
 *
 * The leaf (see encodeLeaf in src/domain/merkle.ts): the UTF-8 bytes of the RFC 8785 canonical
 * JSON of {"at", "data", "entity", "id", "op", "seq"}: the change's commit time, the record's
 * content as read when the entry is appended (the latest state at or after the change), its
 * kind, id, the operation and the change's seq. Leaf hash = SHA-256(0x00 || leaf).
 *
 * The checkpoint text, signed with Ed25519 (no pre-hash), every line ending in "\n":
 *
 *     truceline-checkpoint
 *     <tree size, decimal>
 *     <root hash, standard base64 with padding>
 *     <timestamp, ISO 8601 UTC with milliseconds>
 *
 * The key id is the hex SHA-256 of the raw 32-byte public key.
 */

// ---------------------------------------------------------------------------------------------
// What is logged: one reader per entity

/**
 * Reads a record for the log: `visibility` SEE_ALL when the writer appends (the record as
 * stored), the caller's own when the API decides whether to show an entry's data. undefined:
 * unknown, or not released to that reader.
 */
export type LogReader = (id: string, ctx: { store: Store; visibility: Visibility }) => Promise<unknown>;

/** Reads several records of one entity with SEE_ALL, for the writer (one query instead of one per change). */
export type LogBatchReader = (ids: readonly string[], store: Store) => Promise<Map<string, unknown>>;

const readers = new Map<string, LogReader>();
const batchReaders = new Map<string, LogBatchReader>();

/**
 * Makes changes of `entity` part of the log. Register at module load, in a module the server and
 * the CLI both import, before the writer starts: changes of an entity nobody reads are passed
 * over for good (the log cannot go back to insert them). `many`, when given, must answer what
 * `reader` answers with SEE_ALL, for each id.
 */
export function registerLogReader(entity: string, reader: LogReader, many?: LogBatchReader): void {
  readers.set(entity, reader);
  if (many) batchReaders.set(entity, many);
  else batchReaders.delete(entity);
}

export const logReaderFor = (entity: string): LogReader | undefined => readers.get(entity);
export const loggedEntities = (): string[] => [...readers.keys()];

registerLogReader(
  'observation',
  (id, { store, visibility }) => store.observations.get(id, visibility),
  (ids, store) => store.observations.getMany(ids, SEE_ALL),
);
registerLogReader('task', (id, { store, visibility }) => store.tasks.get(id, visibility));
registerLogReader('alert', (id, { store, visibility }) => store.alerts.get(id, visibility));
registerLogReader('evidence', (id, { store, visibility }) => store.evidence.attachment(id, visibility));
registerLogReader(
  'incident',
  (id, { store, visibility }) => store.incidents.get(id, visibility),
  (ids, store) => store.incidents.getMany(ids, SEE_ALL),
);
registerLogReader('allegation', (id, { store, visibility }) => store.allegations.get(id, visibility));

// ---------------------------------------------------------------------------------------------
// Keys and checkpoints

export interface LogSigner {
  keyId: string;
  publicKey: KeyObject;
  privateKey: KeyObject;
  /** Where the key lives: a file (TRUCELINE_LOG_KEY) or the store. */
  source: LogKey['source'];
}

/** The raw 32-byte Ed25519 public key. */
export const rawPublicKey = (k: KeyObject): Buffer => Buffer.from(k.export({ format: 'jwk' }).x!, 'base64url');
export const keyIdOf = (k: KeyObject): string => createHash('sha256').update(rawPublicKey(k)).digest('hex');

/** The bytes a checkpoint's signature covers. */
export const checkpointText = (c: Pick<Checkpoint, 'treeSize' | 'rootHash' | 'timestamp'>): string =>
  `truceline-checkpoint\n${c.treeSize}\n${c.rootHash.toString('base64')}\n${c.timestamp}\n`;

export const verifyCheckpointSignature = (c: Checkpoint, publicKey: KeyObject): boolean => {
  try {
    return verify(null, Buffer.from(checkpointText(c), 'utf8'), publicKey, c.signature);
  } catch {
    return false;
  }
};

/**
 * The signing key. With a file (TRUCELINE_LOG_KEY): the PKCS#8 PEM Ed25519 private key in it,
 * made there on first start if the file does not exist; the store records its public half. Without:
 * a key generated on the store's first start and kept in the store (log_keys), so that every
 * process on a PostgreSQL store signs with the same one. Keeping the key apart from the data
 * (the file) means whoever can write the database still cannot sign a rewritten history.
 */
export async function loadLogSigner(store: Store, keyFile?: string): Promise<LogSigner> {
  if (keyFile) {
    if (!existsSync(keyFile)) {
      mkdirSync(dirname(keyFile), { recursive: true });
      const { privateKey } = generateKeyPairSync('ed25519');
      try {
        writeFileSync(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err; // another process made it first: use theirs
      }
    }
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey(readFileSync(keyFile));
    } catch (err) {
      throw new Error(`TRUCELINE_LOG_KEY ${keyFile}: not a PEM private key (${(err as Error).message})`, { cause: err });
    }
    if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`TRUCELINE_LOG_KEY ${keyFile}: an Ed25519 key is needed, not ${privateKey.asymmetricKeyType}`);
    const publicKey = createPublicKey(privateKey);
    const keyId = keyIdOf(publicKey);
    await store.log.saveKey({ keyId, publicKey: publicKey.export({ format: 'pem', type: 'spki' }).toString(), privateKey: null, source: 'file', createdAt: new Date().toISOString() });
    return { keyId, publicKey, privateKey, source: 'file' };
  }
  const existing = (await store.log.keys()).find((k) => k.source === 'generated');
  let kept = existing;
  if (!kept) {
    const pair = generateKeyPairSync('ed25519');
    kept = await store.log.saveKey({
      keyId: keyIdOf(pair.publicKey),
      publicKey: pair.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
      privateKey: pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      source: 'generated',
      createdAt: new Date().toISOString(),
    });
  }
  const privateKey = createPrivateKey(kept.privateKey!);
  return { keyId: kept.keyId, publicKey: createPublicKey(privateKey), privateKey, source: 'generated' };
}

// ---------------------------------------------------------------------------------------------
// The writer and the proofs

export interface TransparencyLogOptions {
  /** TRUCELINE_LOG_KEY: a PEM Ed25519 private key file; absent: a key kept in the store. */
  keyFile?: string;
  /** A checkpoint at most this often, when the log has grown (TRUCELINE_LOG_CHECKPOINT_S). */
  checkpointEveryS?: number;
  /** Changes read and appended per transaction. */
  chunk?: number;
  log?: (msg: string) => void;
}

const DEFAULT_CHUNK = 1000;
/** At most this many carried observations are held while the log catches up (then it reads them back). */
const CARRIED_MAX = 50_000;

/**
 * Reads each distinct record of a chunk once: a batch per entity where it has a batch reader (one
 * query per few hundred records), otherwise several at a time (PostgreSQL: over the pool).
 */
async function readRecords(store: Store, changes: { entity: string; id: string }[]): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  const perEntity = new Map<string, Set<string>>();
  for (const c of changes) if (batchReaders.has(c.entity)) perEntity.set(c.entity, (perEntity.get(c.entity) ?? new Set()).add(c.id));
  for (const [entity, ids] of perEntity) {
    const got = await batchReaders.get(entity)!([...ids], store);
    for (const id of ids) out.set(`${entity}\u0000${id}`, got.get(id));
  }
  const keys = [...new Set(changes.filter((c) => !batchReaders.has(c.entity)).map((c) => `${c.entity}\u0000${c.id}`))];
  const PARALLEL = 16;
  for (let i = 0; i < keys.length; i += PARALLEL) {
    const part = keys.slice(i, i + PARALLEL);
    const got = await Promise.all(
      part.map((k) => {
        const [entity, id] = k.split('\u0000') as [string, string];
        return logReaderFor(entity)!(id, { store, visibility: SEE_ALL });
      }),
    );
    part.forEach((k, j) => out.set(k, got[j]));
  }
  return out;
}

/** One entry per change, ready to append: the record canonicalised and the leaf hashed. */
export function logEntryOf(change: Pick<ChangeEvent, 'seq' | 'entity' | 'op' | 'id' | 'at'>, record: unknown): NewLogEntry {
  const data = canonicalJson(record === undefined ? null : record);
  const leaf = encodeLeafOf(change, data);
  return { seq: change.seq, entity: change.entity, id: change.id, op: change.op, at: change.at, data, leafHash: leafHash(leaf) };
}

export interface InclusionProof {
  index: number;
  treeSize: number;
  leafHash: Buffer;
  proof: Buffer[];
  rootHash: Buffer;
  checkpoint: Checkpoint | null;
}

export interface ConsistencyProof {
  from: number;
  to: number;
  proof: Buffer[];
  fromRoot: Buffer;
  toRoot: Buffer;
  fromCheckpoint: Checkpoint | null;
  toCheckpoint: Checkpoint | null;
}

/**
 * Follows the change feed in seq order and appends one entry per change of a logged entity
 * (catching up from the log's position on start, then live), makes checkpoints, and serves
 * entries and proofs. Every process serving a store may run one: the store serialises appends.
 */
export class TransparencyLog {
  private signer: LogSigner | undefined;
  private unsubscribe: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly chunk: number;
  private readonly everyMs: number;
  private readonly log: (msg: string) => void;
  /** Observations the change events carried, by seq, until appended: not read back from the store. */
  private readonly carried = new Map<number, Observation>();

  constructor(
    private readonly store: Store,
    private readonly opts: TransparencyLogOptions = {},
  ) {
    this.chunk = opts.chunk ?? DEFAULT_CHUNK;
    this.everyMs = (opts.checkpointEveryS ?? 3600) * 1000;
    this.log = opts.log ?? ((msg) => console.warn(`[transparency-log] ${msg}`));
  }

  /** Loads the key, subscribes to the feed, catches up in the background, starts the checkpoint clock. */
  /** Loads the signing key only: for a process that serves the log while another appends to it. */
  async loadKey(): Promise<void> {
    this.signer ??= await loadLogSigner(this.store, this.opts.keyFile);
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.signer = await loadLogSigner(this.store, this.opts.keyFile);
    this.unsubscribe = this.store.changes.subscribe((e) => {
      if (e.observation && this.carried.size < CARRIED_MAX) this.carried.set(e.seq, e.observation);
      this.kick();
    });
    this.kick();
    // Ticks often, decides by the latest checkpoint's age: restarts and other processes count.
    // Each tick also retries appending, should a failed append have no later change to wake it.
    this.timer = setInterval(() => {
      this.kick();
      void this.checkpointIfDue().catch((err: Error) => this.log(`checkpoint failed: ${err.message}`));
    }, Math.min(this.everyMs, 60_000));
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
    this.carried.clear();
  }

  get keyId(): string | undefined {
    return this.signer?.keyId;
  }

  private kick(): void {
    if (this.stopped) return;
    this.drain().catch((err: Error) => {
      // The next change or tick tries again from the position stored with the last append.
      if (!this.stopped) this.log(`appending failed: ${err.message}`);
    });
  }

  /** Resolves once every change committed before the call is in the log. */
  drain(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.catchUp();
        } while (this.again && !this.stopped);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /** One transaction per chunk of changes, so a burst of ingest costs a few appends, not one per record. */
  private async catchUp(): Promise<void> {
    for (;;) {
      const { position } = await this.store.log.head();
      const changes = await this.store.changes.since(position, this.chunk);
      if (changes.length === 0 || this.stopped) return;
      const logged = changes.filter((c) => logReaderFor(c.entity));
      const records = await readRecords(
        this.store,
        logged.filter((c) => !this.carried.has(c.seq)),
      );
      const entries = logged.map((c) => logEntryOf(c, this.carried.get(c.seq) ?? records.get(`${c.entity}\u0000${c.id}`)));
      const through = changes[changes.length - 1]!.seq;
      await this.store.log.append(entries, through);
      // Carried in seq order (the feed delivers in order): the appended ones are at the front.
      for (const seq of this.carried.keys()) {
        if (seq > through) break;
        this.carried.delete(seq);
      }
      if (changes.length < this.chunk) return;
    }
  }

  private async checkpointIfDue(): Promise<void> {
    const [latest] = await this.store.log.checkpoints({ limit: 1 });
    if (latest && Date.now() - Date.parse(latest.timestamp) < this.everyMs) return;
    await this.drain();
    const { size } = await this.store.log.head();
    if (size > (latest?.treeSize ?? 0)) await this.checkpoint();
  }

  /** Appends what is pending, then signs the tree head. `by`: who asked, for the audit log. */
  async checkpoint(by?: Actor): Promise<Checkpoint> {
    const signer = this.signer ?? (this.signer = await loadLogSigner(this.store, this.opts.keyFile));
    await this.drain();
    const { size } = await this.store.log.head();
    const rootHash = await this.root(size);
    const timestamp = new Date().toISOString();
    const c: Checkpoint = { treeSize: size, rootHash, timestamp, keyId: signer.keyId, signature: Buffer.alloc(0) };
    c.signature = sign(null, Buffer.from(checkpointText(c), 'utf8'), signer.privateKey);
    await this.store.log.addCheckpoint(c);
    if (by)
      await this.store.audit.append({ id: uuidv7(), at: timestamp, actor: actorLabel(by), action: 'log.checkpoint', entity: 'log', entityId: String(size), detail: { treeSize: size, rootHash: rootHash.toString('base64'), keyId: signer.keyId } });
    return c;
  }

  async latestCheckpoint(): Promise<Checkpoint | undefined> {
    return (await this.store.log.checkpoints({ limit: 1 }))[0];
  }

  async checkpoints(limit: number, beforeSize?: number): Promise<Checkpoint[]> {
    return this.store.log.checkpoints(beforeSize === undefined ? { limit } : { limit, beforeSize });
  }

  /** The public keys that have signed checkpoints, the one in use first. */
  async publicKeys(): Promise<{ keyId: string; publicKey: KeyObject; source: LogKey['source']; createdAt: string; inUse: boolean }[]> {
    const keys = (await this.store.log.keys()).map((k) => ({ keyId: k.keyId, publicKey: createPublicKey(k.publicKey), source: k.source, createdAt: k.createdAt, inUse: k.keyId === this.signer?.keyId }));
    return keys.sort((a, b) => Number(b.inUse) - Number(a.inUse));
  }

  /** MTH of the first `size` entries, from O(log size) stored nodes. */
  async root(size: number): Promise<Buffer> {
    if (size === 0) return EMPTY_ROOT;
    return (await this.rangeHashes([{ start: 0, end: size }]))[0]!;
  }

  private async rangeHashes(ranges: LeafRange[]): Promise<Buffer[]> {
    const refs = new Map<string, NodeRef>();
    for (const r of ranges) for (const n of rangeNodes(r)) refs.set(nodeKey(n), n);
    const list = [...refs.values()];
    const hashes = await this.store.log.nodes(list);
    const byKey = new Map(list.map((n, i) => [nodeKey(n), hashes[i]!]));
    return ranges.map((r) => rangeHash(r, (n) => byKey.get(nodeKey(n))!));
  }

  private async sizeOrLatest(treeSize: number | undefined, field: string): Promise<number> {
    const { size } = await this.store.log.head();
    if (treeSize === undefined) {
      const latest = await this.latestCheckpoint();
      if (!latest) throw new NotFoundError('checkpoint', '(none made yet: POST /api/log/checkpoints)');
      return latest.treeSize;
    }
    if (treeSize > size) throw new InvalidInputError(field, `is ${treeSize}, but the log holds ${size} entries`);
    return treeSize;
  }

  /** PATH(index, D[treeSize]) with the checkpoint of that size, if one was made (default: the latest checkpoint). */
  async inclusionProof(index: number, treeSize?: number): Promise<InclusionProof> {
    const size = await this.sizeOrLatest(treeSize, 'treeSize');
    const entry = await this.store.log.get(index);
    if (!entry) throw new NotFoundError('log entry', String(index));
    if (index >= size) throw new InvalidInputError('treeSize', `is ${size}: entry ${index} is not in that tree (use a later checkpoint)`);
    const [rootHash, ...proof] = await this.rangeHashes([{ start: 0, end: size }, ...inclusionRanges(index, size)]);
    return { index, treeSize: size, leafHash: entry.leafHash, proof, rootHash: rootHash!, checkpoint: (await this.store.log.checkpointAt(size)) ?? null };
  }

  /** PROOF(from, D[to]) (default `to`: the latest checkpoint's size), with the checkpoints of both sizes. */
  async consistencyProof(from: number, to?: number): Promise<ConsistencyProof> {
    const size = await this.sizeOrLatest(to, 'to');
    if (from > size) throw new InvalidInputError('from', `is ${from}, after to (${size})`);
    const ranges = from === 0 ? [] : consistencyRanges(from, size);
    const [fromRoot, toRoot, ...proof] = await this.rangeHashes([{ start: 0, end: from }, { start: 0, end: size }, ...ranges]);
    const [fromCheckpoint, toCheckpoint] = await Promise.all([this.store.log.checkpointAt(from), this.store.log.checkpointAt(size)]);
    return { from, to: size, proof, fromRoot: fromRoot!, toRoot: toRoot!, fromCheckpoint: fromCheckpoint ?? null, toCheckpoint: toCheckpoint ?? null };
  }

  /**
   * An entry, with its record's data only for a reader who may see the record as it is now
   * stored (releasability decides, as everywhere); anyone gets its hash and kind, which is what
   * proofs need. An entity without a reader here shows its data to those who see everything.
   */
  async entry(index: number, visibility: Visibility): Promise<{ entry: LogEntry; visible: boolean }> {
    const entry = await this.store.log.get(index);
    if (!entry) throw new NotFoundError('log entry', String(index));
    return { entry, visible: await this.visible(entry, visibility) };
  }

  async entries(from: number, limit: number, visibility: Visibility): Promise<{ entry: LogEntry; visible: boolean }[]> {
    const list = await this.store.log.range(from, limit);
    const seen = new Map<string, Promise<boolean>>();
    return Promise.all(
      list.map(async (entry) => {
        const k = `${entry.entity}\u0000${entry.id}`;
        if (!seen.has(k)) seen.set(k, this.visible(entry, visibility));
        return { entry, visible: await seen.get(k)! };
      }),
    );
  }

  /** A record's entries, oldest first; none for a record the reader may not see (it does not exist for them). */
  async recordEntries(entity: string, id: string, visibility: Visibility, limit: number): Promise<LogEntry[]> {
    const list = await this.store.log.forRecord(entity, id, limit);
    if (list.length === 0 || !(await this.visible(list[0]!, visibility))) return [];
    return list;
  }

  private async visible(entry: LogEntry, visibility: Visibility): Promise<boolean> {
    if (visibility.all) return true;
    const reader = logReaderFor(entry.entity);
    if (!reader) return false;
    return (await reader(entry.id, { store: this.store, visibility })) !== undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Verification of the whole log (`truceline verify-log`)

export interface LogProblem {
  /** The entry that breaks, when one can be named. */
  index?: number;
  seq?: number;
  entity?: string;
  id?: string;
  what: string;
}

export interface LogVerification {
  ok: boolean;
  entries: number;
  nodes: number;
  checkpoints: number;
  /** Records whose latest entry was compared with the record as now stored. */
  recordsChecked: number;
  /** Records with changes the log has not appended yet (not compared). */
  recordsPending: number;
  /** Records of entities without a reader in this process (not compared). */
  recordsUnchecked: number;
  /** Changes committed after the log's position: appended when a server next runs. */
  changesPending: number;
  /** In order of the entry they name (the first that breaks first), then the rest. */
  problems: LogProblem[];
}

export interface VerifyOptions {
  /** Trust only these keys (pinned by the party checking); default: the keys the store records. */
  publicKeys?: KeyObject[];
  onProgress?: (phase: 'entries' | 'records', done: number, total: number) => void;
  chunk?: number;
  /** Stop collecting after this many problems. */
  maxProblems?: number;
}

const whereOf = (e: LogEntry) => ({ index: e.index, seq: e.seq, entity: e.entity, id: e.id });

async function* allEntries(store: Store, chunk: number): AsyncGenerator<LogEntry, void, undefined> {
  for (let from = 0; ; ) {
    const page = await store.log.range(from, chunk);
    yield* page;
    if (page.length < chunk) return;
    from += page.length;
  }
}

async function* allChanges(store: Store, after: number, chunk: number): AsyncGenerator<ChangeEvent, void, undefined> {
  for (;;) {
    const page = await store.changes.since(after, chunk);
    yield* page;
    if (page.length < chunk) return;
    after = page[page.length - 1]!.seq;
  }
}

function differingFields(logged: unknown, now: unknown): string[] {
  if (!logged || !now || typeof logged !== 'object' || typeof now !== 'object') return [];
  const a = logged as Record<string, unknown>;
  const b = now as Record<string, unknown>;
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => canonicalJson(a[k] ?? null) !== canonicalJson(b[k] ?? null)).sort();
}

/**
 * Recomputes every leaf hash from the stored entry, rebuilds the tree, checks every stored node
 * and every checkpoint (root and signature), that no change the log has passed is missing from it,
 * and that each record's latest entry equals the record as now stored: editing a record or an
 * entry in the database, dropping entries or signing with another key all show up, named.
 */
export async function verifyLog(store: Store, opts: VerifyOptions = {}): Promise<LogVerification> {
  const chunk = opts.chunk ?? 5000;
  const max = opts.maxProblems ?? 100;
  const problems: LogProblem[] = [];
  const problem = (p: LogProblem) => {
    if (problems.length < max) problems.push(p);
  };
  const head = await store.log.head();
  const tree = new MemoryTree();
  const inLog = new Set<string>();
  /** Entries whose data no longer matches their hash: comparing them with their record says nothing more. */
  const edited = new Set<number>();

  // 1. Entries: dense, in seq order, each hashing to its stored leaf hash.
  let prevSeq = 0;
  let broken = false;
  for (let from = 0; !broken; ) {
    const page = await store.log.range(from, chunk);
    for (const e of page) {
      if (e.index !== tree.size) {
        problem({ what: `entries missing: expected entry ${tree.size}, the next stored is ${e.index}` });
        broken = true;
        break;
      }
      if (e.seq <= prevSeq) problem({ ...whereOf(e), what: `out of order: its change seq ${e.seq} is not after the previous entry's ${prevSeq}` });
      prevSeq = e.seq;
      inLog.add(e.entity);
      let recomputed: Buffer;
      try {
        recomputed = leafHash(encodeLeaf({ seq: e.seq, entity: e.entity, id: e.id, op: e.op, at: e.at, data: JSON.parse(e.data) as unknown }));
      } catch (err) {
        problem({ ...whereOf(e), what: `its data is not JSON (${(err as Error).message})` });
        recomputed = leafHash(Buffer.from(e.data));
      }
      if (!recomputed.equals(e.leafHash)) {
        edited.add(e.index);
        problem({ ...whereOf(e), what: `its stored data does not hash to its stored leaf hash (stored ${e.leafHash.toString('hex')}, recomputed ${recomputed.toString('hex')}): the entry was edited` });
      }
      tree.append(recomputed);
    }
    opts.onProgress?.('entries', tree.size, head.size);
    if (page.length < chunk) break;
    from += page.length;
  }

  // 2. Stored nodes (what proofs are served from) against the rebuilt tree. A change shows in
  // every node above it: only the lowest is told, and none above an entry already named.
  let nodes = 0;
  const told: LeafRange[] = problems.filter((p) => p.index !== undefined).map((p) => ({ start: p.index!, end: p.index! + 1 }));
  const tell = (r: LeafRange, what: string) => {
    if (told.some((t) => r.start <= t.start && t.end <= r.end)) return;
    told.push(r);
    problem({ what });
  };
  for (let after: NodeRef | null = null; ; ) {
    const page = await store.log.storedNodes(after, chunk);
    for (const n of page) {
      nodes++;
      const r = nodeRange(n);
      if (n.index >= tree.count(n.level)) tell(r, `a stored tree node covers entries ${r.start}..${r.end - 1}, which the log does not hold: entries were removed`);
      else if (!tree.node(n).equals(n.hash)) tell(r, `the stored tree node over entries ${r.start}..${r.end - 1} differs from the one recomputed from them: one of these entries was changed`);
    }
    if (page.length < chunk) break;
    after = page[page.length - 1]!;
  }

  // 3. Checkpoints: every root recomputed, every signature checked with a trusted key.
  const stored = await store.log.keys();
  const trusted = new Map((opts.publicKeys ?? stored.map((k) => createPublicKey(k.publicKey))).map((k) => [keyIdOf(k), k]));
  const checkpoints = (await store.log.checkpoints({ limit: Number.MAX_SAFE_INTEGER })).reverse();
  let lastGood = 0;
  for (const c of checkpoints) {
    const label = `checkpoint of tree size ${c.treeSize} made ${c.timestamp}`;
    const key = trusted.get(c.keyId);
    if (!key) problem({ what: `${label} is signed by key ${c.keyId}, which is not ${opts.publicKeys ? 'a pinned key' : 'a key of this log'}` });
    else if (!verifyCheckpointSignature(c, key)) problem({ what: `${label}: its signature does not verify: the checkpoint was altered` });
    if (c.treeSize > tree.size) {
      problem({ what: `${label} covers ${c.treeSize} entries, but the log holds ${tree.size}: entries were removed` });
      continue;
    }
    if (!tree.root(c.treeSize).equals(c.rootHash)) problem({ what: `${label}: its root does not match the entries: one of entries ${lastGood}..${c.treeSize - 1} was changed after it was signed` });
    else lastGood = Math.max(lastGood, c.treeSize);
  }

  // 4. No change the log has passed is missing from it (a dropped tail, or a skipped change):
  // both in seq order, merged.
  const logged = new Set([...loggedEntities(), ...inLog]);
  const entries = allEntries(store, chunk);
  let next = await entries.next();
  for await (const c of allChanges(store, 0, chunk)) {
    if (c.seq > head.position) break;
    if (!logged.has(c.entity)) continue;
    while (!next.done && next.value.seq < c.seq) next = await entries.next();
    if (next.done || next.value.seq !== c.seq) problem({ what: `change seq ${c.seq} (${c.entity} ${c.id}, ${c.op}) was passed by the log but has no entry: an entry was removed` });
  }
  await entries.return(undefined);

  // 5. Each record's latest entry against the record as now stored.
  const pending = new Set<string>();
  let changesPending = 0;
  for await (const c of allChanges(store, head.position, chunk)) {
    pending.add(`${c.entity}\u0000${c.id}`);
    changesPending++;
  }
  let recordsChecked = 0;
  let recordsPending = 0;
  let recordsUnchecked = 0;
  let recordsSeen = 0;
  for (let after: { entity: string; id: string } | null = null; ; ) {
    const page = await store.log.latestByRecord(after, chunk);
    const checkable: LogEntry[] = [];
    for (const e of page) {
      if (!logReaderFor(e.entity)) recordsUnchecked++;
      else if (pending.has(`${e.entity}\u0000${e.id}`)) recordsPending++;
      else if (!edited.has(e.index)) checkable.push(e);
    }
    const now = await readRecords(store, checkable);
    for (const e of checkable) {
      recordsChecked++;
      const record = now.get(`${e.entity}\u0000${e.id}`);
      const current = canonicalJson(record === undefined ? null : record);
      if (current === e.data) continue;
      let fields: string[] = [];
      try {
        fields = differingFields(JSON.parse(e.data), record);
      } catch {
        // the entry itself is broken: step 1 named it
      }
      problem({
        ...whereOf(e),
        what:
          record === undefined
            ? `the ${e.entity} it records no longer exists in the store`
            : `the ${e.entity} as now stored differs from its latest log entry${fields.length ? ` (${fields.join(', ')})` : ''}: the record was changed without the change being logged`,
      });
    }
    recordsSeen += page.length;
    opts.onProgress?.('records', recordsSeen, recordsSeen + (page.length < chunk ? 0 : chunk));
    if (page.length < chunk) break;
    after = { entity: page[page.length - 1]!.entity, id: page[page.length - 1]!.id };
  }

  // The first line names the first entry that breaks; what names no entry follows in the order found.
  const named = problems.filter((p) => p.index !== undefined).sort((a, b) => a.index! - b.index!);
  const unnamed = problems.filter((p) => p.index === undefined);
  return {
    ok: problems.length === 0,
    entries: tree.size,
    nodes,
    checkpoints: checkpoints.length,
    recordsChecked,
    recordsPending,
    recordsUnchecked,
    changesPending,
    problems: [...named, ...unnamed],
  };
}
