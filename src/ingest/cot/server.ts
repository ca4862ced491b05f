import { createServer, type Server, type Socket } from 'node:net';
import { v7 as uuidv7 } from 'uuid';
import { CotFramer, type FramerRecord } from './framer';
import { mapCot, type CotMapped } from './map';
import { parseCot } from './parse';

/** What the CoT server needs from the rest of Truceline: storage and the outgoing picture. */
export interface CotSink {
  /** Stores raw frames (and rejected regions) durably, in order, before anything is parsed. */
  storeRaw(items: { id: string; body: Buffer; size: number; truncated: boolean; receivedAt: string }[]): Promise<void>;
  quarantine(item: { rawId: string; receivedAt: string; reason: string; size: number; excerpt: string }): Promise<void>;
  /** Takes a mapped event (observation, position, area, chat, deletion; an echo of our own event is accepted as already known). */
  accept(mapped: CotMapped, rawId: string, receivedAt: string): Promise<void>;
  /** Observations for anonymous clients (PUBLIC only), as CoT XML; returns an unsubscribe. */
  subscribePublic(send: (xml: string) => void): () => void;
}

export interface CotServerOptions {
  port: number;
  host?: string;
  /** `accept` (default): anonymous clients' events are taken as unverified observations; `refuse` closes the door. */
  anonymous: 'accept' | 'refuse';
  maxFrameBytes?: number;
  /** A client holding a half-received event this long is cut off (slow-loris). */
  idleTimeoutMs?: number;
  log?: { info(msg: string): void; warn(msg: string): void };
}

const EXCERPT = 1024;

/**
 * TAK's plain streaming port (8087): frames events out of each connection, stores every frame
 * raw, then parses and maps it. Each connection is handled in order, one chunk at a time, with
 * the socket paused while its chunk is stored, so a flooding client waits for its own writes and
 * cannot starve the others (the event loop serves sockets in turn).
 */
export class CotServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly sink: CotSink,
    private readonly opts: CotServerOptions,
  ) {
    this.server = createServer((socket) => this.onConnection(socket));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port, this.opts.host ?? '0.0.0.0', () => resolve());
    });
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : this.opts.port;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onConnection(socket: Socket): void {
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    if (this.opts.anonymous === 'refuse') {
      this.opts.log?.warn(`cot: refused anonymous client ${peer} (TRUCELINE_COT_ANONYMOUS=refuse)`);
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    const framer = new CotFramer({ maxFrameBytes: this.opts.maxFrameBytes });
    const idleMs = this.opts.idleTimeoutMs ?? 60_000;
    let queue = Promise.resolve();
    const unsubscribe = this.sink.subscribePublic((xml) => {
      if (!socket.destroyed && socket.writable) socket.write(xml + '\n');
    });

    // Idle: a client that sends nothing for a while is dropped, whatever it holds half-sent.
    socket.setTimeout(idleMs, () => {
      this.opts.log?.warn(`cot: ${peer} idle for ${idleMs} ms${framer.pendingFrameBytes ? ` with ${framer.pendingFrameBytes} bytes of an unfinished event` : ''}; closing`);
      socket.destroy();
    });

    const process = (records: FramerRecord[]) => {
      if (!records.length) return;
      socket.pause();
      queue = queue
        .then(() => this.handle(records))
        .catch((err: unknown) => this.opts.log?.warn(`cot: ${peer}: ${(err as Error).message}`))
        .finally(() => {
          if (!socket.destroyed) socket.resume();
        });
    };
    socket.on('data', (chunk: Buffer) => process(framer.push(chunk)));
    socket.on('end', () => socket.end());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      unsubscribe();
      this.sockets.delete(socket);
      // What was half-sent when the client left is kept too, as an incomplete record.
      process(framer.end());
    });
  }

  private async handle(records: FramerRecord[]): Promise<void> {
    const receivedAt = new Date().toISOString();
    const items = records.map((r) =>
      r.kind === 'frame'
        ? { id: uuidv7(), body: r.frame, size: r.frame.length, truncated: false, receivedAt, record: r }
        : { id: uuidv7(), body: r.head, size: r.size, truncated: r.head.length < r.size, receivedAt, record: r },
    );
    await this.sink.storeRaw(items);
    for (const { id, record } of items) {
      if (record.kind !== 'frame') {
        await this.sink.quarantine({ rawId: id, receivedAt, reason: record.reason, size: record.size, excerpt: record.head.subarray(0, EXCERPT).toString('utf8') });
        continue;
      }
      const parsed = parseCot(record.frame);
      if (!parsed.ok) {
        await this.sink.quarantine({ rawId: id, receivedAt, reason: `${parsed.code}: ${parsed.reason}`, size: record.frame.length, excerpt: record.frame.subarray(0, EXCERPT).toString('utf8') });
        continue;
      }
      await this.sink.accept(mapCot(parsed.event, { raw: record.frame }), id, receivedAt);
    }
  }
}
