import { describe, expect, it } from 'vitest';
import {
  byteRange,
  captureTime,
  compareWithReport,
  defaultEvidenceLabel,
  exifWallClock,
  mediaTypeOf,
  offsetMinutes,
  sniffMediaType,
  viewLabel,
  type ExifCapture,
  type ReportReference,
} from '../../src/domain/evidence';
import { captureFromTags, readCapture } from '../../src/services/exif';
import { jpeg, mp4Header, pdf } from '../fixtures/evidence/jpeg';

const none: ExifCapture = { dateTimeOriginal: null, offsetTimeOriginal: null, gpsTime: null, lat: null, lon: null, gpsErrorM: null, make: null, model: null };
const capture = (over: Partial<ExifCapture>): ExifCapture => ({ ...none, ...over });
const report = (over: Partial<ReportReference> = {}): ReportReference => ({
  kind: 'observation',
  id: 'obs-1',
  at: '2026-11-20T14:00:00+02:00',
  until: null,
  place: { lat: 48.0, lon: 37.8, accuracyM: 500 },
  observer: null,
  ...over,
});

describe('EXIF values as cameras write them', () => {
  it('reads wall clocks and offsets, and refuses the blanks and impossible dates cameras leave', () => {
    expect(exifWallClock('2026:11:20 14:05:30')).toBe('2026-11-20T14:05:30');
    expect(exifWallClock('2026:11:20 14:05:30.25')).toBe('2026-11-20T14:05:30');
    expect(exifWallClock('0000:00:00 00:00:00')).toBeNull();
    expect(exifWallClock('    :  :     :  :  ')).toBeNull();
    expect(exifWallClock('2026:02:31 10:00:00')).toBeNull();
    expect(exifWallClock(null)).toBeNull();
    expect(offsetMinutes('+02:00')).toBe(120);
    expect(offsetMinutes('-05:30')).toBe(-330);
    expect(offsetMinutes('+25:00')).toBeNull();
    expect(offsetMinutes('2')).toBeNull();
  });

  it('establishes the capture instant: offset first, then GPS time, else a bare wall clock', () => {
    expect(captureTime(capture({ dateTimeOriginal: '2026-11-20T14:05:30', offsetTimeOriginal: '+02:00', gpsTime: '2026-11-20T12:00:00.000Z' }))).toEqual({
      at: '2026-11-20T12:05:30.000Z',
      local: '2026-11-20T14:05:30',
      basis: 'exif-offset',
    });
    expect(captureTime(capture({ dateTimeOriginal: '2026-11-20T14:05:30', gpsTime: '2026-11-20T12:05:31.000Z' }))).toEqual({
      at: '2026-11-20T12:05:31.000Z',
      local: '2026-11-20T14:05:30',
      basis: 'gps',
    });
    expect(captureTime(capture({ dateTimeOriginal: '2026-11-20T14:05:30' }))).toEqual({ at: null, local: '2026-11-20T14:05:30', basis: 'local' });
    expect(captureTime(capture({ lat: 48, lon: 37 }))).toBeNull();
    expect(captureTime(null)).toBeNull();
  });
});

describe('comparing a capture with its report', () => {
  it('agrees within two hours and two kilometres, and flags neither', () => {
    const c = compareWithReport(capture({ dateTimeOriginal: '2026-11-20T15:30:00', offsetTimeOriginal: '+02:00', lat: 48.01, lon: 37.8 }), report());
    expect(c).toMatchObject({ time: 'agrees', place: 'agrees', timeDifferenceS: 5400, flags: [], notes: [] });
    expect(c.distanceM).toBeGreaterThan(1100);
    expect(c.distanceM).toBeLessThan(1120);
    expect(c.reference).toEqual({ kind: 'observation', id: 'obs-1', at: '2026-11-20T14:00:00+02:00', until: null, place: { lat: 48.0, lon: 37.8, accuracyM: 500 } });
  });

  it('flags a capture more than two hours off, before or after, with the reason', () => {
    const late = compareWithReport(capture({ dateTimeOriginal: '2026-11-20T16:00:01', offsetTimeOriginal: '+02:00' }), report());
    expect(late.time).toBe('disagrees');
    expect(late.timeDifferenceS).toBe(7201);
    expect(late.flags).toEqual([{ code: 'capture-time-disagrees', reason: expect.stringMatching(/captured 2026-11-20T14:00:01.000Z \(EXIF time with offset\), 2.0 h after the observation's time 2026-11-20T14:00:00\+02:00; tolerance 2.0 h/) }]);
    expect(late.place).toBe('unknown');
    const early = compareWithReport(capture({ gpsTime: '2026-11-19T12:00:00.000Z' }), report());
    expect(early.flags[0]!.reason).toMatch(/GPS time\), 24.0 h before/);
  });

  it('measures time to a reported interval: inside it is no difference', () => {
    const lasting = report({ at: '2026-11-20T14:00:00+02:00', until: '2026-11-20T20:00:00+02:00' });
    expect(compareWithReport(capture({ gpsTime: '2026-11-20T16:00:00.000Z' }), lasting)).toMatchObject({ time: 'agrees', timeDifferenceS: 0 });
    expect(compareWithReport(capture({ gpsTime: '2026-11-20T21:00:00.000Z' }), lasting)).toMatchObject({ time: 'disagrees', timeDifferenceS: 3 * 3600 });
  });

  it("reads a wall clock without zone in the report's zone, and says so", () => {
    // 14:30 on the camera, the report at 14:00+02:00: the same zone, 30 minutes apart.
    const sameZone = compareWithReport(capture({ dateTimeOriginal: '2026-11-20T14:30:00' }), report());
    expect(sameZone).toMatchObject({ time: 'agrees', timeDifferenceS: 1800 });
    expect(sameZone.notes).toEqual(["the capture time 2026-11-20 14:30:00 has no zone; read in the report's zone (+02:00)"]);
    // The same report written in UTC: the camera's 14:30 is then read as 14:30Z, 2.5 h after 12:00Z.
    const utcReport = compareWithReport(capture({ dateTimeOriginal: '2026-11-20T14:30:00' }), report({ at: '2026-11-20T12:00:00Z' }));
    expect(utcReport).toMatchObject({ time: 'disagrees', timeDifferenceS: 9000 });
    expect(utcReport.flags[0]!.reason).toContain('EXIF wall clock');
    expect(utcReport.notes[0]).toContain('(+00:00)');
  });

  it('flags a place beyond max(accuracy, 2 km) plus the GPS error, from the nearest of event and observer', () => {
    // About 5.6 km north of the event.
    const far = capture({ lat: 48.05, lon: 37.8 });
    const flagged = compareWithReport(far, report());
    expect(flagged.place).toBe('disagrees');
    expect(flagged.flags).toEqual([{ code: 'capture-place-disagrees', reason: expect.stringMatching(/^captured at 48.05000, 37.80000 \(EXIF GPS\), 5.6 km from the observation's place; tolerance 2.0 km$/) }]);
    // A report as coarse as 6 km accepts it.
    expect(compareWithReport(far, report({ place: { lat: 48, lon: 37.8, accuracyM: 6000 } })).place).toBe('agrees');
    // So does a GPS that says it may be 4 km off.
    expect(compareWithReport({ ...far, gpsErrorM: 4000 }, report()).place).toBe('agrees');
    // And a photo taken where the observer stood.
    const fromPost = compareWithReport(far, report({ observer: { lat: 48.051, lon: 37.801 } }));
    expect(fromPost).toMatchObject({ place: 'agrees', flags: [] });
    expect(fromPost.distanceM).toBeLessThan(200);
  });

  it('says unknown when either side has no time or no place', () => {
    expect(compareWithReport(null, report())).toMatchObject({ time: 'unknown', place: 'unknown', flags: [], timeDifferenceS: null, distanceM: null });
    expect(compareWithReport(capture({ gpsTime: '2026-11-21T12:00:00.000Z', lat: 50, lon: 30 }), report({ at: null, place: null }))).toMatchObject({ time: 'unknown', place: 'unknown', flags: [] });
  });

  it('takes tolerances as options', () => {
    const c = capture({ gpsTime: '2026-11-20T12:30:00.000Z' });
    expect(compareWithReport(c, report(), { timeToleranceS: 600, placeToleranceM: 2000 }).time).toBe('disagrees');
  });
});

describe('media types and ranges', () => {
  it('tells files by their signature, not by what the uploader declared', () => {
    expect(sniffMediaType(jpeg())).toBe('image/jpeg');
    expect(sniffMediaType(pdf())).toBe('application/pdf');
    expect(sniffMediaType(mp4Header())).toBe('video/mp4');
    expect(sniffMediaType(Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'))).toBe('image/png');
    expect(sniffMediaType(Buffer.from('....ftypheic', 'latin1'))).toBe('image/heic');
    expect(sniffMediaType(Buffer.from('....ftypqt  ', 'latin1'))).toBe('video/quicktime');
    expect(sniffMediaType(Buffer.from('plain text'))).toBeNull();
    expect(mediaTypeOf(jpeg(), 'application/pdf')).toBe('image/jpeg');
    expect(mediaTypeOf(Buffer.from('a,b\n1,2\n'), 'text/csv; charset=utf-8')).toBe('text/csv');
    expect(mediaTypeOf(Buffer.from('x'), 'not a type')).toBe('application/octet-stream');
    expect(mediaTypeOf(Buffer.from('x'), null)).toBe('application/octet-stream');
  });

  it('reads one byte range, ignores what it cannot serve, and refuses one past the end', () => {
    expect(byteRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(byteRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(byteRange('bytes=50-500', 100)).toEqual({ start: 50, end: 99 });
    expect(byteRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(byteRange('bytes=-1000', 100)).toEqual({ start: 0, end: 99 });
    expect(byteRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(byteRange('bytes=-0', 100)).toBe('unsatisfiable');
    expect(byteRange('bytes=5-1', 100)).toBeNull();
    expect(byteRange('bytes=0-1,5-6', 100)).toBeNull();
    expect(byteRange(undefined, 100)).toBeNull();
  });
});

describe('labels of evidence and of views', () => {
  const user = (orgKind: 'mechanism' | 'nation' | 'party' | 'cell', nation: string) => ({ type: 'user' as const, id: 'x', username: 'x', nation, org: nation, orgKind, roles: ['monitor' as const] });
  it("keeps the mechanism's own in the mechanism and releases others' to their nation", () => {
    expect(defaultEvidenceLabel(user('mechanism', 'FRA'))).toBe('MECHANISM');
    expect(defaultEvidenceLabel(user('party', 'RUS'))).toBe('REL TO RUS');
    expect(viewLabel(user('nation', 'UKR'))).toBe('REL TO UKR');
    expect(viewLabel(user('cell', 'DEU'))).toBe('REL TO DEU');
  });
});

describe('the EXIF adapter (exifr) on real JPEG files', () => {
  it('reads time, zone, GPS position and time, error and camera from a JPEG built byte by byte', async () => {
    const file = jpeg({
      make: 'Canon',
      model: 'EOS R6',
      dateTimeOriginal: '2026:11:20 14:05:30',
      offsetTimeOriginal: '+02:00',
      gps: { lat: 48.1234, lon: 37.5678, dateStamp: '2026:11:20', timeStamp: [12, 5, 31], errorM: 12.5 },
    });
    const c = await readCapture(file);
    expect(c).toMatchObject({
      dateTimeOriginal: '2026-11-20T14:05:30',
      offsetTimeOriginal: '+02:00',
      gpsTime: '2026-11-20T12:05:31.000Z',
      gpsErrorM: 12.5,
      make: 'Canon',
      model: 'EOS R6',
    });
    expect([c!.lat, c!.lon]).toEqual([48.1234, 37.5678]);
  });

  it('reads southern and western positions with their sign', async () => {
    const c = await readCapture(jpeg({ gps: { lat: -33.5, lon: -70.25 } }));
    expect(c!.lat).toBeCloseTo(-33.5, 6);
    expect(c!.lon).toBeCloseTo(-70.25, 6);
    expect(c!.dateTimeOriginal).toBeNull();
  });

  it('finds nothing in a JPEG without EXIF, a PDF, a video header or garbage, and never throws', async () => {
    expect(await readCapture(jpeg())).toBeNull();
    expect(await readCapture(pdf())).toBeNull();
    expect(await readCapture(mp4Header())).toBeNull();
    expect(await readCapture(Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0x00, 0x10, 0x45, 0x78]))).toBeNull();
  });

  it('drops the 0,0 position some devices write without a fix', () => {
    expect(captureFromTags({ latitude: 0, longitude: 0, DateTimeOriginal: '2026:11:20 10:00:00' })).toMatchObject({ lat: null, lon: null, dateTimeOriginal: '2026-11-20T10:00:00' });
    expect(captureFromTags({ latitude: 0, longitude: 0 })).toBeNull();
  });
});
