import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SectorGeometry } from '../../domain/sector';
import type { Store } from '../../store/repository';

const SectorCollection = z
  .object({
    type: z.literal('FeatureCollection'),
    features: z.array(
      z.object({
        type: z.literal('Feature'),
        id: z.string(),
        properties: z.object({ id: z.string(), name: z.string() }),
        geometry: SectorGeometry,
      }),
    ),
  })
  .describe('Sectors as a GeoJSON FeatureCollection');

export const sectorRoutes =
  (store: Store): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/api/sectors',
      { config: { permission: 'map.read' }, schema: { summary: 'Sectors (areas of responsibility) as GeoJSON', tags: ['sectors'], response: { 200: SectorCollection } } },
      async () => ({
        type: 'FeatureCollection' as const,
        features: (await store.sectors.list()).map((s) => ({
          type: 'Feature' as const,
          id: s.id,
          properties: { id: s.id, name: s.name },
          geometry: s.geometry,
        })),
      }),
    );
  };
