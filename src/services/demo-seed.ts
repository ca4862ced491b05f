import { demoSectors } from '../demo/demo-sectors';
import { demoWeek } from '../demo/demo-week';
import type { Store } from '../store/repository';
import type { ObservationIngest } from './observation-ingest';

/** Seeds the demo sectors and week. Idempotent: ids are derived from the seed and the week. */
export async function seedDemo(store: Store, ingest: ObservationIngest, end = new Date()): Promise<{ created: number; total: number }> {
  await store.sectors.upsertMany(demoSectors());
  ingest.invalidateSectors();
  const week = demoWeek({ end });
  let created = 0;
  for (let i = 0; i < week.length; i += 1000) {
    const results = await ingest.submit(week.slice(i, i + 1000), { channel: 'cli', rawId: null });
    created += results.filter((r) => r.status === 'created').length;
  }
  return { created, total: week.length };
}
