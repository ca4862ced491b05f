import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { OWN_SOURCES } from '../../domain/daily-report';
import { observationsToAcledCsv } from '../../ingest/acled/export';
import { GEOJSON_TAIL, geojsonFeature, geojsonHead, KML_TAIL, kmlHead, kmlPlacemark, OPEN_DATA_ATTRIBUTION } from '../../reports/open-data';
import { AUDIENCE_VISIBILITY } from '../../services/daily-report.service';
import type { Store } from '../../store/repository';

const TYPES = { csv: 'text/csv; charset=utf-8', geojson: 'application/geo+json; charset=utf-8', kml: 'application/vnd.google-earth.kml+xml; charset=utf-8' } as const;

/**
 * Open data: the mechanism's own PUBLIC observations (no login), as ACLED CSV, GeoJSON or KML.
 * Third-party rows (ACLED imports, partner feeds, OSINT) are left out: their licences do not
 * allow republication.
 */
export const openDataRoutes =
  (store: Store): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/api/open-data/observations.:format',
      {
        config: { permission: 'report.read' },
        schema: {
          summary: "The mechanism's own public observations as open data (ACLED CSV, GeoJSON or KML), newest first",
          description: `Attribution (also in the \`attribution\` header, and inside GeoJSON and KML): ${OPEN_DATA_ATTRIBUTION}`,
          tags: ['reports'],
          params: z.object({ format: z.enum(['csv', 'geojson', 'kml']) }),
          querystring: z.object({
            from: z.iso.datetime({ offset: true }).optional().describe('Observed at or after'),
            to: z.iso.datetime({ offset: true }).optional().describe('Observed before'),
          }),
        },
      },
      async (req, reply) => {
        const { format } = req.params;
        const q = { visibility: AUDIENCE_VISIBILITY.public, sourceKinds: OWN_SOURCES, from: req.query.from ? Date.parse(req.query.from) : undefined, to: req.query.to ? Date.parse(req.query.to) : undefined };
        async function* body() {
          if (format === 'geojson') yield geojsonHead();
          if (format === 'kml') yield kmlHead('Truceline open data: observations');
          let first = true;
          for await (const chunk of store.observations.iterate(q)) {
            if (format === 'csv') {
              const lines = [...observationsToAcledCsv(chunk)];
              yield (first ? lines : lines.slice(1)).join('');
            } else if (format === 'geojson') yield chunk.map((o, i) => `${first && i === 0 ? '' : ',\n'}${geojsonFeature(o)}`).join('');
            else yield chunk.map(kmlPlacemark).join('');
            first = false;
          }
          if (format === 'csv' && first) yield [...observationsToAcledCsv([])].join('');
          if (format === 'geojson') yield GEOJSON_TAIL;
          if (format === 'kml') yield KML_TAIL;
        }
        return reply
          .type(TYPES[format])
          .header('attribution', OPEN_DATA_ATTRIBUTION)
          .header('content-disposition', `attachment; filename="truceline-observations.${format}"`)
          .send(Readable.from(body()));
      },
    );
  };
