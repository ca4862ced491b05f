/**
 * CoT event → Truceline domain values (pure; no IO).
 *
 * | CoT type                                   | result                                              |
 * |--------------------------------------------|-----------------------------------------------------|
 * | `a-f-*` (friendly PLI, not `<archive/>`d)   | `position` (monitor/patrol position, expires at `stale`) |
 * | `b-m-p-*`, `a-h-*`, `a-u-*`, `u-d-p`, archived `a-f-*` | `observation` (source `tak`), kind from remarks |
 * | `u-d-f*`, `u-d-r`, `u-d-c-c`, `u-d-c-e`    | `area` (a GeoJSON Feature: Polygon or LineString)   |
 * | `b-t-f*`                                   | `chat` (message log entry; `-d`/`-r` are receipts)  |
 * | `t-x-d-d`                                  | `delete` of the linked uid                          |
 * | anything else (routes, range & bearing, 2525 markers, casevac, alerts...) | `observation` of kind `other` with the raw event |
 * | an event this server sent out (uid `truceline.*` with `<__truceline>`) | `echo` (ignore it) |
 *
 * A well-formed event is never rejected here: a shape without usable geometry, for instance,
 * falls back to an `other` observation with `fallbackReason`.
 *
 * Observation ids. An observation is append-only, while a CoT client re-sends the same uid with a
 * new `time` whenever the marker changes (moved, remarks edited). So the id is
 * `cot:<uid>:<time>` (time normalised to ISO UTC): a re-send of the very same message (same uid and
 * time: TAK Server replays, reconnects) maps to the same id and is stored once; a changed event
 * gets a new id, i.e. a new version, and never conflicts with the old one. `contentHash` lets the
 * caller skip a re-send that only bumped `time` (same hash as the latest version of that uid) and
 * record `supersedes` (the previous version's id) for a real change. uids that are not printable
 * ASCII are percent-encoded; if the id would exceed 128 characters the uid is replaced by a hash.
 */
import { createHash, hash } from 'node:crypto';
import type { Feature, LineString, Polygon } from 'geojson';
import type { ObservationInput, ObservationKind } from '../../domain/observation';
import { EXPLOSION_SUBKINDS } from '../../domain/observation';
import { parseCot, type CotEvent, type CotLink } from './parse';
import { escapeXml, escapeXmlAttr } from './xml';

type ExplosionSubkind = (typeof EXPLOSION_SUBKINDS)[number];

export interface CotMapOptions {
  /** Label for observations (default `MECHANISM`: an anonymous TAK client's reports are unverified). */
  releasability?: string;
  /** Who sent it, when the connection is authenticated (overrides callsigns as `source.reporter`). */
  reporter?: string;
  /** ISO 3166-1 alpha-3 nation of an authenticated sender. */
  nation?: string;
  /** The raw frame, kept for `other` observations (re-serialised from the event if absent); decoded only when needed. */
  raw?: string | Buffer;
}

export interface CotPosition {
  type: 'position';
  uid: string;
  callsign: string;
  cotType: string;
  how?: string;
  lat: number;
  lon: number;
  hae?: number;
  accuracyM?: number;
  course?: number;
  speed?: number;
  battery?: number;
  group?: { name?: string; role?: string };
  device?: string;
  platform?: string;
  endpoint?: string;
  time: string;
  /** The sender's claim of when this position expires. */
  stale: string;
}

export interface CotObservation {
  type: 'observation';
  uid: string;
  /** Ready for `ObservationInput.safeParse` / the ingest service. */
  observation: ObservationInput;
  /** `marker` for markers and spot reports; `other` for any other event type (or a fallback). */
  basis: 'marker' | 'other';
  /** Hash of what the sender can change (type, point, callsign, remarks, detail): equal hash = unchanged re-send. */
  contentHash: string;
  /** The raw event, for `other` (also quoted in notes as far as the notes limit allows). */
  raw?: string;
  /** Why an event of a mapped type fell back to `other` (e.g. a shape without geometry). */
  fallbackReason?: string;
}

export type AreaShape = 'polygon' | 'polyline' | 'rectangle' | 'circle' | 'ellipse' | 'freehand';

export interface AreaProperties {
  uid: string;
  name?: string;
  remarks?: string;
  cotType: string;
  shape: AreaShape;
  strokeColor?: number;
  fillColor?: number;
  strokeWeight?: number;
  /** Circles and ellipses: centre and semi-axes in metres, major-axis bearing in degrees. */
  center?: [number, number];
  majorM?: number;
  minorM?: number;
  angleDeg?: number;
}

export interface CotArea {
  type: 'area';
  uid: string;
  /** Version id, `cot:<uid>:<time>` (see the module comment). */
  id: string;
  name?: string;
  remarks?: string;
  cotType: string;
  time: string;
  stale: string;
  contentHash: string;
  feature: Feature<Polygon | LineString, AreaProperties>;
}

export interface CotChatEntry {
  type: 'chat';
  uid: string;
  /** `message` for `b-t-f`; `delivered`/`read` receipts for `b-t-f-d`/`b-t-f-r`; `other` for other `b-t-f-*`. */
  status: 'message' | 'delivered' | 'read' | 'other';
  messageId?: string;
  chatroom?: string;
  chatId?: string;
  senderCallsign?: string;
  senderUid?: string;
  /** Recipient uid or room (`remarks@to`). */
  to?: string;
  text: string;
  time: string;
  lat: number;
  lon: number;
}

export interface CotDeletion {
  type: 'delete';
  /** The uid of the deletion message itself. */
  uid: string;
  /** The uid to delete (the linked uid; the event's own uid if no link). */
  targetUid: string;
  time: string;
}

export interface CotEcho {
  type: 'echo';
  uid: string;
  observationId?: string;
}

export type CotMapped = CotPosition | CotObservation | CotArea | CotChatEntry | CotDeletion | CotEcho;

const NOTES_MAX = 10_000;
const REPORTER_MAX = 200;
/** uid prefix of the events `observationToCot` writes. */
export const TRUCELINE_UID_PREFIX = 'truceline.obs.';

// ---------------------------------------------------------------------------------------------
// Ids and hashes

/** `cot:<uid>:<time>`: printable ASCII, at most 128 characters (see the module comment). */
const PLAIN_UID = /^[\x21-\x24\x26-\x7e]+$/;

export function cotObservationId(uid: string, time: string): string {
  if (PLAIN_UID.test(uid) && uid.length + time.length <= 123) return `cot:${uid}:${time}`;
  let safe = '';
  for (const ch of uid) {
    const c = ch.codePointAt(0)!;
    if (c >= 0x21 && c <= 0x7e && ch !== '%') safe += ch;
    else for (const b of Buffer.from(ch, 'utf8')) safe += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  const id = `cot:${safe}:${time}`;
  if (id.length <= 128) return id;
  return `cot:#${createHash('sha256').update(uid).digest('base64url').slice(0, 32)}:${time}`;
}

function hashOf(parts: readonly (string | number | undefined)[]): string {
  let s = '';
  for (const p of parts) s += p === undefined ? '\u0000' : `${String(p)}\u0001`;
  return hash('sha1', s, 'base64url');
}

function contentHashOf(ev: CotEvent): string {
  return hashOf([ev.type, ev.point.lat, ev.point.lon, ev.point.hae, ev.point.ce, ev.detail.xml]);
}

// ---------------------------------------------------------------------------------------------
// Kinds from remarks

interface KindRule {
  kind: ObservationKind;
  re: RegExp;
}
/** Word-bounded (also for Cyrillic) keyword alternatives. */
function words(alts: string): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${alts})(?![\\p{L}\\p{N}])`, 'iu');
}
/** First match wins: more specific kinds first (a mine explosion is a mine incident). */
const KIND_RULES: readonly KindRule[] = [
  { kind: 'muzzle_flash', re: words('muzzle[ -]?flash(?:es)?') },
  { kind: 'illumination_flare', re: words('(?:illumination )?flares?|освітлювальн\\p{L}*|осветительн\\p{L}*') },
  { kind: 'mine', re: words('mines?|landmines?|minefields?|ied|ieds|uxo|unexploded|tripwires?|міна|міни|мина|мины|розтяжка') },
  {
    kind: 'explosion',
    re: words(
      'explosions?|exploded|explosive|impacts?|shelling|shelled|blasts?|detonations?|artillery|mortars?|strikes?|airstrikes?|bombing|bombs?|airburst|air burst|вибух\\p{L}*|обстріл\\p{L}*|приліт\\p{L}*|взрыв\\p{L}*|обстрел\\p{L}*|прилет\\p{L}*',
    ),
  },
  { kind: 'projectile_in_flight', re: words('projectiles?|tracers?|rockets? in flight|missiles? in flight') },
  { kind: 'burst', re: words('bursts?|small[- ]arms|gunfire|machine[- ]?guns?|automatic fire|exchange of fire|firefight|стрілянина|перестрілка|стрельба|перестрелка') },
  { kind: 'shot', re: words('shots?|sniper|gunshots?|single shot|постріл\\p{L}*|выстрел\\p{L}*') },
  { kind: 'flight', re: words('drones?|uavs?|uas|aircraft|helicopters?|quadcopters?|jets?|дрон\\p{L}*|бпла|безпілотн\\p{L}*|беспилотн\\p{L}*') },
  { kind: 'weapon_sighting', re: words('tanks?|howitzers?|mlrs|grad|apcs?|ifvs?|weapons?|sam|manpads|гармат\\p{L}*|танк\\p{L}*|гаубиц\\p{L}*') },
  { kind: 'casualty', re: words('casualt(?:y|ies)|killed|wounded|injured|dead|kia|wia|загибл\\p{L}*|поранен\\p{L}*|погиб\\p{L}*|ранен\\p{L}*') },
  { kind: 'damage', re: words('damaged?|destroyed|craters?|руйнуванн\\p{L}*|пошкоджен\\p{L}*|разрушен\\p{L}*|поврежден\\p{L}*') },
  { kind: 'access_restriction', re: words('checkpoints?|roadblocks?|road ?block|denied|access restriction|restricted access|blocked|блокпост\\p{L}*') },
  { kind: 'movement', re: words('convoys?|movement|moving|columns?|withdraw\\p{L}*|колон\\p{L}*') },
];
const SUBKIND_RULES: readonly { subkind: ExplosionSubkind; re: RegExp }[] = [
  { subkind: 'airburst', re: words('airburst|air burst|air-burst') },
  { subkind: 'outgoing', re: words('outgoing|launch(?:ed|es)?|fired from|вихід\\p{L}*|выход\\p{L}*') },
  { subkind: 'impact', re: words('impacts?|shelling|shelled|strikes?|hit|landed|приліт\\p{L}*|прилет\\p{L}*|обстріл\\p{L}*|обстрел\\p{L}*') },
];

/** Kind (and explosion subkind) of a marker from its remarks, then its name, then its type. */
export function classifyCotKind(cotType: string, remarks?: string, callsign?: string): { kind: ObservationKind; subkind?: ExplosionSubkind } {
  for (const text of [remarks, callsign]) {
    if (!text) continue;
    for (const rule of KIND_RULES) {
      if (!rule.re.test(text)) continue;
      if (rule.kind !== 'explosion') return { kind: rule.kind };
      const sub = SUBKIND_RULES.find((r) => r.re.test(text));
      return { kind: 'explosion', subkind: sub?.subkind ?? 'undetermined' };
    }
  }
  // Type-based fallbacks (2525 atoms: G-E-W weapon, G-E-X-M mines, A air).
  if (/^a-[^-]+-G-E-X-M/.test(cotType)) return { kind: 'mine' };
  if (/^a-[^-]+-G-E-W/.test(cotType)) return { kind: 'weapon_sighting' };
  if (/^a-[^-]+-A(?:-|$)/.test(cotType)) return { kind: 'flight' };
  return { kind: 'other' };
}

// ---------------------------------------------------------------------------------------------
// Helpers

function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  // Do not cut a surrogate pair in half.
  let end = max - 1;
  const c = s.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return `${s.slice(0, end)}…`;
}

function isMarkerType(t: string): boolean {
  return t.startsWith('b-m-p-') || t === 'b-m-p' || t.startsWith('a-h-') || t === 'a-h' || t.startsWith('a-u-') || t === 'a-u' || t === 'u-d-p' || t.startsWith('u-d-p-');
}
function isFriendly(t: string): boolean {
  return t === 'a-f' || t.startsWith('a-f-');
}

/** The p-p link's parent: who placed a marker. */
function parentLink(ev: CotEvent): CotLink | undefined {
  return ev.detail.links.find((l) => l.relation === 'p-p');
}

function reporterOf(ev: CotEvent, opts: CotMapOptions): string | undefined {
  const r = opts.reporter ?? parentLink(ev)?.parentCallsign ?? ev.detail.creator?.callsign ?? ev.detail.contact?.callsign ?? ev.uid;
  return r ? clip(r, REPORTER_MAX) : undefined;
}

/** Where an event is: its point, or (for events at 0,0 such as routes) its first link point. */
function locationOf(ev: CotEvent): { lat: number; lon: number; accuracyM?: number } {
  const p = ev.point;
  if (p.lat === 0 && p.lon === 0) {
    const lp = ev.detail.links.find((l) => l.point)?.point;
    if (lp) return { lat: lp.lat, lon: lp.lon };
  }
  return p.ce !== undefined ? { lat: p.lat, lon: p.lon, accuracyM: p.ce } : { lat: p.lat, lon: p.lon };
}

/** Re-serialises an event (when the raw frame was not passed). */
export function cotEventXml(ev: CotEvent): string {
  const at = (k: string, v: string | number | undefined): string => (v === undefined ? '' : ` ${k}="${escapeXmlAttr(String(v))}"`);
  const p = ev.point;
  return (
    `<event${at('version', ev.version)}${at('uid', ev.uid)}${at('type', ev.type)}${at('how', ev.how)}${at('time', ev.time)}${at('start', ev.start)}${at('stale', ev.stale)}${at('access', ev.access)}>` +
    `<point${at('lat', p.lat)}${at('lon', p.lon)} hae="${p.hae ?? 9999999.0}" ce="${p.ce ?? 9999999.0}" le="${p.le ?? 9999999.0}"/>` +
    `${ev.detail.xml}</event>`
  );
}

function observationNotes(ev: CotEvent, head: string, raw?: string): string {
  const remarks = ev.detail.remarks?.text.trim();
  const callsign = ev.detail.contact?.callsign;
  const placedBy = parentLink(ev)?.parentCallsign ?? ev.detail.creator?.callsign;
  const lines: string[] = [];
  if (remarks) lines.push(remarks);
  lines.push(
    `${head}: TAK ${ev.type}${callsign ? ` "${callsign}"` : ''}${ev.how ? ` (how ${ev.how})` : ''}${placedBy ? `, placed by ${placedBy}` : ''}; uid ${ev.uid}; stale ${ev.stale}`,
  );
  let notes = lines.join('\n');
  if (raw !== undefined) {
    const room = NOTES_MAX - notes.length - 20;
    if (room > 200) notes += `\nraw event:\n${clip(raw, room)}`;
  }
  return clip(notes, NOTES_MAX);
}

function baseObservation(ev: CotEvent, opts: CotMapOptions): Omit<ObservationInput, 'kind' | 'notes'> {
  const reporter = reporterOf(ev, opts);
  const source: NonNullable<ObservationInput['source']> = { kind: 'tak' };
  if (opts.nation) source.nation = opts.nation;
  if (reporter) source.reporter = reporter;
  return {
    id: cotObservationId(ev.uid, ev.time),
    observedAt: ev.time,
    location: locationOf(ev),
    count: 1,
    source,
    releasability: opts.releasability ?? 'MECHANISM',
  };
}

function otherObservation(ev: CotEvent, opts: CotMapOptions, fallbackReason?: string): CotObservation {
  const raw = opts.raw === undefined ? cotEventXml(ev) : typeof opts.raw === 'string' ? opts.raw : opts.raw.toString('utf8');
  const head = fallbackReason ? `kept as other (${fallbackReason})` : 'kept as other';
  const observation: ObservationInput = { ...baseObservation(ev, opts), kind: 'other', notes: observationNotes(ev, head, raw) };
  const out: CotObservation = { type: 'observation', uid: ev.uid, observation, basis: 'other', contentHash: contentHashOf(ev), raw };
  if (fallbackReason) out.fallbackReason = fallbackReason;
  return out;
}

function markerObservation(ev: CotEvent, opts: CotMapOptions): CotObservation {
  const { kind, subkind } = classifyCotKind(ev.type, ev.detail.remarks?.text, ev.detail.contact?.callsign);
  const observation: ObservationInput = { ...baseObservation(ev, opts), kind, notes: observationNotes(ev, 'marker') };
  if (subkind) observation.subkind = subkind;
  return { type: 'observation', uid: ev.uid, observation, basis: 'marker', contentHash: contentHashOf(ev) };
}

function toPosition(ev: CotEvent): CotPosition {
  const d = ev.detail;
  const pos: CotPosition = {
    type: 'position',
    uid: ev.uid,
    callsign: d.contact?.callsign || d.droid || ev.uid,
    cotType: ev.type,
    lat: ev.point.lat,
    lon: ev.point.lon,
    time: ev.time,
    stale: ev.stale,
  };
  if (ev.how !== undefined) pos.how = ev.how;
  if (ev.point.hae !== undefined) pos.hae = ev.point.hae;
  if (ev.point.ce !== undefined) pos.accuracyM = ev.point.ce;
  if (d.track?.course !== undefined) pos.course = d.track.course;
  if (d.track?.speed !== undefined) pos.speed = d.track.speed;
  if (d.status?.battery !== undefined) pos.battery = d.status.battery;
  if (d.group) pos.group = d.group;
  if (d.takv?.device !== undefined) pos.device = d.takv.device;
  if (d.takv?.platform !== undefined) pos.platform = d.takv.platform;
  if (d.contact?.endpoint !== undefined) pos.endpoint = d.contact.endpoint;
  return pos;
}

function toChat(ev: CotEvent): CotChatEntry {
  const d = ev.detail;
  const status: CotChatEntry['status'] = ev.type === 'b-t-f' ? 'message' : ev.type === 'b-t-f-d' ? 'delivered' : ev.type === 'b-t-f-r' ? 'read' : 'other';
  const entry: CotChatEntry = { type: 'chat', uid: ev.uid, status, text: d.remarks?.text ?? '', time: ev.time, lat: ev.point.lat, lon: ev.point.lon };
  const chat = d.chat;
  // ATAK GeoChat uids end in ".<messageId>"; receipts carry messageId explicitly.
  const messageId = chat?.messageId ?? (status === 'message' ? ev.uid.slice(ev.uid.lastIndexOf('.') + 1) : undefined);
  if (messageId) entry.messageId = messageId;
  if (chat?.chatroom !== undefined) entry.chatroom = chat.chatroom;
  if (chat?.id !== undefined) entry.chatId = chat.id;
  if (chat?.senderCallsign !== undefined) entry.senderCallsign = chat.senderCallsign;
  const senderUid = chat?.chatgrp?.uid0 ?? parentLink(ev)?.uid ?? /^BAO\.F\.[^.]+\.(.+)$/.exec(d.remarks?.source ?? '')?.[1];
  if (senderUid) entry.senderUid = senderUid;
  const to = d.remarks?.to ?? chat?.chatgrp?.uid1;
  if (to !== undefined) entry.to = to;
  return entry;
}

// ---------------------------------------------------------------------------------------------
// Shapes

const EARTH_RADIUS_M = 6_371_008.8;
const RAD = Math.PI / 180;

/** Spherical destination point: good to a few metres at the sizes of drawn shapes. */
function destination(lat: number, lon: number, bearingDeg: number, distanceM: number): [number, number] {
  const d = distanceM / EARTH_RADIUS_M;
  const b = bearingDeg * RAD;
  const p1 = lat * RAD;
  const l1 = lon * RAD;
  const p2 = Math.asin(Math.min(1, Math.max(-1, Math.sin(p1) * Math.cos(d) + Math.cos(p1) * Math.sin(d) * Math.cos(b))));
  const l2 = l1 + Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(p1), Math.cos(d) - Math.sin(p1) * Math.sin(p2));
  let lonOut = l2 / RAD;
  lonOut = ((((lonOut + 180) % 360) + 360) % 360) - 180;
  return [round7(lonOut), round7(p2 / RAD)];
}
function round7(x: number): number {
  return Math.round(x * 1e7) / 1e7;
}

/** Ellipse ring around a centre: semi-axes in metres, major axis along `angleDeg` (clockwise from north). */
export function ellipseRing(lat: number, lon: number, majorM: number, minorM: number, angleDeg: number, steps = 72): [number, number][] {
  const ring: [number, number][] = [];
  for (let i = 0; i < steps; i++) {
    const t = (2 * Math.PI * i) / steps;
    const x = majorM * Math.cos(t); // along the major axis
    const y = minorM * Math.sin(t);
    const dist = Math.hypot(x, y);
    const bearing = angleDeg + Math.atan2(y, x) / RAD;
    ring.push(destination(lat, lon, bearing, dist));
  }
  ring.push(ring[0]!);
  return ring;
}

function pointsOfLinks(links: readonly CotLink[]): [number, number][] {
  const out: [number, number][] = [];
  for (const l of links) if (l.point) out.push([l.point.lon, l.point.lat]);
  return out;
}

function samePos(a: [number, number], b: [number, number]): boolean {
  return a[0] === b[0] && a[1] === b[1];
}

function lineOrPolygon(pts: [number, number][], forceClosed: boolean): Polygon | LineString | string {
  if (pts.length < 2) return `${pts.length} vertex`;
  const closed = pts.length >= 4 && samePos(pts[0]!, pts[pts.length - 1]!);
  if (closed) return { type: 'Polygon', coordinates: [pts] };
  if (forceClosed) {
    if (pts.length < 3) return `${pts.length} vertices for a polygon`;
    return { type: 'Polygon', coordinates: [[...pts, pts[0]!]] };
  }
  return { type: 'LineString', coordinates: pts };
}

/** Geometry of a drawn shape, or a reason it has none. */
function shapeGeometry(ev: CotEvent): { geometry: Polygon | LineString; shape: AreaShape; extra?: Partial<AreaProperties> } | string {
  const d = ev.detail;
  const t = ev.type;
  if (t === 'u-d-c-c' || t === 'u-d-c-e') {
    const e = d.shape?.ellipse;
    if (!e || !(e.major > 0) || !(e.minor > 0)) return 'no ellipse with positive axes';
    const circle = t === 'u-d-c-c';
    const angle = circle || e.angle === 360 ? 0 : e.angle;
    const ring = ellipseRing(ev.point.lat, ev.point.lon, e.major, circle ? e.major : e.minor, angle);
    return {
      geometry: { type: 'Polygon', coordinates: [ring] },
      shape: circle ? 'circle' : 'ellipse',
      extra: { center: [ev.point.lon, ev.point.lat], majorM: e.major, minorM: circle ? e.major : e.minor, angleDeg: angle },
    };
  }
  if (t === 'u-d-r') {
    const g = lineOrPolygon(pointsOfLinks(d.links), true);
    return typeof g === 'string' ? g : { geometry: g, shape: 'rectangle' };
  }
  // u-d-f (polyline/polygon) and u-d-f-m (freehand).
  let pts = pointsOfLinks(d.links);
  let shape: AreaShape = 'polyline';
  if (pts.length === 0 && d.shape?.vertices?.length) {
    pts = d.shape.vertices.map((v) => [v.lon, v.lat]);
  }
  if (pts.length === 0) {
    // ATAK freehand: the drawn line is a nested, escaped CoT event in <link line="...">.
    const line = d.links.find((l) => l.line)?.line;
    if (line) {
      const nested = parseCot(line, { limits: { maxDepth: 8 } });
      if (!nested.ok) return `freehand line does not parse: ${nested.reason}`;
      pts = pointsOfLinks(nested.event.detail.links);
      shape = 'freehand';
    }
  }
  const g = lineOrPolygon(pts, d.shape?.closed === true);
  if (typeof g === 'string') return g;
  return { geometry: g, shape: shape === 'freehand' ? 'freehand' : g.type === 'Polygon' ? 'polygon' : 'polyline' };
}

function toArea(ev: CotEvent): CotArea | string {
  const g = shapeGeometry(ev);
  if (typeof g === 'string') return g;
  const d = ev.detail;
  const props: AreaProperties = { uid: ev.uid, cotType: ev.type, shape: g.shape, ...g.extra };
  const name = d.contact?.callsign;
  const remarks = d.remarks?.text.trim() || undefined;
  if (name) props.name = name;
  if (remarks) props.remarks = remarks;
  if (d.style?.strokeColor !== undefined) props.strokeColor = d.style.strokeColor;
  if (d.style?.fillColor !== undefined) props.fillColor = d.style.fillColor;
  if (d.style?.strokeWeight !== undefined) props.strokeWeight = d.style.strokeWeight;
  const area: CotArea = {
    type: 'area',
    uid: ev.uid,
    id: cotObservationId(ev.uid, ev.time),
    cotType: ev.type,
    time: ev.time,
    stale: ev.stale,
    contentHash: contentHashOf(ev),
    feature: { type: 'Feature', id: ev.uid, geometry: g.geometry, properties: props },
  };
  if (name) area.name = name;
  if (remarks) area.remarks = remarks;
  return area;
}

function isShapeType(t: string): boolean {
  return t === 'u-d-f' || t.startsWith('u-d-f-') || t === 'u-d-r' || t === 'u-d-c-c' || t === 'u-d-c-e';
}

// ---------------------------------------------------------------------------------------------

/** Maps one parsed CoT event to the domain (see the table in the module comment). Never throws. */
export function mapCot(ev: CotEvent, opts: CotMapOptions = {}): CotMapped {
  const t = ev.type;
  if (ev.uid.startsWith(TRUCELINE_UID_PREFIX) && ev.detail.unknown.some((u) => u.name === '__truceline')) {
    return { type: 'echo', uid: ev.uid, observationId: ev.uid.slice(TRUCELINE_UID_PREFIX.length) };
  }
  if (t === 't-x-d-d') {
    const target = ev.detail.links.find((l) => l.uid)?.uid ?? ev.uid;
    return { type: 'delete', uid: ev.uid, targetUid: target, time: ev.time };
  }
  if (t === 'b-t-f' || t.startsWith('b-t-f-')) return toChat(ev);
  if (isShapeType(t)) {
    const area = toArea(ev);
    return typeof area === 'string' ? otherObservation(ev, opts, `drawn shape without usable geometry: ${area}`) : area;
  }
  if (isFriendly(t) && !ev.detail.archive) return toPosition(ev);
  if (isMarkerType(t) || isFriendly(t)) return markerObservation(ev, opts);
  return otherObservation(ev, opts);
}

// ---------------------------------------------------------------------------------------------
// CoT out

export interface ObservationToCotOptions {
  /** The message time (default: now). */
  now?: Date;
  /** How long TAK clients show it (default 1 h). */
  staleMs?: number;
  /** `how` attribute (default `h-g-i-g-o`: human input). */
  how?: string;
}

type OutgoingObservation = ObservationInput & { sector?: string | null; receivedAt?: string };

const FIRE_KINDS_OUT = new Set<ObservationKind>(['explosion', 'burst', 'shot', 'muzzle_flash', 'projectile_in_flight', 'illumination_flare']);

/** CoT type for an observation kind: unknown-affiliation atoms (attribution is not an observation's to make), or a spot marker. */
export function cotTypeForKind(kind: ObservationKind): string {
  if (FIRE_KINDS_OUT.has(kind) || kind === 'movement') return 'a-u-G';
  if (kind === 'weapon_sighting') return 'a-u-G-E-W';
  if (kind === 'mine') return 'a-u-G-E-X-M';
  if (kind === 'flight') return 'a-u-A';
  return 'b-m-p-s-m';
}

function label(kind: string): string {
  const s = kind.replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * An observation as a CoT event XML string, for TAK clients: type from the kind, remarks with the
 * kind, count, time, notes, source and label, stale = time + 1 h, everything XML-escaped. The
 * uid is `truceline.obs.<observation id>` and a `<__truceline>` detail element carries the exact
 * values, so an event that comes back (a client re-sharing it) is recognised as an `echo`.
 */
export function observationToCot(o: OutgoingObservation, opts: ObservationToCotOptions = {}): string {
  const now = opts.now ?? new Date();
  const time = now.toISOString();
  const stale = new Date(now.getTime() + (opts.staleMs ?? 3_600_000)).toISOString();
  const type = cotTypeForKind(o.kind);
  const count = o.count ?? 1;
  const observedAt = new Date(o.observedAt).toISOString();
  const hhmm = observedAt.slice(11, 16);
  const callsign = `${label(o.kind)}${count > 1 ? ` x${count}` : ''} ${hhmm}Z`;
  const source = o.source ?? { kind: 'monitor' as const };
  const releasability = o.releasability ?? 'MECHANISM';
  const remarks = [
    `${label(o.kind)}${o.subkind ? ` (${o.subkind})` : ''}${count > 1 ? `, ${count} events` : ''} observed ${observedAt}${o.observedUntil ? ` to ${new Date(o.observedUntil).toISOString()}` : ''}`,
    o.notes ? clip(o.notes, 4000) : undefined,
    `Source: ${source.kind}${source.reporter ? ` (${source.reporter})` : ''}${source.nation ? ` ${source.nation}` : ''}. ${releasability}. Truceline ${o.id}`,
  ]
    .filter((x): x is string => !!x)
    .join('\n');
  const ce = o.location.accuracyM ?? 9999999.0;
  const attr = escapeXmlAttr;
  const color = FIRE_KINDS_OUT.has(o.kind) ? -65536 : -256;
  const marker = type === 'b-m-p-s-m' ? `<usericon iconsetpath="COT_MAPPING_SPOTMAP/b-m-p-s-m/${color}"/>` : '';
  const truceline =
    `<__truceline id="${attr(o.id)}" kind="${attr(o.kind)}"${o.subkind ? ` subkind="${attr(o.subkind)}"` : ''} count="${count}"` +
    ` observedAt="${attr(observedAt)}" source="${attr(source.kind)}" releasability="${attr(releasability)}"/>`;
  return (
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
    `<event version="2.0" uid="${attr(TRUCELINE_UID_PREFIX + o.id)}" type="${type}" how="${attr(opts.how ?? 'h-g-i-g-o')}" time="${time}" start="${time}" stale="${stale}">` +
    `<point lat="${o.location.lat}" lon="${o.location.lon}" hae="9999999.0" ce="${ce}" le="9999999.0"/>` +
    `<detail><contact callsign="${attr(callsign)}"/><remarks>${escapeXml(remarks)}</remarks><color argb="${color}"/>${marker}${truceline}</detail>` +
    `</event>`
  );
}
