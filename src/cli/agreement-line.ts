import { writeFileSync } from 'node:fs';
import { lineFromAreaFile } from '../agreement/line-from-area';

/** Derives the contact line from an occupied-area polygon and prints it as GeoJSON. */
export async function lineFromAreaCommand(
  area: string,
  opts: { border?: string; land?: string; toleranceM: string; minLengthKm: string; output?: string },
): Promise<void> {
  const result = lineFromAreaFile(area, {
    borderPath: opts.border,
    landPath: opts.land,
    toleranceM: Number(opts.toleranceM),
    minLengthKm: Number(opts.minLengthKm),
  });
  const lengthsKm = result.parts.map((p) => Math.round(p.lengthM / 100) / 10);
  const json = JSON.stringify(result.feature);
  if (opts.output) writeFileSync(opts.output, json + '\n');
  else console.log(json);
  console.error(
    `line from ${area}: ${result.parts.length} part(s) of ${lengthsKm.join(', ')} km` +
      (result.droppedLengthsM.length ? `; dropped ${result.droppedLengthsM.length} shorter than ${opts.minLengthKm} km` : ''),
  );
}
