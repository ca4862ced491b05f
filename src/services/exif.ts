import exifr from 'exifr';
import { exifWallClock, type ExifCapture } from '../domain/evidence';

/*
 * The EXIF reader, behind one function so the library stays replaceable. exifr (MIT, no
 * dependencies) reads JPEG, TIFF, HEIC/AVIF, PNG and WebP, and from a file path it reads only the
 * chunks holding the metadata, not a whole 200 MB file.
 *
 * Values are taken raw (`reviveValues: false`): revived, exifr turns DateTimeOriginal into a Date
 * in the server's own time zone, which would silently invent a zone the camera never wrote.
 */

const PICK = [
  'DateTimeOriginal',
  'OffsetTimeOriginal',
  'GPSLatitude',
  'GPSLatitudeRef',
  'GPSLongitude',
  'GPSLongitudeRef',
  'GPSDateStamp',
  'GPSTimeStamp',
  'GPSHPositioningError',
  'Make',
  'Model',
];

type Raw = Record<string, unknown> & { latitude?: unknown; longitude?: unknown };

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v.trim().replace(/\0+$/, '') : null);
const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
/** Degrees to 1e-7 (about a centimetre): the rest is the noise of converting degrees, minutes and seconds. */
const degrees = (v: unknown): number | null => {
  const n = finite(v);
  return n === null ? null : Math.round(n * 1e7) / 1e7;
};

/** GPSDateStamp `YYYY:MM:DD` and GPSTimeStamp [h, m, s] (UTC) as an ISO instant. */
function gpsInstant(date: unknown, time: unknown): string | null {
  const day = text(date);
  if (!day || !Array.isArray(time) || time.length !== 3 || !time.every((n) => typeof n === 'number' && Number.isFinite(n))) return null;
  const [h, m, s] = time as [number, number, number];
  const whole = Math.floor(s);
  const wall = exifWallClock(`${day} ${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(whole).padStart(2, '0')}`);
  if (!wall) return null;
  return new Date(Date.parse(`${wall}Z`) + Math.round((s - whole) * 1000)).toISOString();
}

/** Turns exifr's raw output into what the domain compares; null when the file has none of it. */
export function captureFromTags(raw: Raw | null | undefined): ExifCapture | null {
  if (!raw) return null;
  const lat = degrees(raw.latitude);
  const lon = degrees(raw.longitude);
  const placed = lat !== null && lon !== null && Math.abs(lat) <= 90 && Math.abs(lon) <= 180 && !(lat === 0 && lon === 0);
  const capture: ExifCapture = {
    dateTimeOriginal: exifWallClock(text(raw.DateTimeOriginal)),
    offsetTimeOriginal: text(raw.OffsetTimeOriginal),
    gpsTime: gpsInstant(raw.GPSDateStamp, raw.GPSTimeStamp),
    // 0,0 is what some devices write without a fix, not a place anyone photographs evidence.
    lat: placed ? lat : null,
    lon: placed ? lon : null,
    gpsErrorM: finite(raw.GPSHPositioningError),
    make: text(raw.Make),
    model: text(raw.Model),
  };
  return Object.values(capture).some((v) => v !== null) ? capture : null;
}

/**
 * Reads a file's capture metadata. A file whose metadata cannot be read (truncated, malformed,
 * a format exifr does not know) has none: the evidence is still kept, it just cannot be compared.
 */
export async function readCapture(file: string | Buffer): Promise<ExifCapture | null> {
  try {
    const raw = (await exifr.parse(file, {
      pick: PICK,
      reviveValues: false,
      tiff: true,
      exif: true,
      gps: true,
      ifd1: false,
      interop: false,
      xmp: false,
      icc: false,
      iptc: false,
      jfif: false,
      ihdr: false,
      makerNote: false,
      userComment: false,
    })) as Raw | undefined;
    return captureFromTags(raw);
  } catch {
    return null;
  }
}
