import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ILLUSTRATIVE_CONTACT_LINE } from '../../demo/contact-line';

const LineCollection = z.object({
  type: z.literal('FeatureCollection'),
  features: z.array(
    z.object({
      type: z.literal('Feature'),
      properties: z.object({ name: z.string(), status: z.string(), note: z.string() }),
      geometry: z.object({ type: z.literal('LineString'), coordinates: z.array(z.array(z.number())) }),
    }),
  ),
});

export const mapRoutes = (): FastifyPluginAsyncZod => async (app) => {
  app.get(
    '/api/contact-line',
    {
      config: { permission: 'map.read' },
      schema: {
        summary: 'The contact line drawn on the map (GeoJSON); until an agreement is loaded, the illustrative demo line',
        tags: ['map'],
        response: { 200: LineCollection },
      },
    },
    async () => ({ type: 'FeatureCollection' as const, features: [ILLUSTRATIVE_CONTACT_LINE] }),
  );
};
