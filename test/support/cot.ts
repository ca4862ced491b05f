import { connect, type Socket } from 'node:net';
import { CotFramer } from '../../src/ingest/cot/framer';
import { parseCot, type CotEvent } from '../../src/ingest/cot/parse';

/** Moves every point (not 0,0) of a capture into eastern Ukraine, keeping the shape. */
export function relocateToUkraine(xml: string): string {
  const lat = (v: number): number => (v === 0 ? 0 : 48 + (v - Math.trunc(v)));
  const lon = (v: number): number => (v === 0 ? 0 : 37 + Math.abs(v - Math.trunc(v)));
  return xml
    .replace(/\blat=(['"])(-?[\d.]+)\1/g, (_m, q: string, v: string) => `lat=${q}${lat(Number(v))}${q}`)
    .replace(/\blon=(['"])(-?[\d.]+)\1/g, (_m, q: string, v: string) => `lon=${q}${lon(Number(v))}${q}`)
    .replace(/\bpoint=(['"])(-?[\d.]+),(-?[\d.]+)((?:,[^'"]*)?)\1/g, (_m, q: string, a: string, b: string, rest: string) => `point=${q}${lat(Number(a))},${lon(Number(b))}${rest}${q}`);
}

/** Sets the event's own time and start to `now` and stale to `now + staleMs` (not the times inside its detail). */
export function refreshTimes(xml: string, now = new Date(), staleMs = 300_000): string {
  const start = xml.search(/<event\b/);
  const end = xml.indexOf('>', start);
  const tag = xml
    .slice(start, end)
    .replace(/\b(time|start)=(['"])[^'"]*\2/g, (_m, k: string, q: string) => `${k}=${q}${now.toISOString()}${q}`)
    .replace(/\bstale=(['"])[^'"]*\1/, (_m, q: string) => `stale=${q}${new Date(now.getTime() + staleMs).toISOString()}${q}`);
  return xml.slice(0, start) + tag + xml.slice(end);
}

/** A CoT marker (hostile ground unit with remarks): an observation. */
export function markerXml(uid: string, opts: { lat?: number; lon?: number; remarks?: string; time?: Date } = {}): string {
  const t = (opts.time ?? new Date()).toISOString();
  const stale = new Date(Date.parse(t) + 3600_000).toISOString();
  return (
    `<event version="2.0" uid="${uid}" type="a-h-G" how="h-g-i-g-o" time="${t}" start="${t}" stale="${stale}">` +
    `<point lat="${opts.lat ?? 48.1}" lon="${opts.lon ?? 37.7}" hae="0" ce="25" le="10"/>` +
    `<detail><contact callsign="${uid}"/><remarks>${opts.remarks ?? 'Two impacts, artillery'}</remarks></detail></event>`
  );
}

/** A friendly position report (PLI): a TAK client's position. */
export function pliXml(uid: string, callsign: string, opts: { lat?: number; lon?: number; time?: Date; staleMs?: number } = {}): string {
  const now = opts.time ?? new Date();
  const t = now.toISOString();
  const stale = new Date(now.getTime() + (opts.staleMs ?? 300_000)).toISOString();
  return (
    `<event version="2.0" uid="${uid}" type="a-f-G-U-C" how="m-g" time="${t}" start="${t}" stale="${stale}">` +
    `<point lat="${opts.lat ?? 48.5}" lon="${opts.lon ?? 37.9}" hae="120" ce="9.5" le="9999999.0"/>` +
    `<detail><contact callsign="${callsign}" endpoint="*:-1:stcp"/><__group name="Cyan" role="Team Member"/><status battery="88"/><track course="90" speed="1.2"/></detail></event>`
  );
}

/** A test TAK client on a real socket: writes CoT, frames and parses what it is sent. */
export class CotClient {
  readonly events: CotEvent[] = [];
  readonly raw: string[] = [];
  private readonly framer = new CotFramer();
  readonly closed: Promise<void>;
  isClosed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const r of this.framer.push(chunk)) {
        if (r.kind !== 'frame') continue;
        this.raw.push(r.frame.toString('utf8'));
        const p = parseCot(r.frame);
        if (p.ok) this.events.push(p.event);
      }
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        resolve();
      }),
    );
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<CotClient> {
    const socket = connect({ port, host, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new CotClient(socket);
  }

  async write(data: string | Buffer): Promise<void> {
    if (!this.socket.write(data)) await new Promise<void>((resolve) => this.socket.once('drain', resolve));
  }

  async waitFor(predicate: (c: CotClient) => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!predicate(this)) {
      if (Date.now() > until) throw new Error(`CoT client: timed out waiting for ${what}; got ${this.events.length} events: ${this.events.map((e) => e.uid).join(', ')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async end(): Promise<void> {
    this.socket.end();
    await this.closed;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Polls `fn` until it returns a truthy value. */
export async function eventually<T>(fn: () => Promise<T> | T, timeoutMs = 10_000, what = 'condition'): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await fn();
    if (last) return last as NonNullable<T>;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
