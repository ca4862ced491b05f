import type { FastifyRequest } from 'fastify';
import type { FastifyRouteSchemaDef } from 'fastify/types/schema';
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { validatorCompiler } from 'fastify-type-provider-zod';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { TrucelineError } from '../../domain/errors';
import { INLINE_TYPES, byteRange } from '../../domain/evidence';
import { EvidenceService, type Caller, type EvidenceOptions } from '../../services/evidence.service';
import type { Store } from '../../store/repository';
import { EvidencePage, EvidenceSchema, LinkBody, ListQuery, Sha256Params, UploadQuery, UploadResultSchema, targetsOf } from '../evidence.schemas';
import { ProblemSchema } from '../schemas';

const caller = (req: FastifyRequest): Caller => ({ actor: req.actor, visibility: req.visibility, address: req.ip });

/** The upload's body is the file itself, read by the service as a stream; the schema only documents it. */
const bodyDocumentedOnly = (route: FastifyRouteSchemaDef<unknown>) =>
  route.httpPart === 'body' ? (data: unknown) => ({ value: data }) : validatorCompiler(route as FastifyRouteSchemaDef<z.ZodType>);

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/tiff': 'tif',
  'image/heic': 'heic',
  'image/heif': 'heif',
  'image/avif': 'avif',
  'video/mp4': 'mp4',
  'video/quicktime': 'mov',
  'video/webm': 'webm',
  'video/x-matroska': 'mkv',
  'video/x-msvideo': 'avi',
  'video/3gpp': '3gp',
  'application/pdf': 'pdf',
  'audio/mpeg': 'mp3',
  'audio/ogg': 'ogg',
  'audio/wav': 'wav',
  'application/zip': 'zip',
};

/**
 * Evidence: upload by raw body (the file is the body, what it is about in the query), read,
 * list, attach to more reports, and download with a custody entry per download.
 */
export const evidenceRoutes =
  (store: Store, opts: EvidenceOptions): FastifyPluginAsyncZod =>
  async (app) => {
    const evidence = new EvidenceService(store, opts);

    // The upload in a scope of its own: its body bypasses the raw inbox (see the README: the
    // evidence store is the raw store of files, content-addressed and written once) and reaches
    // the service as the request stream, hashed and written to disk as it arrives, never held
    // whole in memory. Authentication and the permission ran in onRequest, before any byte.
    await app.register(async (upload) => {
      upload.removeAllContentTypeParsers();
      upload.addContentTypeParser('*', { bodyLimit: Number.MAX_SAFE_INTEGER }, (_req, payload, done) => done(null, payload));
      upload.withTypeProvider<ZodTypeProvider>().post(
        '/api/evidence',
        {
          config: { permission: 'evidence.write' },
          validatorCompiler: bodyDocumentedOnly,
          schema: {
            summary: 'Upload a photo, video or document (the request body is the file)',
            description:
              'The body is the file as is, with its Content-Type; the query says what it is about. Stored by the SHA-256 of its bytes: the same file again is stored once (200, with one more attachment or custody entry), a new one answers 201. Images have their EXIF capture time and GPS position read and compared with the observation (or allegation) they are attached to; disagreements are flagged with the reason. Larger than TRUCELINE_MAX_EVIDENCE: 413, nothing stored; an upload cut off: nothing stored.',
            tags: ['evidence'],
            querystring: UploadQuery,
            consumes: ['application/octet-stream', 'image/jpeg', 'image/png', 'image/heic', 'video/mp4', 'video/quicktime', 'application/pdf'],
            body: z.string().meta({ format: 'binary' }).describe('The file (binary)'),
            response: { 200: UploadResultSchema, 201: UploadResultSchema, 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 413: ProblemSchema },
          },
        },
        async (req, reply) => {
          const body = req.body as unknown as Readable | undefined;
          if (!body || typeof (body as Partial<Readable>)[Symbol.asyncIterator] !== 'function') throw new TrucelineError(400, 'invalid-input', 'Invalid input', '(body) is empty: send the file as the request body', '(body)');
          const length = Number(req.headers['content-length']);
          try {
            const { evidence: e, created, added } = await evidence.upload(caller(req), {
              body,
              declaredType: req.headers['content-type'] ?? null,
              declaredSize: Number.isFinite(length) ? length : null,
              filename: req.query.filename ?? null,
              targets: targetsOf(req.query),
              releasability: req.query.releasability,
            });
            return reply
              .code(created ? 201 : 200)
              .header('location', `/api/evidence/${e.sha256}`)
              .send({ ...e, added });
          } catch (err) {
            // The rest of a refused upload is not read: the connection closes after the answer.
            if (!body.readableEnded) reply.header('connection', 'close');
            throw err;
          }
        },
      );
    });

    app.get(
      '/api/evidence',
      {
        config: { permission: 'evidence.read' },
        schema: {
          summary: "List evidence released to you (a report's evidence with ?observation=, ?incident= or ?allegation=), newest first",
          description: 'One item per attachment: the same file attached to two reports, or under two labels, is listed twice.',
          tags: ['evidence'],
          querystring: ListQuery,
          response: { 200: EvidencePage, 400: ProblemSchema, 401: ProblemSchema },
        },
      },
      async (req) => {
        const [target] = targetsOf(req.query);
        return evidence.list(caller(req), { target, sha256: req.query.sha256, limit: req.query.limit, cursor: req.query.cursor });
      },
    );

    app.get(
      '/api/evidence/:sha256',
      {
        config: { permission: 'evidence.read' },
        schema: {
          summary: 'One file: its facts, EXIF capture, attachments with their checks and flags, and its chain of custody',
          description: 'Evidence none of whose attachments is released to you answers 404, as one that does not exist.',
          tags: ['evidence'],
          params: Sha256Params,
          response: { 200: EvidenceSchema, 400: ProblemSchema, 401: ProblemSchema, 404: ProblemSchema },
        },
      },
      async (req) => evidence.get(caller(req), req.params.sha256),
    );

    app.post(
      '/api/evidence/:sha256/links',
      {
        config: { permission: 'evidence.write' },
        schema: {
          summary: 'Attach a stored file to more reports without uploading it again',
          description: 'Each report named gets an attachment (its capture compared with that report); one already attached under the same label is kept. 404 when the file or a report is not released to you.',
          tags: ['evidence'],
          params: Sha256Params,
          body: LinkBody,
          response: { 200: UploadResultSchema, 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema },
        },
      },
      async (req) => {
        const { evidence: e, added } = await evidence.link(caller(req), req.params.sha256, { targets: targetsOf(req.body), releasability: req.body.releasability });
        return { ...e, added };
      },
    );

    app.get(
      '/api/evidence/:sha256/content',
      {
        // A HEAD would run this handler and log a view of bytes never sent.
        exposeHeadRoute: false,
        config: { permission: 'evidence.read' },
        schema: {
          summary: 'The file itself (a custody entry records who viewed it)',
          description:
            'Served with the type its bytes show. Photos, video, audio and PDF are shown inline, anything else is a download. Supports one byte range (Range: bytes=start-end) for seeking in video; each request is an entry in the chain of custody. Repr-Digest carries the SHA-256 to check the bytes against. Errors are problem+json: 401, 404 (not released to you), 416 (range past the end).',
          tags: ['evidence'],
          params: Sha256Params,
          produces: ['application/octet-stream'],
        },
      },
      async (req, reply) => {
        const sha256 = req.params.sha256;
        const served = await evidence.content(caller(req), sha256, (size) => {
          const r = byteRange(req.headers.range, size);
          if (r === 'unsatisfiable') {
            reply.header('content-range', `bytes */${size}`);
            throw new TrucelineError(416, 'range-not-satisfiable', 'Range not satisfiable', `the file has ${size} bytes; ${req.headers.range} asks for none of them`, 'range');
          }
          return r ?? { start: 0, end: size - 1 };
        });
        const { content, start, end } = served;
        const partial = start !== 0 || end !== content.size - 1;
        const inline = INLINE_TYPES.has(content.mediaType);
        const name = `${sha256}.${EXTENSIONS[content.mediaType] ?? 'bin'}`;
        reply
          .code(partial ? 206 : 200)
          .header('content-type', content.mediaType)
          .header('content-length', String(end - start + 1))
          .header('accept-ranges', 'bytes')
          .header('etag', `"${sha256}"`)
          .header('repr-digest', `sha-256=:${Buffer.from(sha256, 'hex').toString('base64')}:`)
          .header('x-content-type-options', 'nosniff')
          .header('content-disposition', `${inline ? 'inline' : 'attachment'}; filename="${name}"`)
          // Every view is a custody entry: no copy may be served from a cache without asking.
          .header('cache-control', 'private, no-store');
        if (partial) reply.header('content-range', `bytes ${start}-${end}/${content.size}`);
        return reply.send(served.stream);
      },
    );
  };
