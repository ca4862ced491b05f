/**
 * Names shared by sites and the cell. Changing any of them is a wire change: a site and a cell
 * of different versions must agree on them.
 */

/** The JetStream stream every site publishes to (file storage, subjects `truceline.site.>`). */
export const STREAM = 'TRUCELINE';
export const STREAM_SUBJECTS = 'truceline.site.>';
/** The cell's durable pull consumer; several cell processes share it (each message to one of them). */
export const CELL_DURABLE = 'truceline-cell-observation';
/** What the cell's consumer takes: observations of every site, every kind. */
export const OBSERVATION_FILTER = 'truceline.site.*.observation.*';
/**
 * How long the stream remembers a Nats-Msg-Id to drop a re-publish of it. The cell is idempotent by
 * id anyway; the window only keeps the stream from holding a copy of what a site re-sends after a
 * lost PubAck or a crash between publish and cursor write, which happens within minutes.
 */
export const DUPLICATE_WINDOW_MS = 24 * 3600 * 1000;

/** Site ids are one NATS subject token. */
export const SITE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** `truceline.site.<site>.observation.<kind>`. Kinds are lower-case words with underscores. */
export function observationSubject(site: string, kind: string): string {
  return `truceline.site.${site}.observation.${kind}`;
}

/** Site and kind out of a subject, or undefined for a subject of another shape. */
export function parseObservationSubject(subject: string): { site: string; kind: string } | undefined {
  const m = /^truceline\.site\.([^.]+)\.observation\.([^.]+)$/.exec(subject);
  return m ? { site: m[1]!, kind: m[2]! } : undefined;
}

/** The Nats-Msg-Id of an observation published by a site: one per site and id. */
export function observationMsgId(site: string, id: string): string {
  return `${site}:observation:${id}`;
}

/** Servers from a comma-separated list of URLs. */
export function natsServers(url: string): string[] {
  return url
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Connection options from `nats://[user:pass@|token@]host:port[,...]`: nats.js ignores credentials
 * in server URLs, so they are taken out and passed as user/pass (or token).
 */
export function natsConnectOptions(url: string): { servers: string[]; user?: string; pass?: string; token?: string } {
  let auth: { user?: string; pass?: string; token?: string } = {};
  const servers = natsServers(url).map((s) => {
    const m = /^([a-z]+:\/\/)([^/@]+)@(.*)$/i.exec(s);
    if (!m) return s;
    const [user, pass] = m[2]!.split(':').map(decodeURIComponent) as [string, string | undefined];
    auth = pass === undefined ? { token: user } : { user, pass };
    return m[1]! + m[3]!;
  });
  return { servers, ...auth };
}

/** A server list for logs: credentials in URLs hidden. */
export function shownServers(url: string): string {
  return natsServers(url)
    .map((s) => s.replace(/\/\/([^/@]+)@/, '//***@'))
    .join(',');
}
