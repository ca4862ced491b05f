import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ILLUSTRATIVE_LINE_COORDS } from '../demo/contact-line';
import { parseAgreement, type AgreementInput, type ParsedAgreement } from '../domain/agreement';
import { AGREEMENT_DATA_DIR } from './geojson-io';

/** The shipped default agreement file (a complete, importable example of the format). */
export const DEFAULT_AGREEMENT_PATH = join(AGREEMENT_DATA_DIR, 'default-agreement.json');

/** Id of the illustrative contact line in the default agreement. */
export const DEFAULT_LINE_ID = 'illustrative-contact-line';

/**
 * The default agreement: the Minsk withdrawal pattern (artillery ≥ 100 mm 25 km per side, MLRS
 * 35 km, Tornado-S/Uragan/Smerch/Tochka 70 km; tanks, artillery < 100 mm and mortars up to 120 mm
 * 15 km; a 15 km security zone per side) on the illustrative demo line. The line's geometry is
 * taken from src/demo/contact-line.ts so that the two never drift apart.
 */
export function defaultAgreementInput(): AgreementInput {
  const input = JSON.parse(readFileSync(DEFAULT_AGREEMENT_PATH, 'utf8')) as AgreementInput;
  for (const v of input.versions) {
    for (const line of v.provisions.lines ?? []) {
      if (line.id === DEFAULT_LINE_ID) line.geometry = { type: 'LineString', coordinates: ILLUSTRATIVE_LINE_COORDS.map((p) => [p[0], p[1]]) };
    }
  }
  return input;
}

/** The default agreement, parsed and validated. */
export function loadDefaultAgreement(): ParsedAgreement {
  return parseAgreement(defaultAgreementInput());
}
