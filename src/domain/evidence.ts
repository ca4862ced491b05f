import { geodesicDistanceM } from '../geo';
import type { Actor } from './identity';

/*
 * Evidence: photos, video and documents, kept by the SHA-256 of their bytes. The bytes are the
 * evidence (content-addressed, written once, never changed); what people do with them is
 * recorded beside them:
 *  - an attachment ties the bytes to a report (an observation, incident or allegation, or none
 *    yet) under a releasability label, with who added it and how its capture time and place
 *    compare with that report. The same bytes may be attached several times: to several reports,
 *    or to one report under two labels (a party's copy, the mechanism's copy). The evidence exists
 *    for a reader when at least one of its attachments is released to them.
 *  - the chain of custody: who added the bytes, attached them, and viewed them, when, from where.
 */

export const SHA256_PATTERN = /^[0-9a-f]{64}$/;

export const EVIDENCE_TARGET_KINDS = ['observation', 'incident', 'allegation'] as const;
export type EvidenceTargetKind = (typeof EVIDENCE_TARGET_KINDS)[number];
export interface EvidenceTarget {
  kind: EvidenceTargetKind;
  id: string;
}

/** What a file says of its own capture (EXIF), as written: nothing here is interpreted yet. */
export interface ExifCapture {
  /** DateTimeOriginal as a wall clock, `YYYY-MM-DDTHH:MM:SS` (EXIF writes no zone with it). */
  dateTimeOriginal: string | null;
  /** OffsetTimeOriginal (EXIF 2.31), `+02:00`: the zone of that wall clock, when the camera wrote it. */
  offsetTimeOriginal: string | null;
  /** GPSDateStamp + GPSTimeStamp: the satellite clock, always UTC (ISO 8601, `Z`). */
  gpsTime: string | null;
  lat: number | null;
  lon: number | null;
  /** GPSHPositioningError, metres. */
  gpsErrorM: number | null;
  make: string | null;
  model: string | null;
}

/** How the capture instant was established (see `captureTime`). */
export type CaptureTimeBasis = 'exif-offset' | 'gps' | 'local';

export interface CaptureTime {
  /** The instant (UTC, ISO 8601) when the file itself fixes it; null for a bare wall clock. */
  at: string | null;
  /** The wall clock as the camera showed it, when it has one. */
  local: string | null;
  basis: CaptureTimeBasis;
}

/** The report a piece of evidence is compared with: where and when it says the event was. */
export interface ReportReference {
  kind: EvidenceTargetKind;
  id: string;
  /** When the event began (ISO 8601 with offset, as the report gives it); null: the report says no time. */
  at: string | null;
  /** When it ended, for events that lasted. */
  until: string | null;
  /** Where the event was; null: the report says no place. */
  place: { lat: number; lon: number; accuracyM?: number } | null;
  /** Where the observer stood, when away from the event: a photo is often taken from there. */
  observer: { lat: number; lon: number } | null;
}

export const EVIDENCE_FLAG_CODES = ['capture-time-disagrees', 'capture-place-disagrees'] as const;
export type EvidenceFlagCode = (typeof EVIDENCE_FLAG_CODES)[number];

export interface EvidenceFlag {
  code: EvidenceFlagCode;
  /** Why, for a human: the two values and the tolerance. */
  reason: string;
}

export type Agreement = 'agrees' | 'disagrees' | 'unknown';

/** The comparison of a file's capture time and place with the report it is attached to. */
export interface EvidenceCheck {
  reference: { kind: EvidenceTargetKind; id: string; at: string | null; until: string | null; place: ReportReference['place'] };
  time: Agreement;
  place: Agreement;
  /** Seconds between the capture instant and the report's time (0 inside a reported interval). */
  timeDifferenceS: number | null;
  /** Metres between the capture place and the nearest of the report's places. */
  distanceM: number | null;
  flags: EvidenceFlag[];
  /** How the values were read, where a reader could assume otherwise (e.g. a wall clock read in the report's zone). */
  notes: string[];
}

export interface CheckOptions {
  /** The capture may differ from the report's time by this much before it is flagged. */
  timeToleranceS: number;
  /** The capture place may be this far from the report's place (or its accuracy, when larger) before it is flagged. */
  placeToleranceM: number;
}

/**
 * Two hours: a photo of a crater is often taken a while after the impact, and a camera clock
 * drifts or was set by hand; beyond that, the analyst should look. Two kilometres: a monitor's
 * reported place is often estimated by eye, and a photo of smoke is taken from a distance.
 */
export const DEFAULT_CHECK: CheckOptions = { timeToleranceS: 2 * 3600, placeToleranceM: 2000 };

const WALL_CLOCK = /^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?$/;
const OFFSET = /^([+-])(\d{2}):(\d{2})$/;

/** `YYYY:MM:DD HH:MM:SS` (EXIF) to `YYYY-MM-DDTHH:MM:SS`; null for the blanks and zeros cameras write when unset. */
export function exifWallClock(s: string | null | undefined): string | null {
  const m = WALL_CLOCK.exec((s ?? '').trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, se] = m.map(Number) as [number, number, number, number, number, number, number];
  if (y < 1900 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return null;
  const wall = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`;
  // Rejects 31 February and the like: the date must survive a round trip.
  return new Date(`${wall}Z`).toISOString().startsWith(wall) ? wall : null;
}

/** `+02:00` to minutes east of UTC; null when it is not an offset. */
export function offsetMinutes(s: string | null | undefined): number | null {
  const m = OFFSET.exec((s ?? '').trim());
  if (!m) return null;
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return minutes > 14 * 60 ? null : (m[1] === '-' ? -1 : 1) * minutes;
}

/** The offset an ISO 8601 instant was written in (`...+02:00` → 120, `...Z` → 0). */
export function offsetOfInstant(iso: string): number | null {
  if (/Z$/i.test(iso)) return 0;
  const m = /([+-]\d{2}:\d{2})$/.exec(iso);
  return m ? offsetMinutes(m[1]) : null;
}

const formatOffset = (min: number): string => {
  const a = Math.abs(min);
  return `${min < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
};

/** A wall clock read in a zone (minutes east of UTC) as epoch ms. */
const wallToMs = (wall: string, offsetMin: number): number => Date.parse(`${wall}Z`) - offsetMin * 60_000;

/**
 * When the file says it was captured, in this order:
 * 1. DateTimeOriginal with OffsetTimeOriginal: the camera's clock and its zone fix the instant.
 * 2. The GPS date and time: satellite time, always UTC, fixes the instant when the camera wrote
 *    no zone (phones with location on write it).
 * 3. DateTimeOriginal alone: a wall clock in an unknown zone. It stays a wall clock here; the
 *    comparison reads it in the zone of the report it is compared with (see `compareWithReport`).
 */
export function captureTime(c: ExifCapture | null): CaptureTime | null {
  if (!c) return null;
  const local = c.dateTimeOriginal;
  const offset = offsetMinutes(c.offsetTimeOriginal);
  if (local && offset !== null) return { at: new Date(wallToMs(local, offset)).toISOString(), local, basis: 'exif-offset' };
  if (c.gpsTime) return { at: new Date(Date.parse(c.gpsTime)).toISOString(), local, basis: 'gps' };
  if (local) return { at: null, local, basis: 'local' };
  return null;
}

const hours = (s: number): string => (s >= 3600 ? `${(s / 3600).toFixed(1)} h` : `${Math.round(s / 60)} min`);
const km = (m: number): string => `${(m / 1000).toFixed(1)} km`;

/**
 * Compares a file's capture with the report it is attached to. Each of time and place agrees,
 * disagrees (and is flagged with the reason) or is unknown (the file or the report says nothing).
 *
 * Time: the distance from the capture instant to the report's time, or to its interval when the
 * report gives an end; flagged beyond `timeToleranceS`. A bare wall clock (no offset, no GPS
 * time) is read in the zone the report's time was written in: a monitor's device and camera
 * normally show the same local time; the note says so, because a camera left on another zone
 * (or UTC) is then off by whole hours.
 *
 * Place: the geodesic distance from the capture place to the nearest of the event's place and the
 * observer's position (a photo is taken where the observer stood, or at the crater); flagged
 * beyond max(the report's accuracy, `placeToleranceM`) plus the GPS's own stated error.
 */
export function compareWithReport(capture: ExifCapture | null, report: ReportReference, opts: CheckOptions = DEFAULT_CHECK): EvidenceCheck {
  const flags: EvidenceFlag[] = [];
  const notes: string[] = [];
  const reference = { kind: report.kind, id: report.id, at: report.at, until: report.until, place: report.place };

  let time: Agreement = 'unknown';
  let timeDifferenceS: number | null = null;
  const ct = captureTime(capture);
  if (ct && report.at) {
    let captured: number | null = ct.at ? Date.parse(ct.at) : null;
    if (captured === null && ct.local) {
      const zone = offsetOfInstant(report.at);
      if (zone !== null) {
        captured = wallToMs(ct.local, zone);
        notes.push(`the capture time ${ct.local.replace('T', ' ')} has no zone; read in the report's zone (${formatOffset(zone)})`);
      }
    }
    if (captured !== null) {
      const from = Date.parse(report.at);
      const to = report.until ? Date.parse(report.until) : from;
      const diffMs = captured < from ? from - captured : captured > to ? captured - to : 0;
      timeDifferenceS = Math.round(diffMs / 1000);
      time = timeDifferenceS > opts.timeToleranceS ? 'disagrees' : 'agrees';
      if (time === 'disagrees') {
        const when = new Date(captured).toISOString();
        const side = captured < from ? 'before' : 'after';
        flags.push({
          code: 'capture-time-disagrees',
          reason: `captured ${when} (${ct.basis === 'exif-offset' ? 'EXIF time with offset' : ct.basis === 'gps' ? 'GPS time' : 'EXIF wall clock'}), ${hours(timeDifferenceS)} ${side} the ${report.kind}'s time ${report.until ? `${report.at} to ${report.until}` : report.at}; tolerance ${hours(opts.timeToleranceS)}`,
        });
      }
    }
  }

  let place: Agreement = 'unknown';
  let distanceM: number | null = null;
  const candidates = [report.place, report.observer].filter((p): p is NonNullable<typeof p> => p !== null);
  if (capture && capture.lat !== null && capture.lon !== null && candidates.length) {
    const { lat, lon } = capture;
    distanceM = Math.round(Math.min(...candidates.map((p) => geodesicDistanceM(lon, lat, p.lon, p.lat))));
    const limit = Math.max(report.place?.accuracyM ?? 0, opts.placeToleranceM) + (capture.gpsErrorM ?? 0);
    place = distanceM > limit ? 'disagrees' : 'agrees';
    if (place === 'disagrees') {
      flags.push({
        code: 'capture-place-disagrees',
        reason: `captured at ${lat.toFixed(5)}, ${lon.toFixed(5)} (EXIF GPS), ${km(distanceM)} from the ${report.kind}'s ${candidates.length > 1 ? 'place and observer' : 'place'}; tolerance ${km(limit)}`,
      });
    }
  }
  return { reference, time, place, timeDifferenceS, distanceM, flags, notes };
}

/*
 * Media types. The stored type is what the bytes are (their signature), not what the uploader
 * said: a mislabelled file is served as what it is. Types a browser would run (HTML, SVG,
 * scripts) are never shown inline.
 */

const startsWith = (b: Uint8Array, sig: number[], at = 0): boolean => sig.every((v, i) => b[at + i] === v);
const ascii = (b: Uint8Array, from: number, to: number): string => String.fromCharCode(...b.subarray(from, to));

/** The media type the first bytes of a file show (its signature), or null when unknown. */
export function sniffMediaType(head: Uint8Array): string | null {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (ascii(head, 0, 6) === 'GIF87a' || ascii(head, 0, 6) === 'GIF89a') return 'image/gif';
  if (startsWith(head, [0x49, 0x49, 0x2a, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2a])) return 'image/tiff';
  if (ascii(head, 0, 4) === 'RIFF') {
    const form = ascii(head, 8, 12);
    if (form === 'WEBP') return 'image/webp';
    if (form === 'AVI ') return 'video/x-msvideo';
    if (form === 'WAVE') return 'audio/wav';
  }
  if (ascii(head, 4, 8) === 'ftyp') {
    const brand = ascii(head, 8, 12);
    if (/^(heic|heix|heim|heis|mif1|msf1)$/.test(brand)) return brand === 'mif1' || brand === 'msf1' ? 'image/heif' : 'image/heic';
    if (brand === 'avif') return 'image/avif';
    if (brand === 'qt  ') return 'video/quicktime';
    if (/^3g/.test(brand)) return 'video/3gpp';
    if (/^M4A /.test(brand)) return 'audio/mp4';
    return 'video/mp4';
  }
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) return ascii(head, 0, Math.min(head.length, 64)).includes('webm') ? 'video/webm' : 'video/x-matroska';
  if (ascii(head, 0, 5) === '%PDF-') return 'application/pdf';
  if (ascii(head, 0, 4) === 'OggS') return 'audio/ogg';
  if (ascii(head, 0, 3) === 'ID3') return 'audio/mpeg';
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) return 'application/zip';
  return null;
}

/** Files whose EXIF is read: the image formats that carry it (exifr reads JPEG, TIFF, HEIC/AVIF, PNG, WebP). */
export const EXIF_TYPES = new Set(['image/jpeg', 'image/tiff', 'image/heic', 'image/heif', 'image/avif', 'image/png', 'image/webp']);

/** Shown inline by the content route; everything else is served as a download. */
export const INLINE_TYPES = new Set([
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'image/avif',
  'video/mp4',
  'video/webm',
  'video/quicktime',
  'audio/mpeg',
  'audio/ogg',
  'audio/wav',
  'application/pdf',
]);

/** The type to store: what the bytes show, else the declared one when it is a plain `type/subtype`, else octet-stream. */
export function mediaTypeOf(head: Uint8Array, declared: string | null): string {
  const sniffed = sniffMediaType(head);
  if (sniffed) return sniffed;
  const d = declared?.split(';')[0]!.trim().toLowerCase();
  return d && /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/.test(d) ? d : 'application/octet-stream';
}

/*
 * Records and the chain of custody.
 */

export interface EvidenceContent {
  sha256: string;
  size: number;
  mediaType: string;
  /** What the file says of its capture; null when it has no EXIF (or is not an image). */
  capture: ExifCapture | null;
  /** When these bytes first reached the store. */
  firstSeenAt: string;
}

export interface EvidenceAttachment {
  id: string;
  sha256: string;
  /** The report it is attached to; null: not attached yet (an allegation may reference the hash later). */
  target: EvidenceTarget | null;
  releasability: string;
  /** The file name the uploader gave, as given (never used as a path). */
  filename: string | null;
  /** The content type the uploader declared (the stored type is what the bytes show). */
  declaredType: string | null;
  addedBy: string;
  addedAt: string;
  /** How the capture compares with the target report; null when there was nothing to compare with. */
  check: EvidenceCheck | null;
}

export const CUSTODY_ACTIONS = ['added', 'linked', 'viewed'] as const;
export type CustodyAction = (typeof CUSTODY_ACTIONS)[number];

export interface CustodyEntry {
  seq: number;
  sha256: string;
  /** added: uploaded (again); linked: attached to a report without uploading; viewed: the bytes were served. */
  action: CustodyAction;
  actor: string;
  at: string;
  /** The client's address, as the server saw it. */
  address: string | null;
  attachmentId: string | null;
  /** Who may read this entry (an added or linked entry: its attachment's label; a view: see `viewLabel`). */
  releasability: string;
  /** For a view: the byte range served, when not the whole file. */
  range: string | null;
}

/** Evidence as one reader sees it: the bytes' facts, and the attachments and custody entries released to them. */
export interface Evidence extends EvidenceContent {
  attachments: EvidenceAttachment[];
  custody: CustodyEntry[];
}

/**
 * Who may read that someone viewed evidence: the mechanism always, and the viewer's own nation
 * (a party sees its own people's views, not the mechanism's nor other nations').
 */
export function viewLabel(actor: Actor): string {
  if (actor.type !== 'user' || actor.orgKind === 'mechanism') return 'MECHANISM';
  return `REL TO ${actor.nation}`;
}

/** The label of an upload that names none: the mechanism's own files stay in the mechanism, others' are released to their nation. */
export function defaultEvidenceLabel(actor: Actor): string {
  return viewLabel(actor);
}

/**
 * The byte range a `Range` header asks for (RFC 9110 §14.1.2), for seeking in a video. One range
 * only: a multi-range or malformed header is ignored (the whole file is served, as the RFC
 * allows). 'unsatisfiable' for a range wholly past the end (answered 416).
 */
export function byteRange(header: string | undefined, size: number): { start: number; end: number } | null | 'unsatisfiable' {
  const m = /^bytes=(\d*)-(\d*)$/.exec((header ?? '').trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    return suffix === 0 ? 'unsatisfiable' : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? Infinity : Number(m[2]);
  if (end < start) return null;
  if (start >= size) return 'unsatisfiable';
  return { start, end: Math.min(end, size - 1) };
}
