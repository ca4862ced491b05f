import { z } from 'zod';
import { CUSTODY_ACTIONS, EVIDENCE_FLAG_CODES, EVIDENCE_TARGET_KINDS, SHA256_PATTERN } from '../domain/evidence';
import { Releasability } from '../domain/releasability';

/** Wire shapes of the evidence API. */

const ReportId = z.string().min(1).max(128).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

export const Sha256 = z
  .string()
  .transform((s) => s.toLowerCase())
  .pipe(z.string().regex(SHA256_PATTERN, 'must be a SHA-256 in hex (64 characters)'))
  .describe('SHA-256 of the bytes, lowercase hex');

export const Sha256Params = z.object({ sha256: Sha256 });

const Agreement = z.enum(['agrees', 'disagrees', 'unknown']);

export const ExifCaptureSchema = z
  .object({
    dateTimeOriginal: z.string().nullable().describe('EXIF DateTimeOriginal as a wall clock (YYYY-MM-DDTHH:MM:SS, no zone)'),
    offsetTimeOriginal: z.string().nullable().describe('EXIF OffsetTimeOriginal (+02:00), the zone of that wall clock, when the camera wrote it'),
    gpsTime: z.string().nullable().describe('GPS date and time (UTC, ISO 8601)'),
    lat: z.number().nullable().describe('GPS latitude, WGS84'),
    lon: z.number().nullable().describe('GPS longitude, WGS84'),
    gpsErrorM: z.number().nullable().describe('GPS horizontal positioning error, metres'),
    make: z.string().nullable().describe('Camera make'),
    model: z.string().nullable().describe('Camera model'),
  })
  .describe("What the file's EXIF says of its capture, as written");

export const CaptureTimeSchema = z
  .object({
    at: z.string().nullable().describe('The capture instant (UTC) when the file fixes it; null for a wall clock without zone'),
    local: z.string().nullable().describe('The wall clock the camera showed'),
    basis: z.enum(['exif-offset', 'gps', 'local']).describe('exif-offset: DateTimeOriginal + OffsetTimeOriginal; gps: GPS time (UTC); local: a wall clock in an unknown zone'),
  })
  .describe('When the file says it was captured');

export const FlagSchema = z.object({
  code: z.enum(EVIDENCE_FLAG_CODES).describe('capture-time-disagrees | capture-place-disagrees'),
  reason: z.string().describe('The two values and the tolerance, for a human'),
});

export const CheckSchema = z
  .object({
    reference: z
      .object({
        kind: z.enum(EVIDENCE_TARGET_KINDS),
        id: z.string(),
        at: z.string().nullable().describe("The report's time, as compared with"),
        until: z.string().nullable(),
        place: z.object({ lat: z.number(), lon: z.number(), accuracyM: z.number().optional() }).nullable().describe("The report's place, as compared with"),
      })
      .describe('The report as it was when compared'),
    time: Agreement.describe('Capture time against the report: agrees, disagrees (flagged) or unknown (no time on one side)'),
    place: Agreement.describe('Capture place against the report'),
    timeDifferenceS: z.number().nullable().describe('Seconds from the capture to the report time (0 inside a reported interval)'),
    distanceM: z.number().nullable().describe('Metres from the capture place to the nearest of the report place and observer'),
    flags: z.array(FlagSchema).describe('Disagreements, with reasons'),
    notes: z.array(z.string()).describe('How values were read where one could assume otherwise'),
  })
  .describe('The capture compared with the report (tolerances: 2 h; max(report accuracy, 2 km) plus GPS error)');

export const AttachmentSchema = z
  .object({
    id: z.string().describe('Attachment id (UUIDv7)'),
    target: z.object({ kind: z.enum(EVIDENCE_TARGET_KINDS), id: z.string() }).nullable().describe('The report it is attached to; null: none yet'),
    releasability: Releasability,
    filename: z.string().nullable().describe('File name as the uploader gave it'),
    declaredType: z.string().nullable().describe('Content type the uploader declared'),
    addedBy: z.string().describe('Who: `user:<name>` or `token:<name>`'),
    addedAt: z.string().describe('When (ISO 8601, UTC)'),
    check: CheckSchema.nullable().describe('Comparison with the report; null when there was nothing to compare with'),
  })
  .describe('The evidence attached to a report under a label');

export const CustodySchema = z
  .object({
    seq: z.number().int().describe('Order of the entry in the chain'),
    action: z.enum(CUSTODY_ACTIONS).describe('added: uploaded; linked: attached to a report; viewed: the bytes were served'),
    actor: z.string().describe('Who'),
    at: z.string().describe('When (ISO 8601, UTC)'),
    address: z.string().nullable().describe('The client address the server saw'),
    attachmentId: z.string().nullable().describe('The attachment made or found, for added and linked'),
    range: z.string().nullable().describe('For a view of part of the file: the bytes served (start-end)'),
  })
  .describe('One entry of the chain of custody');

const contentFields = {
  sha256: z.string().describe('SHA-256 of the bytes (lowercase hex): the evidence id'),
  size: z.number().int().describe('Bytes'),
  mediaType: z.string().describe('What the bytes are (by their signature), e.g. image/jpeg, video/mp4, application/pdf'),
  capture: ExifCaptureSchema.nullable().describe('EXIF capture metadata; null when the file has none'),
  captureTime: CaptureTimeSchema.nullable(),
};

export const EvidenceSchema = z
  .object({
    ...contentFields,
    attachments: z.array(AttachmentSchema).describe('Its attachments released to you, oldest first'),
    custody: z.array(CustodySchema).describe('The chain of custody released to you, oldest first'),
    flags: z.array(FlagSchema).describe('Every flag of the attachments above'),
  })
  .describe('A photo, video or document, by its SHA-256');

export const UploadResultSchema = EvidenceSchema.extend({
  added: z.array(z.string()).describe('The attachments this request made or found made already'),
});

export const EvidenceListItemSchema = z.object({ ...contentFields, attachment: AttachmentSchema }).describe('One attachment with the facts of its bytes');

export const EvidencePage = z.object({
  items: z.array(EvidenceListItemSchema).describe('Newest first'),
  total: z.number().int().describe('How many attachments visible to you match'),
  nextCursor: z.string().nullable().describe('Cursor of the next page; null on the last'),
});

const targetQuery = {
  observation: ReportId.optional().describe('An observation id'),
  incident: ReportId.optional().describe('An incident id'),
  allegation: ReportId.optional().describe('An allegation id'),
};

export const UploadQuery = z.object({
  ...targetQuery,
  filename: z.string().max(255).optional().describe('The original file name (kept as given, for display)'),
  releasability: Releasability.optional().describe('Label of the attachment; default MECHANISM for mechanism staff, "REL TO <your nation>" for others'),
});

export const ListQuery = z
  .object({
    ...targetQuery,
    sha256: Sha256.optional().describe("Only this file's attachments"),
    limit: z.coerce.number().int().min(1).max(500).default(100).describe('Page size, at most 500'),
    cursor: z.string().max(500).optional().describe('Opaque cursor from the previous page'),
  })
  .refine((q) => [q.observation, q.incident, q.allegation].filter((v) => v !== undefined).length <= 1, { message: 'give at most one of observation, incident, allegation', path: ['observation'] });

export const LinkBody = z
  .object({
    ...targetQuery,
    releasability: Releasability.optional().describe('Label of the new attachments; default as for an upload'),
  })
  .strict()
  .describe('Attach stored evidence to reports: at least one of observation, incident, allegation');

/** The targets named in a query or body, in a fixed order. */
export function targetsOf(q: { observation?: string; incident?: string; allegation?: string }): { kind: 'observation' | 'incident' | 'allegation'; id: string }[] {
  return (['observation', 'incident', 'allegation'] as const).flatMap((kind) => (q[kind] === undefined ? [] : [{ kind, id: q[kind] }]));
}
