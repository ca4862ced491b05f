import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { v7 as uuidv7 } from 'uuid';
import { TrucelineError } from '../domain/errors';
import type { InboxRepository } from '../store/repository';

declare module 'fastify' {
  interface FastifyRequest {
    /** Raw inbox id of this request's body: every body is stored before it is parsed. */
    rawId?: string;
  }
}

const EXCERPT_BYTES = 1024;
/** After this many times the limit an oversized upload is cut off rather than drained to count it. */
const DRAIN_FACTOR = 16;

export function excerptOf(body: Buffer): string {
  return body.subarray(0, EXCERPT_BYTES).toString('utf8');
}

/**
 * Replaces Fastify's body parsers by one that stores every body in the raw inbox first, then
 * parses JSON. Oversized bodies are answered 413 and leave a quarantine record with their size
 * and first kilobyte; malformed JSON leaves one too and is answered 400.
 */
export function installRawBodyCapture(app: FastifyInstance, inbox: InboxRepository, maxBody: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { bodyLimit: Number.MAX_SAFE_INTEGER }, (req: FastifyRequest, payload: Readable, done) => {
    const contentType = req.headers['content-type'] ?? null;
    const receivedAt = new Date().toISOString();
    const chunks: Buffer[] = [];
    let size = 0;
    let head: Buffer | null = null;
    let finished = false;

    const finish = (fn: () => Promise<unknown>): void => {
      if (finished) return;
      finished = true;
      fn().then(
        (value) => done(null, value),
        (err: Error) => done(err as never, undefined),
      );
    };

    payload.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (head === null) {
        if (size <= maxBody) chunks.push(chunk);
        else {
          head = Buffer.concat(chunks.concat(chunk)).subarray(0, EXCERPT_BYTES);
          chunks.length = 0;
        }
      }
      if (size > maxBody * DRAIN_FACTOR) {
        payload.destroy();
        finish(() => tooLarge(true));
      }
    });
    payload.on('error', (err) => finish(async () => Promise.reject(new TrucelineError(400, 'body-read', 'Body not read', `request body could not be read: ${err.message}`))));
    payload.on('end', () => finish(() => (head ? tooLarge(false) : accept(Buffer.concat(chunks)))));

    async function tooLarge(cutOff: boolean): Promise<never> {
      const rawId = uuidv7();
      const declared = Number(req.headers['content-length']);
      const fullSize = Number.isFinite(declared) && declared > size ? declared : size;
      await inbox.storeRaw({ id: rawId, channel: 'http', receivedAt, contentType, size: fullSize, body: head!, truncated: true });
      await inbox.quarantine({
        id: uuidv7(),
        rawId,
        channel: 'http',
        receivedAt,
        reason: `body of ${fullSize}${cutOff ? '+' : ''} bytes exceeds the limit of ${maxBody} bytes (TRUCELINE_MAX_BODY)`,
        field: null,
        size: fullSize,
        excerpt: excerptOf(head!),
      });
      throw new TrucelineError(413, 'body-too-large', 'Payload too large', `request body of ${fullSize} bytes exceeds the limit of ${maxBody} bytes`, undefined, {
        limit: maxBody,
        size: fullSize,
        rawId,
      });
    }

    async function accept(body: Buffer): Promise<unknown> {
      const rawId = uuidv7();
      req.rawId = rawId;
      await inbox.storeRaw({ id: rawId, channel: 'http', receivedAt, contentType, size: body.length, body, truncated: false });
      const isJson = contentType === null || /json/i.test(contentType);
      if (!isJson) {
        await inbox.quarantine({ id: uuidv7(), rawId, channel: 'http', receivedAt, reason: `unsupported content type ${contentType}`, field: null, size: body.length, excerpt: excerptOf(body) });
        throw new TrucelineError(415, 'unsupported-media-type', 'Unsupported media type', `send application/json, not ${contentType}`, undefined, { rawId });
      }
      try {
        return JSON.parse(body.toString('utf8'));
      } catch (e) {
        const reason = `malformed JSON: ${(e as Error).message}`;
        await inbox.quarantine({ id: uuidv7(), rawId, channel: 'http', receivedAt, reason, field: null, size: body.length, excerpt: excerptOf(body) });
        throw new TrucelineError(400, 'malformed-json', 'Malformed JSON', reason, '(body)', { rawId });
      }
    }
  });
}
