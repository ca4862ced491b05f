import { readFileSync } from 'node:fs';
import { AgreementValidationError, amendAgreement, parseAgreement, type ParsedAgreement } from '../domain/agreement';
import type { LineFromAreaResult } from './line-from-area';

/**
 * `truceline agreement import FILE`: reads and validates an agreement file. Throws
 * AgreementValidationError (with every problem) or a plain error for unreadable JSON; nothing of
 * a rejected file is used.
 */
export function readAgreementFile(path: string): ParsedAgreement {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new AgreementValidationError([{ field: '(file)', feature: path, message: `not readable JSON: ${(e as Error).message}` }]);
  }
  return parseAgreement(json);
}

export interface LineAmendmentOptions {
  effectiveFrom: string;
  lineId?: string;
  name?: string;
  note?: string;
  /** Party holding the area (inside), and the other party. Default: the line's current ones, or the first two parties reversed. */
  insideParty?: string;
  outsideParty?: string;
  /** Attach the area polygon for side-by-area (default true). */
  withArea?: boolean;
  source?: string;
}

/**
 * An amendment that replaces the contact line by a line derived from an occupied-area polygon
 * (`agreement line-from-area` output), keeping every other provision. Withdrawal provisions that
 * named the old line by id are redirected to the new one.
 */
export function amendWithDerivedLine(parsed: ParsedAgreement, derived: LineFromAreaResult, options: LineAmendmentOptions): ParsedAgreement {
  const last = parsed.versions[parsed.versions.length - 1]!;
  const old = last.provisions.lines.find((l) => l.id === last.provisions.contactLine)!;
  const parties = parsed.agreement.parties.map((p) => p.id);
  const inside = options.insideParty ?? old.insideParty ?? old.leftParty ?? parties[1]!;
  const outside = options.outsideParty ?? old.outsideParty ?? old.rightParty ?? parties.find((p) => p !== inside)!;
  const id = options.lineId ?? `contact-${options.effectiveFrom.slice(0, 10)}`;
  const line = {
    id,
    name: options.name ?? `Contact line from ${options.effectiveFrom.slice(0, 10)}`,
    geometry: derived.feature.geometry,
    // the derived parts have the area on their left: the same convention whatever the sides
    leftParty: inside,
    rightParty: outside,
    ...(options.withArea === false
      ? {}
      : { area: { type: 'MultiPolygon' as const, coordinates: derived.area.map((p) => p.map((r) => r.map((c) => [c[0]!, c[1]!]))) }, insideParty: inside, outsideParty: outside }),
    ...(options.source ? { source: options.source } : {}),
  };
  const lines = [line, ...last.provisions.lines.filter((l) => l.id !== old.id && l.id !== id)];
  const redirect = (m: string | Record<string, string> | undefined) =>
    m === undefined ? undefined : typeof m === 'string' ? (m === old.id ? id : m) : Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v === old.id ? id : v]));
  const withdrawal = last.provisions.withdrawal.map((w) => ({ ...w, ...(w.measuredFrom !== undefined ? { measuredFrom: redirect(w.measuredFrom) } : {}) }));
  const securityZone = last.provisions.securityZone
    ? { ...last.provisions.securityZone, ...(last.provisions.securityZone.line === old.id ? { line: id } : {}) }
    : undefined;
  return amendAgreement(parsed, {
    effectiveFrom: options.effectiveFrom,
    note: options.note ?? `Contact line replaced by ${id}`,
    provisions: { lines, contactLine: id, withdrawal, ...(securityZone ? { securityZone } : {}) },
  });
}
