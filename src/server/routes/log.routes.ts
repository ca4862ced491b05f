import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { InvalidInputError } from '../../domain/errors';
import { encodeLeaf } from '../../domain/merkle';
import type { Checkpoint, LogEntry } from '../../store/log-repository';
import { checkpointText, rawPublicKey, type TransparencyLog } from '../../services/transparency-log';
import {
  CheckpointList,
  CheckpointSchema,
  CheckpointsQuery,
  ConsistencyProofResponse,
  ConsistencyQuery,
  EntriesQuery,
  EntriesResponse,
  EntryParams,
  InclusionProofResponse,
  LogEntrySchema,
  ProofParams,
  ProofQuery,
  PublicKeyResponse,
} from '../log.schemas';
import { ProblemSchema } from '../schemas';

const b64 = (b: Buffer) => b.toString('base64');

const checkpointOut = (c: Checkpoint): z.infer<typeof CheckpointSchema> => ({
  treeSize: c.treeSize,
  rootHash: b64(c.rootHash),
  timestamp: c.timestamp,
  keyId: c.keyId,
  signature: b64(c.signature),
  text: checkpointText(c),
});

/** An entry as a reader may see it: the record only where it is released to them. */
function entryOut(e: LogEntry, visible: boolean): z.infer<typeof LogEntrySchema> {
  const base = { index: e.index, leafHash: b64(e.leafHash), entity: e.entity, op: e.op, visible };
  if (!visible) return base;
  const data = JSON.parse(e.data) as unknown;
  return { ...base, seq: e.seq, id: e.id, at: e.at, data, leaf: encodeLeaf({ seq: e.seq, entity: e.entity, id: e.id, op: e.op, at: e.at, data }).toString('utf8') };
}

/**
 * The transparency log: checkpoints, the public key, entries and proofs. Hashes and proofs are
 * public (they reveal nothing of a record); an entry's data follows the record's releasability.
 */
export const logRoutes =
  (log: TransparencyLog): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/api/log/checkpoints',
      {
        config: { permission: 'log.read' },
        schema: {
          summary: 'Signed checkpoints (tree heads) of the transparency log, the latest first',
          tags: ['log'],
          querystring: CheckpointsQuery,
          response: { 200: CheckpointList, 400: ProblemSchema },
        },
      },
      async (req) => {
        const [latest, items] = await Promise.all([log.latestCheckpoint(), log.checkpoints(req.query.limit, req.query.before)]);
        return { latest: latest ? checkpointOut(latest) : null, items: items.map(checkpointOut) };
      },
    );

    app.post(
      '/api/log/checkpoints',
      {
        config: { permission: 'log.checkpoint' },
        schema: {
          summary: 'Make a checkpoint now: append what is pending, then sign the tree head',
          tags: ['log'],
          response: { 201: CheckpointSchema, 401: ProblemSchema, 403: ProblemSchema },
        },
      },
      async (req, reply) => reply.code(201).send(checkpointOut(await log.checkpoint(req.actor))),
    );

    app.get(
      '/api/log/public-key',
      {
        config: { permission: 'log.read' },
        schema: {
          summary: 'The Ed25519 public key that signs checkpoints (and every earlier one)',
          tags: ['log'],
          response: { 200: PublicKeyResponse },
        },
      },
      async () => {
        const keys = (await log.publicKeys()).map((k) => ({
          keyId: k.keyId,
          algorithm: 'Ed25519' as const,
          publicKeyPem: k.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
          publicKeyRaw: b64(rawPublicKey(k.publicKey)),
          source: k.source,
          createdAt: k.createdAt,
          inUse: k.inUse,
        }));
        const { inUse: _inUse, ...current } = keys[0]!;
        return { ...current, keys };
      },
    );

    app.get(
      '/api/log/entries',
      {
        config: { permission: 'log.read' },
        schema: {
          summary: 'Entries of the log in leaf order, or one record\'s entries (entity and id)',
          description: "An entry's record data is shown only to readers the record is released to; others get the leaf hash, entity and op. A record's entries are listed only to readers who may see it.",
          tags: ['log'],
          querystring: EntriesQuery,
          response: { 200: EntriesResponse, 400: ProblemSchema },
        },
      },
      async (req) => {
        const { from, limit, entity, id } = req.query;
        if ((entity === undefined) !== (id === undefined)) throw new InvalidInputError(entity === undefined ? 'entity' : 'id', 'is needed with the other (one record\'s entries)');
        if (entity !== undefined && id !== undefined) {
          const items = await log.recordEntries(entity, id, req.visibility, limit);
          return { items: items.map((e) => entryOut(e, true)), next: null };
        }
        const items = await log.entries(from, limit, req.visibility);
        return { items: items.map((x) => entryOut(x.entry, x.visible)), next: items.length === limit ? from + limit : null };
      },
    );

    app.get(
      '/api/log/entries/:index',
      {
        config: { permission: 'log.read' },
        schema: {
          summary: 'One entry: its leaf hash, and the record data it holds where released to you',
          tags: ['log'],
          params: EntryParams,
          response: { 200: LogEntrySchema, 400: ProblemSchema, 404: ProblemSchema },
        },
      },
      async (req) => {
        const { entry, visible } = await log.entry(req.params.index, req.visibility);
        return entryOut(entry, visible);
      },
    );

    app.get(
      '/api/log/proof/:entry',
      {
        config: { permission: 'log.read' },
        schema: {
          summary: 'Inclusion proof of an entry against a checkpoint (default: the latest)',
          description: 'Verify with RFC 9162 §2.1.3.2 against the rootHash of the signed checkpoint; see the README for a standalone verifier.',
          tags: ['log'],
          params: ProofParams,
          querystring: ProofQuery,
          response: { 200: InclusionProofResponse, 400: ProblemSchema, 404: ProblemSchema },
        },
      },
      async (req) => {
        const p = await log.inclusionProof(req.params.entry, req.query.treeSize);
        return { index: p.index, treeSize: p.treeSize, leafHash: b64(p.leafHash), proof: p.proof.map(b64), rootHash: b64(p.rootHash), checkpoint: p.checkpoint ? checkpointOut(p.checkpoint) : null };
      },
    );

    app.get(
      '/api/log/consistency',
      {
        config: { permission: 'log.read' },
        schema: {
          summary: 'Consistency proof: the tree of `to` entries extends the tree of `from` entries',
          description: 'Verify with RFC 9162 §2.1.4.2 against the two signed checkpoints.',
          tags: ['log'],
          querystring: ConsistencyQuery,
          response: { 200: ConsistencyProofResponse, 400: ProblemSchema, 404: ProblemSchema },
        },
      },
      async (req) => {
        const p = await log.consistencyProof(req.query.from, req.query.to);
        return {
          from: p.from,
          to: p.to,
          proof: p.proof.map(b64),
          fromRoot: b64(p.fromRoot),
          toRoot: b64(p.toRoot),
          fromCheckpoint: p.fromCheckpoint ? checkpointOut(p.fromCheckpoint) : null,
          toCheckpoint: p.toCheckpoint ? checkpointOut(p.toCheckpoint) : null,
        };
      },
    );
  };
