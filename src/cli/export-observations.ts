// The CLI runs with the store's files or credentials in hand: it exports everything.
import { SEE_ALL } from '../domain/identity';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Observation } from '../domain/observation';
import { ACLED_COLUMNS } from '../ingest/acled/columns';
import { csvLine, observationToAcledValues } from '../ingest/acled/export';
import { withStore } from './context';

const toFeature = (o: Observation) => ({ type: 'Feature', id: o.id, geometry: { type: 'Point', coordinates: [o.location.lon, o.location.lat] }, properties: o });

/** Streams every observation, newest first, as GeoJSON, NDJSON or ACLED CSV (which `import acled` takes back). */
export async function exportObservationsCommand(opts: { db?: string; format: 'geojson' | 'ndjson' | 'acled'; output?: string }): Promise<void> {
  const out: Writable = opts.output ? createWriteStream(opts.output) : process.stdout;
  const write = async (s: string) => {
    if (!out.write(s)) await once(out, 'drain');
  };
  let n = 0;
  await withStore(opts, async ({ store }) => {
    if (opts.format === 'geojson') await write('{"type":"FeatureCollection","features":[\n');
    if (opts.format === 'acled') await write(`${ACLED_COLUMNS.join(',')}\n`);
    for await (const chunk of store.observations.iterate({ visibility: SEE_ALL })) {
      for (const o of chunk) {
        if (opts.format === 'geojson') await write(`${n ? ',\n' : ''}${JSON.stringify(toFeature(o))}`);
        else if (opts.format === 'acled') await write(`${csvLine(observationToAcledValues(o))}\n`);
        else await write(JSON.stringify(o) + '\n');
        n++;
      }
    }
    if (opts.format === 'geojson') await write('\n]}\n');
  });
  if (opts.output) {
    out.end();
    await once(out, 'finish');
    console.error(`exported ${n} observations to ${opts.output}`);
  }
}
