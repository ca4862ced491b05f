import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { lineFromAreaFile } from '../agreement/line-from-area';
import { InvalidInputError } from '../domain/errors';
import { withStore } from './context';

/**
 * Derives the contact line from an occupied-area polygon and prints it as GeoJSON; with --amend,
 * stores an amendment of the agreement in force whose contact line is the derived one (sides by
 * the area: inside is the party that held the old line's inside/left).
 */
export async function lineFromAreaCommand(
  area: string,
  opts: {
    border?: string;
    land?: string;
    toleranceM: string;
    minLengthKm: string;
    output?: string;
    amend?: boolean;
    effectiveFrom?: string;
    note?: string;
    db?: string;
  },
): Promise<void> {
  if (opts.amend && !opts.effectiveFrom) throw new InvalidInputError('--effective-from', 'is needed with --amend (ISO 8601 instant, e.g. 2026-08-22T00:00:00Z)');
  if (opts.effectiveFrom && !Number.isFinite(Date.parse(opts.effectiveFrom))) throw new InvalidInputError('--effective-from', 'must be an ISO 8601 instant with offset');
  const result = lineFromAreaFile(area, {
    borderPath: opts.border,
    landPath: opts.land,
    toleranceM: Number(opts.toleranceM),
    minLengthKm: Number(opts.minLengthKm),
  });
  const lengthsKm = result.parts.map((p) => Math.round(p.lengthM / 100) / 10);
  const json = JSON.stringify(result.feature);
  if (opts.output) writeFileSync(opts.output, json + '\n');
  else if (!opts.amend) console.log(json);
  console.error(
    `line from ${area}: ${result.parts.length} part(s) of ${lengthsKm.join(', ')} km` +
      (result.droppedLengthsM.length ? `; dropped ${result.droppedLengthsM.length} shorter than ${opts.minLengthKm} km` : ''),
  );
  if (!opts.amend) return;
  await withStore(opts, async ({ store, agreements }) => {
    const effectiveFrom = new Date(opts.effectiveFrom!).toISOString();
    const s = await agreements.amendWithLine('cli', result, {
      effectiveFrom,
      ...(opts.note ? { note: opts.note } : {}),
      source: `derived from ${basename(area)} (tolerance ${opts.toleranceM} m, parts ≥ ${opts.minLengthKm} km)`,
    });
    const v = s.parsed.versions[s.parsed.versions.length - 1]!;
    console.log(
      `agreement "${s.revision.agreementId}" amended: version ${v.version} from ${v.effectiveFrom} with contact line ${v.provisions.contactLine}; stored as revision ${s.revision.revision} in ${store.description}`,
    );
    console.log(`re-judge what was observed since: truceline agreement reevaluate --from ${v.effectiveFrom}`);
  });
}
