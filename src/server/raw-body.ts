import { actorLabel } from '../services/auth';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { v7 as uuidv7 } from 'uuid';
import { TrucelineError } from '../domain/errors';
import type { InboxChannel, InboxRepository } from '../store/repository';

declare module 'fastify' {
  interface FastifyRequest {
    /** Raw inbox id of this request's body: every body is stored before it is parsed. */
    rawId?: string;
    /** The body's items have their outcomes in the inbox ledger (see inbox-outcome-hook.ts). */
    inboxSettled?: boolean;
    /** The body was quarantined here (its outcome is not recorded yet). */
    inboxQuarantined?: boolean;
  }
  interface FastifyContextConfig {
    /** How this route's bodies enter the raw inbox: their channel, non-JSON types passed through as a Buffer, a content type to store. */
    inbox?: { channel: InboxChannel; text?: RegExp; contentType?: (req: FastifyRequest, header: string | null) => string | null };
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
    const header = req.headers['content-type'] ?? null;
    const route = req.routeOptions.config?.inbox;
    const channel: InboxChannel = route?.channel ?? 'http';
    const contentType = route?.contentType ? route.contentType(req, header) : header;
    const receivedAt = new Date().toISOString();
    // Authentication ran in onRequest, before the body: the sender is known here.
    const feed = (req.params as { feed?: string } | undefined)?.feed;
    const sender = req.routeOptions.config?.ownCredential ? `feed:${feed ?? '?'}` : actorLabel(req.actor);
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
      req.rawId = rawId;
      req.inboxQuarantined = true;
      await inbox.storeRaw({ id: rawId, channel, receivedAt, contentType, size: fullSize, body: head!, truncated: true, sender });
      await inbox.quarantine({
        id: uuidv7(),
        rawId,
        channel,
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
      await inbox.storeRaw({ id: rawId, channel, receivedAt, contentType, size: body.length, body, truncated: false, sender });
      const isJson = header === null || /json/i.test(header);
      if (route?.text && (header === null || route.text.test(header))) return body;
      if (!isJson) {
        req.inboxQuarantined = true;
        await inbox.quarantine({ id: uuidv7(), rawId, channel, receivedAt, reason: `unsupported content type ${header}`, field: null, size: body.length, excerpt: excerptOf(body) });
        throw new TrucelineError(415, 'unsupported-media-type', 'Unsupported media type', `send application/json, not ${header}`, undefined, { rawId });
      }
      try {
        return JSON.parse(body.toString('utf8'));
      } catch (e) {
        req.inboxQuarantined = true;
        const reason = `malformed JSON: ${(e as Error).message}`;
        await inbox.quarantine({ id: uuidv7(), rawId, channel, receivedAt, reason, field: null, size: body.length, excerpt: excerptOf(body) });
        throw new TrucelineError(400, 'malformed-json', 'Malformed JSON', reason, '(body)', { rawId });
      }
    }
  });
}
