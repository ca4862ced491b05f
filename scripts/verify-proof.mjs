#!/usr/bin/env node
// Checks a Truceline log entry with nothing but the server's answers, node:crypto and a public key.
// Usage: node scripts/verify-proof.mjs <server-url> <entry-index> [<earlier-tree-size>]
// Env: TRUCELINE_LOG_PUBKEY=<pem file> pins the key (else the server's is used: compare its keyId
// with one obtained out of band); TRUCELINE_TOKEN=<api token> to see entries not released publicly.
import { createHash, createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';

const [base, indexArg, earlierArg] = process.argv.slice(2);
const headers = process.env.TRUCELINE_TOKEN ? { authorization: `Bearer ${process.env.TRUCELINE_TOKEN}` } : {};
const get = async (path) => {
  const r = await fetch(new URL(path, base), { headers });
  if (!r.ok) throw new Error(`GET ${path}: ${r.status} ${await r.text()}`);
  return r.json();
};
const sha256 = (...parts) => parts.reduce((h, p) => h.update(p), createHash('sha256')).digest();
const leafHash = (bytes) => sha256(Buffer.from([0]), bytes);
const nodeHash = (l, r) => sha256(Buffer.from([1]), l, r);
const b64 = (s) => Buffer.from(s, 'base64');
// RFC 8785: members sorted by UTF-16 code units, no whitespace, JSON.stringify for scalars.
const jcs = (v) =>
  Array.isArray(v) ? `[${v.map(jcs).join(',')}]`
  : v && typeof v === 'object' ? `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${jcs(v[k])}`).join(',')}}`
  : JSON.stringify(v);

// RFC 9162 §2.1.3.2
function verifyInclusion(leaf, index, size, proof, root) {
  if (index >= size) return false;
  let fn = index, sn = size - 1, r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) [fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)];
    } else r = nodeHash(r, p);
    [fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)];
  }
  return sn === 0 && r.equals(root);
}

// RFC 9162 §2.1.4.2 (0 < size1 < size2)
function verifyConsistency(size1, size2, root1, root2, proof) {
  if (proof.length === 0) return false;
  const path = (size1 & (size1 - 1)) === 0 ? [root1, ...proof] : proof;
  let fn = size1 - 1, sn = size2 - 1;
  while (fn % 2 === 1) [fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)];
  let fr = path[0], sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      [fr, sr] = [nodeHash(c, fr), nodeHash(c, sr)];
      while (fn % 2 === 0 && fn !== 0) [fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)];
    } else sr = nodeHash(sr, c);
    [fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)];
  }
  return sn === 0 && fr.equals(root1) && sr.equals(root2);
}

const key = createPublicKey(process.env.TRUCELINE_LOG_PUBKEY ? readFileSync(process.env.TRUCELINE_LOG_PUBKEY) : (await get('/api/log/public-key')).publicKeyPem);
const checkpointOk = (c) =>
  c && verify(null, Buffer.from(`truceline-checkpoint\n${c.treeSize}\n${c.rootHash}\n${c.timestamp}\n`), key, b64(c.signature));
const fail = (why) => {
  console.log(`FAIL: ${why}`);
  process.exit(1);
};

const { latest } = await get('/api/log/checkpoints?limit=1');
if (!checkpointOk(latest)) fail('the latest checkpoint is missing or its signature does not verify');
const index = Number(indexArg);
const entry = await get(`/api/log/entries/${index}`);
if (entry.visible) {
  const leaf = Buffer.from(jcs({ at: entry.at, data: entry.data, entity: entry.entity, id: entry.id, op: entry.op, seq: entry.seq }));
  if (!leafHash(leaf).equals(b64(entry.leafHash))) fail(`entry ${index}: its data does not hash to its leaf hash`);
}
const proof = await get(`/api/log/proof/${index}?treeSize=${latest.treeSize}`);
if (!verifyInclusion(b64(entry.leafHash), index, latest.treeSize, proof.proof.map(b64), b64(latest.rootHash)))
  fail(`entry ${index} is not in the tree the checkpoint of ${latest.treeSize} entries signs`);
if (earlierArg) {
  const c = await get(`/api/log/consistency?from=${Number(earlierArg)}&to=${latest.treeSize}`);
  if (!checkpointOk(c.fromCheckpoint)) fail(`no valid checkpoint of ${earlierArg} entries`);
  if (c.from < c.to && !verifyConsistency(c.from, c.to, b64(c.fromCheckpoint.rootHash), b64(latest.rootHash), c.proof.map(b64)))
    fail(`the log of ${c.to} entries does not extend the one of ${c.from}: history was rewritten`);
}
console.log(
  `OK: entry ${index} (${entry.visible ? `${entry.entity} ${entry.id}, ${entry.op}` : `${entry.entity}, data not released to you`}) is in the log of ${latest.treeSize} entries signed ${latest.timestamp}` +
    (earlierArg ? `, which extends the log of ${earlierArg} entries` : ''),
);
