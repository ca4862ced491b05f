import { createHash } from 'node:crypto';

/**
 * The Merkle tree of Truceline's transparency log, exactly as Certificate Transparency defines it
 * (RFC 9162 §2.1, unchanged from RFC 6962), so that any CT tooling or the short verifier in the
 * README can check what the log serves.
 *
 * Storage-agnostic on purpose: proofs are described as the ranges of leaves whose tree hashes make
 * them, and a range's hash is computed from the perfect subtrees ("nodes") covering it. A store
 * that keeps those nodes serves any proof with O(log n) reads; the in-memory tree below keeps
 * all of them for the verifier and the tests.
 */

export const HASH_SIZE = 32;

const sha256 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/** MTH({}): the hash of the empty string. */
export const EMPTY_ROOT: Buffer = sha256();

/** MTH({d}) = SHA-256(0x00 || d). */
export const leafHash = (leaf: Uint8Array): Buffer => sha256(LEAF_PREFIX, leaf);

/** SHA-256(0x01 || left || right). */
export const nodeHash = (left: Uint8Array, right: Uint8Array): Buffer => sha256(NODE_PREFIX, left, right);

/** The largest power of two strictly smaller than n (n > 1): the split point k of RFC 9162 §2.1.1. */
export function splitPoint(n: number): number {
  if (!(n > 1)) throw new RangeError(`no split for a tree of ${n} leaves`);
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

const isPowerOfTwo = (n: number): boolean => n > 0 && 2 ** Math.round(Math.log2(n)) === n;

/** The leaves [start, end) of the tree; the hash of a range is MTH(D[start:end]). */
export interface LeafRange {
  start: number;
  end: number;
}

/**
 * A perfect subtree aligned on its size: level l, index i covers the leaves [i·2^l, (i+1)·2^l).
 * Level 0 nodes are the leaf hashes.
 */
export interface NodeRef {
  level: number;
  index: number;
}

export const nodeKey = (n: NodeRef): string => `${n.level}:${n.index}`;

/** The range a node covers. */
export const nodeRange = (n: NodeRef): LeafRange => ({ start: n.index * 2 ** n.level, end: (n.index + 1) * 2 ** n.level });

/**
 * PATH(m, D[n]) of RFC 9162 §2.1.3.1 as the ranges whose hashes make it, in proof order (from the
 * leaf up). Requires 0 <= m < n.
 */
export function inclusionRanges(m: number, n: number): LeafRange[] {
  if (!(Number.isSafeInteger(m) && Number.isSafeInteger(n) && m >= 0 && m < n)) throw new RangeError(`no inclusion proof for leaf ${m} in a tree of ${n}`);
  const path = (m: number, start: number, end: number): LeafRange[] => {
    const size = end - start;
    if (size === 1) return [];
    const k = splitPoint(size);
    return m < k ? [...path(m, start, start + k), { start: start + k, end }] : [...path(m - k, start + k, end), { start, end: start + k }];
  };
  return path(m, 0, n);
}

/**
 * PROOF(m, D[n]) of RFC 9162 §2.1.4.1 (via SUBPROOF) as ranges, in proof order. Requires
 * 0 < m <= n; the proof for m = n is empty.
 */
export function consistencyRanges(m: number, n: number): LeafRange[] {
  if (!(Number.isSafeInteger(m) && Number.isSafeInteger(n) && m > 0 && m <= n)) throw new RangeError(`no consistency proof from ${m} to ${n} leaves`);
  const subproof = (m: number, start: number, end: number, b: boolean): LeafRange[] => {
    const size = end - start;
    if (m === size) return b ? [] : [{ start, end }];
    const k = splitPoint(size);
    return m <= k ? [...subproof(m, start, start + k, b), { start: start + k, end }] : [...subproof(m - k, start + k, end, false), { start, end: start + k }];
  };
  return subproof(m, 0, n, true);
}

/**
 * The nodes whose hashes give MTH of a range, by the recursion of §2.1.1. Every range a proof
 * or a tree head asks for starts at a multiple of a power of two at least its split, so this is
 * O(log n) nodes; an unaligned range falls back to smaller nodes down to single leaves.
 */
export function rangeNodes(r: LeafRange): NodeRef[] {
  const size = r.end - r.start;
  if (size <= 0) return [];
  if (isPowerOfTwo(size) && r.start % size === 0) return [{ level: Math.log2(size), index: r.start / size }];
  const k = splitPoint(size);
  return [...rangeNodes({ start: r.start, end: r.start + k }), ...rangeNodes({ start: r.start + k, end: r.end })];
}

/** MTH(D[start:end]) from node hashes (those of `rangeNodes`); the empty range is EMPTY_ROOT. */
export function rangeHash(r: LeafRange, node: (n: NodeRef) => Buffer): Buffer {
  const size = r.end - r.start;
  if (size <= 0) return EMPTY_ROOT;
  if (isPowerOfTwo(size) && r.start % size === 0) return node({ level: Math.log2(size), index: r.start / size });
  const k = splitPoint(size);
  return nodeHash(rangeHash({ start: r.start, end: r.start + k }, node), rangeHash({ start: r.start + k, end: r.end }, node));
}

/** A computed node, to be kept by whoever stores the tree. */
export interface NodeHash extends NodeRef {
  hash: Buffer;
}

/**
 * The nodes of level >= 1 that appending `leafHashes` to a tree of `size` leaves completes.
 * `frontier` holds the hashes of `rangeNodes({start: 0, end: size})` in that order: the only
 * existing nodes a new one can have as its left child.
 */
export function appendedNodes(size: number, frontier: readonly Buffer[], leafHashes: readonly Buffer[]): NodeHash[] {
  const refs = rangeNodes({ start: 0, end: size });
  if (refs.length !== frontier.length) throw new RangeError(`a tree of ${size} leaves has ${refs.length} frontier nodes, not ${frontier.length}`);
  const stack: NodeHash[] = refs.map((r, i) => ({ ...r, hash: frontier[i]! }));
  const made: NodeHash[] = [];
  leafHashes.forEach((hash, i) => {
    stack.push({ level: 0, index: size + i, hash });
    while (stack.length >= 2 && stack[stack.length - 1]!.level === stack[stack.length - 2]!.level) {
      const right = stack.pop()!;
      const left = stack.pop()!;
      const parent = { level: right.level + 1, index: Math.floor(right.index / 2), hash: nodeHash(left.hash, right.hash) };
      made.push(parent);
      stack.push(parent);
    }
  });
  return made;
}

const sameHash = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)) === 0;

/**
 * The inclusion verification of RFC 9162 §2.1.3.2, step by step: does `proof` show that the leaf
 * with hash `leaf` is number `index` of the tree of `size` leaves whose head is `root`?
 */
export function verifyInclusion(leaf: Uint8Array, index: number, size: number, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  if (!(Number.isSafeInteger(index) && Number.isSafeInteger(size) && index >= 0 && index < size)) return false;
  if (leaf.length !== HASH_SIZE || proof.some((p) => p.length !== HASH_SIZE)) return false;
  let fn = index;
  let sn = size - 1;
  let r: Buffer = Buffer.from(leaf);
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && sameHash(r, root);
}

/**
 * The consistency verification of RFC 9162 §2.1.4.2: does `proof` show that the tree of `size2`
 * leaves with head `root2` extends the tree of `size1` leaves with head `root1`? The RFC's
 * algorithm covers 0 < size1 < size2; equal sizes need equal heads and an empty proof, and the
 * empty tree is a prefix of every tree.
 */
export function verifyConsistency(size1: number, size2: number, root1: Uint8Array, root2: Uint8Array, proof: readonly Uint8Array[]): boolean {
  if (!(Number.isSafeInteger(size1) && Number.isSafeInteger(size2) && size1 >= 0 && size1 <= size2)) return false;
  if (proof.some((p) => p.length !== HASH_SIZE)) return false;
  if (size1 === size2) return proof.length === 0 && sameHash(root1, root2);
  if (size1 === 0) return proof.length === 0;
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr: Buffer = Buffer.from(path[0]!);
  let sr: Buffer = Buffer.from(path[0]!);
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && sameHash(fr, root1) && sameHash(sr, root2);
}

/**
 * A whole tree in memory: every node of every level, 32 bytes each in one growing buffer per
 * level (a million leaves take about 64 MB, not a million small objects). For the verifier,
 * which rebuilds the tree from the stored entries, and for tests.
 */
export class MemoryTree {
  private readonly levels: { buf: Buffer; count: number }[] = [];
  private leaves = 0;

  get size(): number {
    return this.leaves;
  }

  append(leafHashValue: Uint8Array): void {
    if (leafHashValue.length !== HASH_SIZE) throw new RangeError('a leaf hash is 32 bytes');
    this.put(0, leafHashValue);
    this.leaves++;
    // Complete every perfect subtree this leaf closes.
    for (let level = 0; this.count(level) % 2 === 0; level++) {
      const n = this.count(level);
      this.put(level + 1, nodeHash(this.node({ level, index: n - 2 }), this.node({ level, index: n - 1 })));
    }
  }

  /** The hash of a complete node. */
  node(n: NodeRef): Buffer {
    const l = this.levels[n.level];
    if (!l || n.index < 0 || n.index >= l.count) throw new RangeError(`node (${n.level}, ${n.index}) is not complete in a tree of ${this.leaves}`);
    return l.buf.subarray(n.index * HASH_SIZE, (n.index + 1) * HASH_SIZE);
  }

  /** How many complete nodes a level has. */
  count(level: number): number {
    return this.levels[level]?.count ?? 0;
  }

  /** MTH of the first `size` leaves (default all). */
  root(size = this.leaves): Buffer {
    this.checkSize(size);
    return Buffer.from(rangeHash({ start: 0, end: size }, (n) => this.node(n)));
  }

  inclusionProof(index: number, size = this.leaves): Buffer[] {
    this.checkSize(size);
    return inclusionRanges(index, size).map((r) => Buffer.from(rangeHash(r, (n) => this.node(n))));
  }

  consistencyProof(size1: number, size2 = this.leaves): Buffer[] {
    this.checkSize(size2);
    if (size1 === 0) return [];
    return consistencyRanges(size1, size2).map((r) => Buffer.from(rangeHash(r, (n) => this.node(n))));
  }

  private checkSize(size: number): void {
    if (!(Number.isSafeInteger(size) && size >= 0 && size <= this.leaves)) throw new RangeError(`a tree of ${this.leaves} leaves has no size ${size}`);
  }

  private put(level: number, hash: Uint8Array): void {
    let l = this.levels[level];
    if (!l) this.levels[level] = l = { buf: Buffer.alloc(HASH_SIZE * 64), count: 0 };
    if ((l.count + 1) * HASH_SIZE > l.buf.length) {
      const bigger = Buffer.alloc(l.buf.length * 2);
      l.buf.copy(bigger);
      l.buf = bigger;
    }
    Buffer.from(hash.buffer, hash.byteOffset, hash.length).copy(l.buf, l.count * HASH_SIZE);
    l.count++;
  }
}

// ---------------------------------------------------------------------------------------------
// The leaves of Truceline's log

/**
 * RFC 8785 (JSON Canonicalization Scheme) for the JSON values the store holds: object members
 * sorted by the UTF-16 code units of their names, no whitespace, strings and numbers serialised
 * as ECMAScript's JSON.stringify does (which is what RFC 8785 prescribes). Members whose value is
 * undefined are left out and `toJSON` is honoured, as JSON.stringify would.
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${value} has no JSON form`);
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return canonicalJson((value as { toJSON: () => unknown }).toJSON());
      // Loops and concatenation rather than map/join: the log writer canonicalises every record it appends.
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          const v: unknown = value[i];
          out += (i ? ',' : '') + (v === undefined || typeof v === 'function' ? 'null' : canonicalJson(v));
        }
        return out + ']';
      }
      const keys = Object.keys(value).sort();
      let out = '{';
      let first = true;
      for (const k of keys) {
        const v = (value as Record<string, unknown>)[k];
        if (v === undefined || typeof v === 'function') continue;
        out += (first ? '' : ',') + JSON.stringify(k) + ':' + canonicalJson(v);
        first = false;
      }
      return out + '}';
    }
    default:
      throw new TypeError(`a ${typeof value} has no JSON form`);
  }
}

/** What one log entry records: a change committed to the store, and the record as of it. */
export interface LogLeaf {
  /** The change's seq in the store's change feed. */
  seq: number;
  /** What kind of record: observation, task, alert, incident... */
  entity: string;
  id: string;
  /** created | updated | relabelled */
  op: string;
  /** The change's commit time, as the change feed gives it (ISO 8601). */
  at: string;
  /** The record's content (null when it could not be read). */
  data: unknown;
}

/**
 * The bytes of a leaf: the UTF-8 of the RFC 8785 canonical JSON of the object
 * {"at", "data", "entity", "id", "op", "seq"} (in that, sorted, order). Nothing in it depends on
 * the entry's position, so an outside party recomputes it from the entry alone.
 */
export const encodeLeaf = (l: LogLeaf): Buffer => encodeLeafOf(l, canonicalJson(l.data));

/**
 * The same bytes, given the data already in canonical form (the writer keeps that text anyway):
 * the members are spliced in their sorted order rather than the record canonicalised twice.
 */
export const encodeLeafOf = (l: Omit<LogLeaf, 'data'>, canonicalData: string): Buffer =>
  Buffer.from(`{"at":${JSON.stringify(l.at)},"data":${canonicalData},"entity":${JSON.stringify(l.entity)},"id":${JSON.stringify(l.id)},"op":${JSON.stringify(l.op)},"seq":${canonicalJson(l.seq)}}`, 'utf8');
