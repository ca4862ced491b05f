import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  appendedNodes,
  canonicalJson,
  consistencyRanges,
  EMPTY_ROOT,
  encodeLeaf,
  encodeLeafOf,
  inclusionRanges,
  leafHash,
  MemoryTree,
  nodeHash,
  rangeHash,
  rangeNodes,
  splitPoint,
  verifyConsistency,
  verifyInclusion,
} from '../../src/domain/merkle';

// RFC 6962 / RFC 9162 reference data as published by transparency-dev/merkle (proof/verify_test.go
// and testonly): the eight leaves, the tree head for each size 1..8, and known proofs.
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((h) => Buffer.from(h, 'hex'));
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
/** index is 0-based here (the Go vectors number leaves from 1). */
const INCLUSION = [
  { index: 0, size: 8, proof: ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4'] },
  { index: 5, size: 8, proof: ['bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7'] },
  { index: 2, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  { index: 1, size: 5, proof: ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b'] },
  { index: 0, size: 1, proof: [] },
];
const CONSISTENCY = [
  { size1: 1, size2: 1, proof: [] },
  { size1: 1, size2: 8, proof: ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4'] },
  { size1: 6, size2: 8, proof: ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7'] },
  { size1: 2, size2: 5, proof: ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b'] },
  { size1: 6, size2: 7, proof: ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7'] },
];

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (h: string) => Buffer.from(h, 'hex');

function treeOf(leafHashes: Buffer[]): MemoryTree {
  const t = new MemoryTree();
  for (const h of leafHashes) t.append(h);
  return t;
}

/** MTH written as RFC 9162 §2.1.1 states it, over the leaf hashes: the oracle for everything else. */
function referenceRoot(hashes: Buffer[]): Buffer {
  if (hashes.length === 0) return EMPTY_ROOT;
  if (hashes.length === 1) return hashes[0]!;
  const k = splitPoint(hashes.length);
  return nodeHash(referenceRoot(hashes.slice(0, k)), referenceRoot(hashes.slice(k)));
}

const flipped = (b: Buffer, byte: number, bit = 1): Buffer => {
  const c = Buffer.from(b);
  c[byte] = c[byte]! ^ bit;
  return c;
};

describe('Merkle tree (RFC 9162 §2.1) against the published vectors', () => {
  const hashes = LEAVES.map(leafHash);
  const tree = treeOf(hashes);

  it('hashes the empty tree, leaves and nodes with the 0x00 / 0x01 prefixes', () => {
    expect(hex(EMPTY_ROOT)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hex(new MemoryTree().root())).toBe(hex(EMPTY_ROOT));
    expect(hex(leafHash(Buffer.alloc(0)))).toBe(ROOTS[0]);
    expect(hex(nodeHash(hashes[0]!, hashes[1]!))).toBe(ROOTS[1]);
  });

  it('gives the published tree head for every size 1..8', () => {
    for (let n = 1; n <= 8; n++) expect(hex(tree.root(n)), `size ${n}`).toBe(ROOTS[n - 1]);
  });

  it('splits at the largest power of two below n, not at the midpoint', () => {
    expect([2, 3, 4, 5, 6, 7, 8, 9, 1000].map(splitPoint)).toEqual([1, 2, 2, 4, 4, 4, 4, 8, 512]);
  });

  it('makes the published inclusion proofs, and verifies them', () => {
    for (const v of INCLUSION) {
      expect(tree.inclusionProof(v.index, v.size).map(hex), `leaf ${v.index} of ${v.size}`).toEqual(v.proof);
      expect(verifyInclusion(hashes[v.index]!, v.index, v.size, v.proof.map(unhex), unhex(ROOTS[v.size - 1]!))).toBe(true);
    }
  });

  it('makes the published consistency proofs, and verifies them', () => {
    for (const v of CONSISTENCY) {
      expect(tree.consistencyProof(v.size1, v.size2).map(hex), `${v.size1} -> ${v.size2}`).toEqual(v.proof);
      expect(verifyConsistency(v.size1, v.size2, unhex(ROOTS[v.size1 - 1]!), unhex(ROOTS[v.size2 - 1]!), v.proof.map(unhex))).toBe(true);
    }
  });

  it('rejects the corruptions the reference suite tries on an inclusion proof', () => {
    for (const v of INCLUSION.filter((x) => x.proof.length > 0)) {
      const root = unhex(ROOTS[v.size - 1]!);
      const proof = v.proof.map(unhex);
      const leaf = hashes[v.index]!;
      const probes: [Buffer, number, number, Buffer[], Buffer][] = [
        [leaf, v.index - 1, v.size, proof, root],
        [leaf, v.index + 1, v.size, proof, root],
        [leaf, v.index ^ 2, v.size, proof, root],
        [leaf, v.index, v.size * 2, proof, root],
        [leaf, v.index, Math.floor(v.size / 2), proof, root],
        [leafHash(Buffer.from('WrongLeaf')), v.index, v.size, proof, root],
        [leaf, v.index, v.size, proof, EMPTY_ROOT],
        [leaf, v.index, v.size, [...proof, root], root],
        [leaf, v.index, v.size, [root, ...proof], root],
        [leaf, v.index, v.size, proof.slice(0, -1), root],
        ...proof.map((_, i): [Buffer, number, number, Buffer[], Buffer] => [leaf, v.index, v.size, proof.map((p, j) => (i === j ? flipped(p, 0, 8) : p)), root]),
      ];
      for (const [l, i, n, p, r] of probes) expect(verifyInclusion(l, i, n, p, r), `leaf ${i} of ${n}`).toBe(false);
    }
  });

  it('rejects the corruptions the reference suite tries on a consistency proof', () => {
    for (const v of CONSISTENCY.filter((x) => x.proof.length > 0)) {
      const r1 = unhex(ROOTS[v.size1 - 1]!);
      const r2 = unhex(ROOTS[v.size2 - 1]!);
      const proof = v.proof.map(unhex);
      const probes: [number, number, Buffer, Buffer, Buffer[]][] = [
        [v.size1 - 1, v.size2, r1, r2, proof],
        [v.size1 + 1, v.size2, r1, r2, proof],
        [v.size1 ^ 2, v.size2, r1, r2, proof],
        [v.size1, v.size2 * 2, r1, r2, proof],
        [v.size1, Math.floor(v.size2 / 2), r1, r2, proof],
        [v.size1, v.size2, r2, r1, proof],
        [v.size1, v.size2, r1, r2, []],
        [v.size1, v.size2, r1, r2, [...proof, r1]],
        [v.size1, v.size2, r1, r2, [r2, ...proof]],
        [v.size1, v.size2, r1, r2, [proof[0]!, ...proof]],
        [v.size1, v.size2, r1, r2, proof.slice(0, -1)],
        ...proof.map((_, i): [number, number, Buffer, Buffer, Buffer[]] => [v.size1, v.size2, r1, r2, proof.map((p, j) => (i === j ? flipped(p, 0, 16) : p))]),
      ];
      for (const [s1, s2, a, b, p] of probes) expect(verifyConsistency(s1, s2, a, b, p), `${s1} -> ${s2}`).toBe(false);
    }
  });

  it('handles the edge sizes as the reference verifier does', () => {
    const a = Buffer.alloc(32, 1);
    const b = Buffer.alloc(32, 2);
    expect(verifyConsistency(0, 0, a, a, [])).toBe(true);
    expect(verifyConsistency(0, 5, a, b, [])).toBe(true);
    expect(verifyConsistency(0, 5, a, b, [EMPTY_ROOT])).toBe(false);
    expect(verifyConsistency(1, 1, a, b, [])).toBe(false);
    expect(verifyConsistency(2, 1, a, b, [])).toBe(false);
    expect(verifyConsistency(1, 2, a, b, [])).toBe(false);
    expect(verifyConsistency(3, 3, a, a, [EMPTY_ROOT])).toBe(false);
    expect(verifyInclusion(a, 0, 0, [], a)).toBe(false);
    expect(verifyInclusion(a, 1, 1, [], a)).toBe(false);
    expect(verifyInclusion(a, 0, 1, [], a)).toBe(true);
    expect(verifyInclusion(Buffer.alloc(0), 0, 1, [], Buffer.alloc(0))).toBe(false);
  });
});

describe('Merkle tree properties', () => {
  // Leaf contents are irrelevant to the shapes; sizes are what exercise the recursion.
  const leafHashes = (n: number) => Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));
  const size = fc.integer({ min: 1, max: 300 });

  it('the tree head equals the textbook recursion for every size', () => {
    const hashes = leafHashes(130);
    const tree = treeOf(hashes);
    for (let n = 0; n <= hashes.length; n++) expect(hex(tree.root(n))).toBe(hex(referenceRoot(hashes.slice(0, n))));
  });

  it('every inclusion proof verifies, and flipping any bit of any proof byte, the leaf or the head fails it', () => {
    fc.assert(
      fc.property(size, fc.nat(), fc.nat(), fc.nat(), (n, i, byte, bit) => {
        const hashes = leafHashes(n);
        const tree = treeOf(hashes);
        const index = i % n;
        const root = tree.root(n);
        const proof = tree.inclusionProof(index, n);
        expect(proof).toHaveLength(inclusionRanges(index, n).length);
        expect(verifyInclusion(hashes[index]!, index, n, proof, root)).toBe(true);
        const mask = 1 << bit % 8;
        if (proof.length) {
          const at = byte % (proof.length * 32);
          const bad = proof.map((p, j) => (j === Math.floor(at / 32) ? flipped(p, at % 32, mask) : p));
          expect(verifyInclusion(hashes[index]!, index, n, bad, root)).toBe(false);
        }
        expect(verifyInclusion(flipped(hashes[index]!, byte % 32, mask), index, n, proof, root)).toBe(false);
        expect(verifyInclusion(hashes[index]!, index, n, proof, flipped(root, byte % 32, mask))).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('every consistency proof verifies, and flipping any bit of a proof or either head fails it', () => {
    fc.assert(
      fc.property(size, size, fc.nat(), fc.nat(), (a, b, byte, bit) => {
        const [m, n] = a <= b ? [a, b] : [b, a];
        const tree = treeOf(leafHashes(n));
        const r1 = tree.root(m);
        const r2 = tree.root(n);
        const proof = tree.consistencyProof(m, n);
        expect(proof).toHaveLength(consistencyRanges(m, n).length);
        expect(verifyConsistency(m, n, r1, r2, proof)).toBe(true);
        if (m === n) return;
        const mask = 1 << bit % 8;
        const at = byte % (proof.length * 32);
        const bad = proof.map((p, j) => (j === Math.floor(at / 32) ? flipped(p, at % 32, mask) : p));
        expect(verifyConsistency(m, n, r1, r2, bad)).toBe(false);
        expect(verifyConsistency(m, n, flipped(r1, byte % 32, mask), r2, proof)).toBe(false);
        expect(verifyConsistency(m, n, r1, flipped(r2, byte % 32, mask), proof)).toBe(false);
        // A tree that differs in one earlier leaf is not an extension.
        const other = leafHashes(n);
        other[byte % m] = leafHash(Buffer.from('rewritten'));
        expect(verifyConsistency(m, n, referenceRoot(other.slice(0, m)), r2, proof)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('a store keeping only the appended nodes serves the same heads and proofs as the whole tree', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 12 }), (batches) => {
        const nodes = new Map<string, Buffer>();
        const hashes: Buffer[] = [];
        const get = (level: number, index: number) => (level === 0 ? hashes[index] : nodes.get(`${level}:${index}`));
        for (const k of batches) {
          const size = hashes.length;
          const frontier = rangeNodes({ start: 0, end: size }).map((r) => get(r.level, r.index)!);
          const batch = leafHashes(size + k).slice(size);
          for (const nd of appendedNodes(size, frontier, batch)) nodes.set(`${nd.level}:${nd.index}`, nd.hash);
          hashes.push(...batch);
        }
        const tree = treeOf(hashes);
        const n = hashes.length;
        const lookup = (r: { level: number; index: number }) => {
          const h = get(r.level, r.index);
          if (!h) throw new Error(`node ${r.level}:${r.index} not stored`);
          return h;
        };
        expect(hex(rangeHash({ start: 0, end: n }, lookup))).toBe(hex(tree.root()));
        for (let m = 1; m <= n; m++) {
          expect(consistencyRanges(m, n).map((r) => hex(rangeHash(r, lookup)))).toEqual(tree.consistencyProof(m, n).map(hex));
          expect(inclusionRanges(m - 1, n).map((r) => hex(rangeHash(r, lookup)))).toEqual(tree.inclusionProof(m - 1, n).map(hex));
        }
        for (let level = 1; tree.count(level) > 0; level++)
          for (let i = 0; i < tree.count(level); i++) expect(hex(nodes.get(`${level}:${i}`)!)).toBe(hex(tree.node({ level, index: i })));
      }),
      { numRuns: 60 },
    );
  });
});

describe('log leaves', () => {
  it('canonical JSON sorts members by UTF-16 code units and drops whitespace (RFC 8785)', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], '\u20ac': 2, '\ud83d\ude00': 3, é: { z: 1, y: -0 } })).toBe('{"a":[true,null,"x"],"b":1,"é":{"y":0,"z":1},"€":2,"😀":3}');
    expect(canonicalJson({ n: 1e21, m: 0.1 + 0.2, s: 'line\n"quoted"', u: undefined })).toBe('{"m":0.30000000000000004,"n":1e+21,"s":"line\\n\\"quoted\\""}');
    expect(() => canonicalJson({ x: Number.NaN })).toThrow();
  });

  it('canonical text survives a JSON round trip, and the writer\'s spliced leaf is the canonical leaf', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string(), fc.string(), fc.nat(), (data, id, entity, seq) => {
        const text = canonicalJson(data);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
        const fields = { seq, entity, id, op: 'updated', at: '2026-11-20T12:00:00.000Z' };
        expect(encodeLeafOf(fields, text).equals(encodeLeaf({ ...fields, data }))).toBe(true);
        expect(JSON.parse(encodeLeaf({ ...fields, data }).toString('utf8'))).toEqual({ ...fields, data: JSON.parse(text) });
      }),
      { numRuns: 300 },
    );
  });

  it('encodes a leaf as the canonical JSON of its six fields, whatever order they come in', () => {
    const leaf = encodeLeaf({ seq: 7, entity: 'observation', id: 'o-1', op: 'created', at: '2026-11-20T12:00:00.000Z', data: { z: 1, a: 'é' } });
    expect(leaf.toString('utf8')).toBe('{"at":"2026-11-20T12:00:00.000Z","data":{"a":"é","z":1},"entity":"observation","id":"o-1","op":"created","seq":7}');
    expect(hex(leafHash(leaf))).toBe(hex(leafHash(Buffer.concat([Buffer.from('{"at":"2026-11-20T12:00:00.000Z","data":{"a":"'), Buffer.from([0xc3, 0xa9]), Buffer.from('","z":1},"entity":"observation","id":"o-1","op":"created","seq":7}')]))));
  });
});
