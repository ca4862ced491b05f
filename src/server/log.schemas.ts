import { z } from 'zod';

/** Wire shapes of the transparency log API. Hashes, roots and signatures are standard base64 (with padding). */

const b64 = (what: string) => z.string().describe(`${what} (base64)`);

export const CheckpointSchema = z
  .object({
    treeSize: z.number().int().describe('Number of entries the signed tree holds'),
    rootHash: b64('The Merkle tree head: MTH of entries 0..treeSize-1 (RFC 9162 §2.1.1)'),
    timestamp: z.string().describe('When it was signed (ISO 8601, UTC, milliseconds)'),
    keyId: z.string().describe('Hex SHA-256 of the raw 32-byte Ed25519 public key that signed it'),
    signature: b64('Ed25519 signature of `text`'),
    text: z.string().describe('The exact signed text: "truceline-checkpoint\\n<treeSize>\\n<rootHash>\\n<timestamp>\\n" (UTF-8)'),
  })
  .describe('A checkpoint: the tree head signed with the log key');

export const CheckpointList = z.object({
  latest: CheckpointSchema.nullable().describe('The newest checkpoint; null before the first'),
  items: z.array(CheckpointSchema).describe('Checkpoints, largest tree first'),
});

export const CheckpointsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100).describe('How many, at most 1000'),
  before: z.coerce.number().int().min(1).optional().describe('Only checkpoints of fewer entries than this (paging: the last treeSize seen)'),
});

export const PublicKeySchema = z.object({
  keyId: z.string().describe('Hex SHA-256 of the raw public key'),
  algorithm: z.literal('Ed25519'),
  publicKeyPem: z.string().describe('SubjectPublicKeyInfo PEM'),
  publicKeyRaw: b64('The raw 32-byte public key'),
  source: z.enum(['generated', 'file']).describe('generated: made on first start and kept in the store; file: TRUCELINE_LOG_KEY'),
  createdAt: z.string().describe('When the log first used it'),
});

export const PublicKeyResponse = PublicKeySchema.extend({
  keys: z.array(PublicKeySchema.extend({ inUse: z.boolean().describe('Signs new checkpoints') })).describe('Every key that has signed checkpoints of this log, the one in use first'),
}).describe('The key that signs checkpoints now, and every one that has');

export const LogEntrySchema = z
  .object({
    index: z.number().int().describe('Leaf index (0-based, dense)'),
    leafHash: b64('SHA-256(0x00 || leaf)'),
    entity: z.string().describe('What kind of record: observation, task, alert, incident...'),
    op: z.string().describe('created | updated | relabelled'),
    visible: z.boolean().describe('false: the record is not released to you; only the hash and kind are shown'),
    seq: z.number().int().optional().describe("The change's seq in the change feed"),
    id: z.string().optional().describe("The record's id"),
    at: z.string().optional().describe("The change's commit time, verbatim as hashed"),
    data: z.unknown().optional().describe('The record as of the change (null: it could not be read)'),
    leaf: z.string().optional().describe('The leaf itself: RFC 8785 canonical JSON of {at, data, entity, id, op, seq}; its UTF-8 bytes are hashed'),
  })
  .describe('One entry of the transparency log');

export const EntryParams = z.object({ index: z.coerce.number().int().min(0).describe('Leaf index') });

export const EntriesQuery = z.object({
  from: z.coerce.number().int().min(0).default(0).describe('First leaf index'),
  limit: z.coerce.number().int().min(1).max(1000).default(100).describe('How many, at most 1000'),
  entity: z.string().min(1).max(64).optional().describe('With id: only this record\'s entries (oldest first)'),
  id: z.string().min(1).max(200).optional().describe('With entity: only this record\'s entries'),
});

export const EntriesResponse = z.object({
  items: z.array(LogEntrySchema),
  next: z.number().int().nullable().describe('`from` of the next page; null at the end'),
});

export const ProofParams = z.object({ entry: z.coerce.number().int().min(0).describe('Leaf index of the entry') });

export const ProofQuery = z.object({
  treeSize: z.coerce.number().int().min(1).optional().describe('Size of the tree to prove against; default: the latest checkpoint'),
});

export const InclusionProofResponse = z
  .object({
    index: z.number().int(),
    treeSize: z.number().int(),
    leafHash: b64('The entry\'s leaf hash'),
    proof: z.array(z.string()).describe('PATH(index, D[treeSize]) of RFC 9162 §2.1.3.1, from the leaf up (base64 each)'),
    rootHash: b64('The tree head the proof leads to, as the server computes it: trust a signed checkpoint\'s rootHash, not this'),
    checkpoint: CheckpointSchema.nullable().describe('The checkpoint of that tree size; null when none was signed at that size'),
  })
  .describe('An inclusion proof');

export const ConsistencyQuery = z.object({
  from: z.coerce.number().int().min(0).describe('The earlier tree size'),
  to: z.coerce.number().int().min(1).optional().describe('The later tree size; default: the latest checkpoint'),
});

export const ConsistencyProofResponse = z
  .object({
    from: z.number().int(),
    to: z.number().int(),
    proof: z.array(z.string()).describe('PROOF(from, D[to]) of RFC 9162 §2.1.4.1 (base64 each); empty when from is 0 or equals to'),
    fromRoot: b64('Tree head at `from` as the server computes it'),
    toRoot: b64('Tree head at `to` as the server computes it'),
    fromCheckpoint: CheckpointSchema.nullable().describe('The checkpoint of size `from`, if one was signed'),
    toCheckpoint: CheckpointSchema.nullable().describe('The checkpoint of size `to`, if one was signed'),
  })
  .describe('A consistency proof: the tree at `to` extends the tree at `from`');
