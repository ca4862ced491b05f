/**
 * Safe CoT (Cursor-on-Target) event parser: one frame (from the framer) to a typed CotEvent, or
 * an error with a machine-readable code and a human reason (for the quarantine record).
 *
 * Safety comes from the reader in ./xml.ts: no DTDs (DOCTYPE rejected outright), so no entity
 * expansion and no external entities; size, depth, element-count and attribute-count limits;
 * invalid UTF-8 and characters XML forbids are rejected.
 *
 * What is kept: the event attributes, `<point>`, typed views of the detail elements TAK clients
 * use (contact, __group, remarks, link, shape, __chat, __chatreceipt, status, track, usericon,
 * takv, precisionlocation, creator, emergency, style elements, _flow-tags_...), every detail child
 * we do not model as raw XML text (`detail.unknown`), and the whole `<detail>` verbatim
 * (`detail.xml`), so nothing a client sent is lost.
 */
import { isUtf8 } from 'node:buffer';
import { DEFAULT_XML_LIMITS, XmlError, parseXml, type XmlElement, type XmlErrorCode, type XmlLimits } from './xml';

export type CotParseErrorCode =
  | XmlErrorCode
  | 'invalid_utf8'
  | 'not_event'
  | 'missing_attribute'
  | 'invalid_time'
  | 'missing_point'
  | 'invalid_point';

export interface CotPoint {
  lat: number;
  lon: number;
  /** Height above the WGS84 ellipsoid, metres; undefined when unknown (9999999, NaN or absent). */
  hae?: number;
  /** Circular error, metres; undefined when unknown. */
  ce?: number;
  /** Linear error, metres; undefined when unknown. */
  le?: number;
}

export interface CotLink {
  uid?: string;
  type?: string;
  relation?: string;
  callsign?: string;
  parentCallsign?: string;
  productionTime?: string;
  remarks?: string;
  /** `point="lat,lon[,hae]"` (drawn shapes, routes). */
  point?: { lat: number; lon: number; hae?: number };
  /** `line="..."`: an escaped nested CoT event (ATAK freehand `u-d-f-m`). */
  line?: string;
  /** Raw XML of child elements (e.g. the KML style under a shape's link). */
  childrenXml?: string;
  attrs: Record<string, string>;
}

export interface CotChat {
  /** `__chat` (a message) or `__chatreceipt` (a delivery/read receipt). */
  element: '__chat' | '__chatreceipt';
  id?: string;
  chatroom?: string;
  senderCallsign?: string;
  parent?: string;
  groupOwner?: boolean;
  messageId?: string;
  chatgrp?: Record<string, string>;
  attrs: Record<string, string>;
  /** Raw XML of other children (`hierarchy`...). */
  childrenXml?: string;
}

export interface CotDetail {
  contact?: { callsign?: string; endpoint?: string; phone?: string; emailAddress?: string; attrs: Record<string, string> };
  group?: { name?: string; role?: string };
  remarks?: { text: string; source?: string; to?: string; time?: string };
  links: CotLink[];
  shape?: {
    ellipse?: { major: number; minor: number; angle: number };
    /** `<polyline><vertex lat lon/></polyline>` vertices, if any. */
    vertices?: { lat: number; lon: number }[];
    closed?: boolean;
    links: CotLink[];
    xml: string;
  };
  chat?: CotChat;
  status?: { battery?: number; readiness?: boolean };
  track?: { course?: number; speed?: number; slope?: number };
  usericon?: { iconsetpath: string };
  takv?: { device?: string; platform?: string; os?: string; version?: string };
  precisionLocation?: { geopointsrc?: string; altsrc?: string };
  creator?: { uid?: string; callsign?: string; time?: string; type?: string };
  emergency?: { type?: string; text: string; cancel?: boolean };
  archive?: boolean;
  droid?: string;
  style?: { strokeColor?: number; strokeWeight?: number; strokeStyle?: string; fillColor?: number; color?: number; labelsOn?: boolean };
  flowTags?: Record<string, string>;
  /** Detail children not modelled above (and repeats of single-valued ones), as raw XML. */
  unknown: { name: string; xml: string }[];
  /** The whole `<detail>` element as received ('' when the event has none). */
  xml: string;
}

export interface CotEvent {
  version?: string;
  uid: string;
  type: string;
  how?: string;
  /** Instants normalised to ISO 8601 UTC with milliseconds. */
  time: string;
  start: string;
  stale: string;
  access?: string;
  qos?: string;
  opex?: string;
  point: CotPoint;
  detail: CotDetail;
  /** Leniencies applied (missing start/stale/how, a time without zone...). */
  warnings: string[];
}

export type CotParseResult = { ok: true; event: CotEvent } | { ok: false; code: CotParseErrorCode; reason: string };

export interface CotParseOptions {
  limits?: Partial<XmlLimits>;
  /** Longest uid accepted (default 1024). */
  maxUidLength?: number;
}

/** CoT's "unknown" sentinel for hae/ce/le (9999999 in XML; 999999 in protobuf). */
const UNKNOWN = 9_999_999;

function isoOf(s: string, ms: number): string {
  return canonicalTime(s) === ms ? s : new Date(ms).toISOString();
}

function fail(code: CotParseErrorCode, reason: string): CotParseResult {
  return { ok: false, code, reason };
}

const TIME_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function digits(s: string, from: number, n: number): number {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** `YYYY-MM-DDTHH:MM:SS.sssZ` (what ATAK sends) without a regex; undefined if `s` is not in that form. */
function canonicalTime(s: string): number | undefined {
  if (s.length !== 24 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58 || s.charCodeAt(19) !== 46 || s.charCodeAt(23) !== 90) return undefined;
  const y = digits(s, 0, 4);
  const mo = digits(s, 5, 2);
  const d = digits(s, 8, 2);
  const h = digits(s, 11, 2);
  const mi = digits(s, 14, 2);
  const se = digits(s, 17, 2);
  const ms = digits(s, 20, 3);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 59 || ms < 0) return undefined;
  if (d > 28 && d > daysInMonth(y, mo)) return undefined;
  return Date.UTC(y, mo - 1, d, h, mi, se, ms);
}

/** Parses a CoT (W3C dateTime) instant to epoch ms; NaN when invalid. `noZone` is set when the zone is missing. */
export function parseCotTime(s: string, flags?: { noZone?: boolean }): number {
  const fast = canonicalTime(s);
  if (fast !== undefined) return fast;
  const m = TIME_RE.exec(s.trim());
  if (!m) return NaN;
  const [, y, mo, d, h, mi, sec, frac, zone] = m;
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(sec);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || second > 60) return NaN;
  if (hour === 24 && (minute !== 0 || second !== 0)) return NaN;
  const year = Number(y);
  // Date.UTC would roll 31 February into March: reject instead.
  if (day > 28 && day > daysInMonth(year, month)) return NaN;
  const ms = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
  let t = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59), ms);
  if (!zone) {
    if (flags) flags.noZone = true;
  } else if (zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const zh = Number(digits.slice(0, 2));
    const zm = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (zh > 14 || zm > 59) return NaN;
    t -= sign * (zh * 60 + zm) * 60_000;
  }
  return t;
}

/** A number attribute; undefined when absent, not a number, or CoT's unknown sentinel. */
function num(v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) return undefined;
  return n;
}
function measure(v: string | undefined): number | undefined {
  const n = num(v);
  return n === undefined || Math.abs(n) >= UNKNOWN ? undefined : n;
}
function bool(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  const l = v.trim().toLowerCase();
  if (l === 'true' || l === '1' || l === 'yes') return true;
  if (l === 'false' || l === '0' || l === 'no') return false;
  return undefined;
}

/** `lat,lon[,hae]` as in `link@point`. */
export function parseLinkPoint(v: string): { lat: number; lon: number; hae?: number } | undefined {
  const parts = v.split(',');
  if (parts.length < 2 || parts.length > 3) return undefined;
  const lat = Number(parts[0]);
  const lon = Number(parts[1]);
  if (!Number.isFinite(lat) || !Number.isFinite(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180) return undefined;
  const hae = parts.length === 3 ? measure(parts[2]) : undefined;
  return hae === undefined ? { lat, lon } : { lat, lon, hae };
}

function childrenXml(src: string, el: XmlElement, skip?: (c: XmlElement) => boolean): string | undefined {
  let out = '';
  for (const c of el.children) if (!skip?.(c)) out += src.slice(c.start, c.end);
  return out === '' ? undefined : out;
}

function toLink(src: string, el: XmlElement): CotLink {
  const a = el.attrs;
  const link: CotLink = { attrs: a };
  if (a.uid !== undefined) link.uid = a.uid;
  if (a.type !== undefined) link.type = a.type;
  if (a.relation !== undefined) link.relation = a.relation;
  if (a.callsign !== undefined) link.callsign = a.callsign;
  if (a.parent_callsign !== undefined) link.parentCallsign = a.parent_callsign;
  if (a.production_time !== undefined) link.productionTime = a.production_time;
  if (a.remarks !== undefined) link.remarks = a.remarks;
  if (a.point !== undefined) {
    const p = parseLinkPoint(a.point);
    if (p) link.point = p;
  }
  if (a.line !== undefined) link.line = a.line;
  if (el.children.length > 0) link.childrenXml = childrenXml(src, el);
  return link;
}

function toChat(src: string, el: XmlElement): CotChat {
  const a = el.attrs;
  const chat: CotChat = { element: el.name as CotChat['element'], attrs: a };
  if (a.id !== undefined) chat.id = a.id;
  if (a.chatroom !== undefined) chat.chatroom = a.chatroom;
  if (a.senderCallsign !== undefined) chat.senderCallsign = a.senderCallsign;
  if (a.parent !== undefined) chat.parent = a.parent;
  const owner = bool(a.groupOwner);
  if (owner !== undefined) chat.groupOwner = owner;
  if (a.messageId !== undefined) chat.messageId = a.messageId;
  const grp = el.children.find((c) => c.name === 'chatgrp');
  if (grp) chat.chatgrp = grp.attrs;
  const rest = childrenXml(src, el, (c) => c === grp);
  if (rest) chat.childrenXml = rest;
  return chat;
}

function toShape(src: string, el: XmlElement): NonNullable<CotDetail['shape']> {
  const shape: NonNullable<CotDetail['shape']> = { links: [], xml: src.slice(el.start, el.end) };
  for (const c of el.children) {
    if (c.name === 'ellipse') {
      const major = num(c.attrs.major);
      const minor = num(c.attrs.minor);
      if (major !== undefined && minor !== undefined && major >= 0 && minor >= 0) shape.ellipse = { major, minor, angle: num(c.attrs.angle) ?? 0 };
    } else if (c.name === 'polyline') {
      const closed = bool(c.attrs.closed);
      if (closed !== undefined) shape.closed = closed;
      const vertices: { lat: number; lon: number }[] = [];
      for (const v of c.children) {
        if (v.name !== 'vertex') continue;
        const lat = num(v.attrs.lat);
        const lon = num(v.attrs.lon);
        if (lat !== undefined && lon !== undefined && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) vertices.push({ lat, lon });
      }
      shape.vertices = vertices;
    } else if (c.name === 'link') {
      shape.links.push(toLink(src, c));
    }
  }
  return shape;
}

const GROUP_KEYS = ['name', 'role'] as const;
const REMARKS_KEYS = ['source', 'to', 'time'] as const;
const TAKV_KEYS = ['device', 'platform', 'os', 'version'] as const;
const PRECISION_KEYS = ['geopointsrc', 'altsrc'] as const;
const CREATOR_KEYS = ['uid', 'callsign', 'time', 'type'] as const;

/** The listed attributes that are present (none of these names exist on Object.prototype). */
function pick<K extends string>(a: Record<string, string>, keys: readonly K[]): { [P in K]?: string } {
  const o: { [P in K]?: string } = {};
  for (const k of keys) {
    const v = a[k];
    if (v !== undefined) o[k] = v;
  }
  return o;
}

function keep(d: CotDetail, src: string, c: XmlElement): void {
  d.unknown.push({ name: c.name, xml: src.slice(c.start, c.end) });
}
function style(d: CotDetail): NonNullable<CotDetail['style']> {
  return (d.style ??= {});
}

function parseDetail(src: string, el: XmlElement | undefined): CotDetail {
  const d: CotDetail = { links: [], unknown: [], xml: el ? src.slice(el.start, el.end) : '' };
  if (!el) return d;
  for (const c of el.children) {
    const a = c.attrs;
    switch (c.name) {
      case 'contact': {
        if (d.contact) {
          keep(d, src, c);
          break;
        }
        const contact: NonNullable<CotDetail['contact']> = { attrs: a };
        if (a.callsign !== undefined) contact.callsign = a.callsign;
        if (a.endpoint !== undefined) contact.endpoint = a.endpoint;
        if (a.phone !== undefined) contact.phone = a.phone;
        if (a.emailAddress !== undefined) contact.emailAddress = a.emailAddress;
        d.contact = contact;
        if (c.children.length) keep(d, src, c);
        break;
      }
      case '__group':
        if (d.group) keep(d, src, c);
        else d.group = pick(a, GROUP_KEYS);
        break;
      case 'remarks':
        if (d.remarks) keep(d, src, c);
        else d.remarks = { text: c.text, ...pick(a, REMARKS_KEYS) };
        break;
      case 'link':
        d.links.push(toLink(src, c));
        break;
      case 'shape':
        if (d.shape) keep(d, src, c);
        else d.shape = toShape(src, c);
        break;
      case '__chat':
      case '__chatreceipt':
        if (d.chat) keep(d, src, c);
        else d.chat = toChat(src, c);
        break;
      case 'status': {
        if (d.status) {
          keep(d, src, c);
          break;
        }
        const battery = num(a.battery);
        const readiness = bool(a.readiness);
        const status: NonNullable<CotDetail['status']> = {};
        if (battery !== undefined) status.battery = battery;
        if (readiness !== undefined) status.readiness = readiness;
        d.status = status;
        break;
      }
      case 'track': {
        if (d.track) {
          keep(d, src, c);
          break;
        }
        const course = num(a.course);
        const speed = num(a.speed);
        const slope = num(a.slope);
        const track: NonNullable<CotDetail['track']> = {};
        if (course !== undefined) track.course = course;
        if (speed !== undefined) track.speed = speed;
        if (slope !== undefined) track.slope = slope;
        d.track = track;
        break;
      }
      case 'usericon':
        if (d.usericon || a.iconsetpath === undefined) keep(d, src, c);
        else d.usericon = { iconsetpath: a.iconsetpath };
        break;
      case 'takv':
        if (d.takv) keep(d, src, c);
        else d.takv = pick(a, TAKV_KEYS);
        break;
      case 'precisionlocation':
        if (d.precisionLocation) keep(d, src, c);
        else d.precisionLocation = pick(a, PRECISION_KEYS);
        break;
      case 'creator':
        if (d.creator) keep(d, src, c);
        else d.creator = pick(a, CREATOR_KEYS);
        break;
      case 'emergency': {
        if (d.emergency) {
          keep(d, src, c);
          break;
        }
        const cancel = bool(a.cancel);
        const emergency: NonNullable<CotDetail['emergency']> = { text: c.text };
        if (a.type !== undefined) emergency.type = a.type;
        if (cancel !== undefined) emergency.cancel = cancel;
        d.emergency = emergency;
        break;
      }
      case 'archive':
        d.archive = true;
        break;
      case 'uid':
        if (d.droid !== undefined || a.Droid === undefined) keep(d, src, c);
        else d.droid = a.Droid;
        break;
      case 'strokeColor':
      case 'fillColor': {
        const v = num(a.value);
        if (v === undefined || style(d)[c.name] !== undefined) keep(d, src, c);
        else style(d)[c.name] = v;
        break;
      }
      case 'strokeWeight': {
        const v = num(a.value);
        if (v === undefined || style(d).strokeWeight !== undefined) keep(d, src, c);
        else style(d).strokeWeight = v;
        break;
      }
      case 'strokeStyle':
        if (a.value === undefined || style(d).strokeStyle !== undefined) keep(d, src, c);
        else style(d).strokeStyle = a.value;
        break;
      case 'color': {
        // ATAK writes <color argb=".."/> on markers and <color value=".."/> on shapes; some send both.
        const v = num(a.argb ?? a.value);
        if (v === undefined || style(d).color !== undefined) keep(d, src, c);
        else style(d).color = v;
        break;
      }
      case 'labels_on': {
        const v = bool(a.value);
        if (v === undefined || style(d).labelsOn !== undefined) keep(d, src, c);
        else style(d).labelsOn = v;
        break;
      }
      case '_flow-tags_':
        if (d.flowTags) keep(d, src, c);
        else {
          d.flowTags = a;
          if (c.children.length) keep(d, src, c);
        }
        break;
      default:
        keep(d, src, c);
    }
  }
  return d;
}

function decode(input: Buffer | Uint8Array | string): string | undefined {
  if (typeof input === 'string') return input;
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (!isUtf8(buf)) return undefined;
  return buf.toString('utf8');
}

/** Parses one CoT event frame. Never throws for bad input: returns `{ok:false, code, reason}`. */
export function parseCot(input: Buffer | Uint8Array | string, opts: CotParseOptions = {}): CotParseResult {
  const limits: XmlLimits = opts.limits ? { ...DEFAULT_XML_LIMITS, ...opts.limits } : DEFAULT_XML_LIMITS;
  const size = typeof input === 'string' ? input.length : input.byteLength;
  if (size > limits.maxChars) return fail('too_large', `event of ${size} bytes is larger than ${limits.maxChars}`);
  const src = decode(input);
  if (src === undefined) return fail('invalid_utf8', 'event is not valid UTF-8');
  let root: XmlElement;
  try {
    root = parseXml(src, limits);
  } catch (e) {
    if (e instanceof XmlError) return fail(e.code, `${e.message} (at offset ${e.offset})`);
    /* c8 ignore next */
    throw e;
  }
  return eventFromElement(src, root, opts);
}

/** Builds a CotEvent from an already parsed `<event>` element (also used for nested events). */
export function eventFromElement(src: string, root: XmlElement, opts: CotParseOptions = {}): CotParseResult {
  if (root.name !== 'event') return fail('not_event', `root element is <${root.name}>, not <event>`);
  const a = root.attrs;
  const warnings: string[] = [];
  const uid = a.uid;
  if (uid === undefined || uid.trim() === '') return fail('missing_attribute', 'event has no uid');
  const maxUid = opts.maxUidLength ?? 1024;
  if (uid.length > maxUid) return fail('missing_attribute', `uid longer than ${maxUid} characters`);
  const type = a.type;
  if (type === undefined || type.trim() === '') return fail('missing_attribute', 'event has no type');
  if (a.time === undefined) return fail('missing_attribute', 'event has no time');

  const flags: { noZone?: boolean } = {};
  const timeMs = parseCotTime(a.time, flags);
  if (Number.isNaN(timeMs)) return fail('invalid_time', `time "${a.time.slice(0, 40)}" is not an ISO 8601 instant`);
  const time = isoOf(a.time, timeMs);
  let startMs = timeMs;
  let start = time;
  if (a.start === undefined) warnings.push('no start: using time');
  else if (a.start !== a.time) {
    startMs = parseCotTime(a.start, flags);
    if (Number.isNaN(startMs)) return fail('invalid_time', `start "${a.start.slice(0, 40)}" is not an ISO 8601 instant`);
    start = isoOf(a.start, startMs);
  }
  let staleMs = startMs;
  let stale = start;
  if (a.stale === undefined) warnings.push('no stale: using start');
  else {
    staleMs = parseCotTime(a.stale, flags);
    if (Number.isNaN(staleMs)) return fail('invalid_time', `stale "${a.stale.slice(0, 40)}" is not an ISO 8601 instant`);
    stale = isoOf(a.stale, staleMs);
  }
  if (flags.noZone) warnings.push('instant without time zone: read as UTC');
  if (a.how === undefined) warnings.push('no how');

  let pointEl: XmlElement | undefined;
  let detailEl: XmlElement | undefined;
  for (const c of root.children) {
    if (c.name === 'point' && !pointEl) pointEl = c;
    else if (c.name === 'detail' && !detailEl) detailEl = c;
  }
  if (!pointEl) return fail('missing_point', 'event has no <point>');
  const pa = pointEl.attrs;
  const lat = num(pa.lat);
  const lon = num(pa.lon);
  if (lat === undefined || lon === undefined) return fail('invalid_point', `point lat="${(pa.lat ?? '').slice(0, 30)}" lon="${(pa.lon ?? '').slice(0, 30)}" is not numeric`);
  if (lat < -90 || lat > 90 || lon < -180 || lon > 180) return fail('invalid_point', `point ${lat},${lon} is outside WGS84 ranges`);
  const point: CotPoint = { lat, lon };
  const hae = measure(pa.hae);
  if (hae !== undefined) point.hae = hae;
  const ce = measure(pa.ce);
  if (ce !== undefined && ce >= 0) point.ce = ce;
  const le = measure(pa.le);
  if (le !== undefined && le >= 0) point.le = le;

  const event: CotEvent = {
    uid,
    type,
    time,
    start,
    stale,
    point,
    detail: parseDetail(src, detailEl),
    warnings,
  };
  if (a.version !== undefined) event.version = a.version;
  if (a.how !== undefined) event.how = a.how;
  if (a.access !== undefined) event.access = a.access;
  if (a.qos !== undefined) event.qos = a.qos;
  if (a.opex !== undefined) event.opex = a.opex;
  return { ok: true, event };
}
