import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { v7 as uuidv7 } from 'uuid';
import type { UserActor } from '../../domain/identity';
import { CotFramer, type FramerRecord } from './framer';

/** Content type of a raw CoT frame in the inbox; a rejected region adds `; rejected=<kind>`. */
export const COT_CONTENT_TYPE = 'application/cot+xml';

/** Frames parsed and ingested at once per connection, at most: the HTTP route's batch size. */
const SETTLE_BATCH = 1000;
/** Frames stored but not yet settled beyond which a connection is not read from (back-pressure). */
const SETTLE_BACKLOG = 5000;

export interface CotRawItem {
  id: string;
  body: Buffer;
  /** The whole region's size (for a cut region: more than `body`). */
  size: number;
  truncated: boolean;
  receivedAt: string;
  contentType: string;
}

/** Who sent a frame on an authenticated connection (kept in the raw input's content type, so replays know too). */
export interface CotSender {
  username: string;
  nation: string;
}

/** One framer record, stored raw under `rawId`. */
export interface CotReceived {
  rawId: string;
  receivedAt: string;
  record: FramerRecord;
  /** Absent: an anonymous client. */
  sender?: CotSender;
}

/** What the CoT server needs from the rest of Truceline: storage and the outgoing picture. */
export interface CotSink {
  /** Stores raw frames (and rejected regions) durably, in order, in one transaction, before anything is parsed. */
  storeRaw(items: CotRawItem[]): Promise<void>;
  /** Parses, maps and takes in (or quarantines) what was stored; every record gets an outcome. */
  settle(items: CotReceived[]): Promise<unknown>;
  /** Observations for anonymous clients (PUBLIC only), as CoT XML; returns an unsubscribe. */
  subscribePublic(send: (xml: string) => void): () => void;
  /** Observations this user may see, as CoT XML (authenticated connections); returns an unsubscribe. */
  subscribeFor?(actor: UserActor, send: (xml: string) => void): () => void;
}

/** PEM key, certificate and CA of a TLS listener; clients must present a certificate the CA signed. */
export interface CotTlsOptions {
  key: string | Buffer;
  cert: string | Buffer;
  ca: string | Buffer;
}

export interface CotServerOptions {
  port: number;
  host?: string;
  /** `accept` (default): anonymous clients' events are taken as unverified observations; `refuse` closes the door. */
  anonymous: 'accept' | 'refuse';
  maxFrameBytes?: number;
  /** A client that sends nothing for this long is dropped (default 10 min: TAK clients send a PLI every few seconds to a minute). */
  idleTimeoutMs?: number;
  /**
   * Slow-loris guard: an event must arrive completely within this long of its first byte
   * (default 60 s), however slowly the bytes drip in; otherwise the client is cut off and what it
   * sent of the event is kept as an incomplete record.
   */
  frameTimeoutMs?: number;
  /** Outgoing CoT queued for a client that does not read beyond this is dropped (default 4 MiB). */
  maxOutBufferBytes?: number;
  /** At most this many clients at once (default 1000). */
  maxConnections?: number;
  log?: { info(msg: string): void; warn(msg: string): void };
  /**
   * TLS (TAK's 8089): a verified client certificate is required (`requestCert`, `rejectUnauthorized`),
   * and `identify` says whose it is. Without it: plain TCP.
   */
  tls?: CotTlsOptions;
  /**
   * Who an (encrypted) connection is: a user, or null to refuse it (the connection is closed, nothing
   * is read). When set, `anonymous` does not apply: every client is identified.
   */
  identify?: (socket: Socket) => Promise<UserActor | null>;
}

export function rawItemOf(r: FramerRecord, receivedAt: string, id = uuidv7(), sender?: CotSender): CotRawItem {
  const who = sender ? `; user=${sender.username}; nation=${sender.nation}` : '';
  return r.kind === 'frame'
    ? { id, body: r.frame, size: r.frame.length, truncated: false, receivedAt, contentType: `${COT_CONTENT_TYPE}${who}` }
    : { id, body: r.head, size: r.size, truncated: r.head.length < r.size, receivedAt, contentType: `${COT_CONTENT_TYPE}; rejected=${r.kind}${who}` };
}

/** The sender a raw CoT input was stored with (see `rawItemOf`); undefined for an anonymous client. */
export function senderOfContentType(contentType: string | null | undefined): CotSender | undefined {
  const username = /;\s*user=([^;\s]+)/.exec(contentType ?? '')?.[1];
  const nation = /;\s*nation=([^;\s]+)/.exec(contentType ?? '')?.[1];
  return username && nation ? { username, nation } : undefined;
}

/**
 * TAK's plain streaming port (8087), or with `tls` and `identify` its TLS port (8089): frames events out of each connection, stores every frame
 * raw, then parses and maps it. Each connection is handled in order, one chunk at a time, with
 * the socket paused while its chunk is stored and settled, so a flooding client waits for its own
 * writes and cannot starve the others (the event loop serves sockets in turn between the steps).
 */
export class CotServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly sink: CotSink,
    private readonly opts: CotServerOptions,
  ) {
    this.server = opts.tls
      ? createTlsServer({ key: opts.tls.key, cert: opts.tls.cert, ca: opts.tls.ca, requestCert: true, rejectUnauthorized: true }, (socket) => this.onConnection(socket))
      : createServer((socket) => this.onConnection(socket));
    // A failed handshake (no or a bad client certificate) never reaches onConnection.
    if (opts.tls) this.server.on('tlsClientError', (err: Error, socket: Socket) => this.opts.log?.warn(`cot: TLS handshake with ${socket.remoteAddress}:${socket.remotePort} refused: ${err.message}`));
    this.server.maxConnections = opts.maxConnections ?? 1000;
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port, this.opts.host ?? '0.0.0.0', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return this.port;
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : this.opts.port;
  }

  get connections(): number {
    return this.sockets.size;
  }

  /** Stops accepting, drops the clients, and waits for what they sent to be settled. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  private onConnection(socket: Socket): void {
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    const identify = this.opts.identify;
    if (!identify) {
      if (this.opts.anonymous === 'refuse') {
        this.opts.log?.warn(`cot: refused anonymous client ${peer} (TRUCELINE_COT_ANONYMOUS=refuse)`);
        socket.destroy();
        return;
      }
      this.serve(socket, peer, null);
      return;
    }
    // Nothing is read until the client is known (no 'data' listener yet: the socket stays paused).
    this.sockets.add(socket);
    socket.on('error', () => socket.destroy());
    const step = identify(socket).then(
      (actor) => {
        if (socket.destroyed) {
          this.sockets.delete(socket);
        } else if (!actor) {
          this.opts.log?.warn(`cot: refused ${peer}: its certificate names no Truceline user`);
          this.sockets.delete(socket);
          socket.destroy();
        } else {
          this.opts.log?.info(`cot: ${peer} is ${actor.username} (${actor.nation})`);
          this.serve(socket, `${peer} (${actor.username})`, actor);
        }
      },
      (err: unknown) => {
        this.opts.log?.warn(`cot: could not identify ${peer}: ${(err as Error).message}; closing`);
        this.sockets.delete(socket);
        socket.destroy();
      },
    );
    this.pending.add(step);
    void step.finally(() => this.pending.delete(step));
  }

  private serve(socket: Socket, peer: string, actor: UserActor | null): void {
    this.sockets.add(socket);
    const sender: CotSender | undefined = actor ? { username: actor.username, nation: actor.nation } : undefined;
    socket.setNoDelay(true);
    const framer = new CotFramer({ maxFrameBytes: this.opts.maxFrameBytes });
    const idleMs = this.opts.idleTimeoutMs ?? 600_000;
    const frameMs = this.opts.frameTimeoutMs ?? 60_000;
    const maxOut = this.opts.maxOutBufferBytes ?? 4 * 1024 * 1024;
    let queue = Promise.resolve();
    let dropped = 0;
    const send = (xml: string) => {
      if (socket.destroyed || !socket.writable) return;
      if (socket.writableLength > maxOut) {
        if (dropped++ === 0) this.opts.log?.warn(`cot: ${peer} does not read what it is sent; dropping outgoing events`);
        return;
      }
      socket.write(xml + '\n');
    };
    const unsubscribe = actor && this.sink.subscribeFor ? this.sink.subscribeFor(actor, send) : this.sink.subscribePublic(send);

    // Idle: a client that sends nothing for a while is dropped, whatever it holds half-sent.
    socket.setTimeout(idleMs, () => {
      this.opts.log?.warn(`cot: ${peer} idle for ${idleMs} ms${framer.pendingFrameBytes ? ` with ${framer.pendingFrameBytes} bytes of an unfinished event` : ''}; closing`);
      socket.destroy();
    });
    // Slow loris: an event that takes too long to arrive, however steadily it drips.
    let frameTimer: NodeJS.Timeout | undefined;
    const watchFrame = () => {
      if (framer.pendingFrameBytes === 0) {
        clearTimeout(frameTimer);
        frameTimer = undefined;
      } else if (!frameTimer) {
        frameTimer = setTimeout(() => {
          this.opts.log?.warn(`cot: ${peer} took over ${frameMs} ms to send one event (${framer.pendingFrameBytes} bytes so far); closing`);
          socket.destroy();
        }, frameMs);
      }
    };

    // Raw first: each chunk's frames are stored before the socket reads on (nothing received is
    // lost). Parsing and ingest then take whatever has been stored meanwhile, up to SETTLE_BATCH
    // at once: under a flood the batches grow to the HTTP route's size instead of one TCP read's
    // (~130 frames), and every follower of the change feed works per batch.
    const stored: { raw: CotRawItem; record: FramerRecord; receivedAt: string }[] = [];
    let storing = 0;
    let settling: Promise<void> | null = null;
    const readOn = () => {
      if (!socket.destroyed && storing === 0 && stored.length < SETTLE_BACKLOG) socket.resume();
    };
    const settleStored = () => {
      if (settling || stored.length === 0) return;
      settling = (async () => {
        while (stored.length) {
          const batch = stored.splice(0, SETTLE_BATCH);
          readOn();
          await this.settle(batch, sender);
        }
      })().finally(() => {
        settling = null;
        // Frames stored while the last batch was finishing would otherwise wait for the next read.
        settleStored();
        readOn();
      });
      this.track(settling);
    };
    const process = (records: FramerRecord[]) => {
      if (!records.length) return;
      socket.pause();
      storing++;
      const receivedAt = new Date().toISOString();
      const items = records.map((r) => ({ raw: rawItemOf(r, receivedAt, uuidv7(), sender), record: r, receivedAt }));
      const step = queue
        .then(() => this.sink.storeRaw(items.map((i) => i.raw)))
        .then(
          () => {
            storing--;
            stored.push(...items);
            settleStored();
            readOn();
          },
          (err: unknown) => {
            storing--;
            // Not stored: never acknowledge by reading on; the client sees the connection drop.
            this.opts.log?.warn(`cot: ${peer}: ${(err as Error).message}; closing`);
            socket.destroy();
          },
        );
      queue = step;
      this.track(step);
    };
    socket.on('data', (chunk: Buffer) => {
      // Frames are cut once the framer has them; bytes after a destroy are not read.
      process(framer.push(chunk));
      watchFrame();
    });
    socket.on('end', () => socket.end());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      clearTimeout(frameTimer);
      unsubscribe();
      this.sockets.delete(socket);
      // What was half-sent when the client left is kept too, as an incomplete record.
      process(framer.end());
    });
  }

  private async settle(items: { raw: CotRawItem; record: FramerRecord; receivedAt: string }[], sender: CotSender | undefined): Promise<void> {
    try {
      await this.sink.settle(items.map(({ raw, record, receivedAt }) => ({ rawId: raw.id, receivedAt, record, ...(sender ? { sender } : {}) })));
    } catch (err) {
      // Stored, so not lost: the raw inputs stay pending until `truceline inbox replay` (or the next start) settles them.
      this.opts.log?.warn(`cot: ${items.length} frames stored but not settled (${(err as Error).message}); they stay pending for replay`);
    }
  }

  /** Work close() waits for. */
  private track(step: Promise<void>): void {
    this.pending.add(step);
    void step.finally(() => this.pending.delete(step));
  }

}
